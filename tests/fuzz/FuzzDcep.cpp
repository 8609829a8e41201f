// libFuzzer target: DCEP (RFC 8832) DATA_CHANNEL_OPEN parsing; what parses must re-encode
// to the same label, protocol and ordering.
#include "rtc/transport/DataChannelProtocol.hpp"

#include <cstdlib>

using namespace talk::rtc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  std::span<const uint8_t> input(data, size);
  (void)dcep::isAck(input);
  auto open = dcep::parseOpen(input);
  if (!open) {
    return 0;
  }
  if (open->label.size() + open->protocol.size() + dcep::OpenHeaderSize > size) {
    std::abort();
  }
  auto encoded = dcep::encodeOpen(open->label, open->ordered(), open->protocol);
  if (!encoded) {
    std::abort();
  }
  auto back = dcep::parseOpen(*encoded);
  if (!back || back->label != open->label || back->protocol != open->protocol || back->ordered() != open->ordered()) {
    std::abort();
  }
  return 0;
}
