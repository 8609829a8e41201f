// libFuzzer target: datagram demultiplexing, ChannelData parsing, and the TCP/TLS stream framer
// fed the input as a byte stream in irregular chunks (as recv() would deliver it). Frames it
// delimits must be consistent with the parsers, and re-encoding a ChannelData must round-trip.
#include "turn/stun/Framing.hpp"
#include "turn/stun/Message.hpp"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

using namespace talk::turn::stun;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  std::span<const uint8_t> input(data, size);
  (void)classifyDatagram(input);

  if (auto cd = parseChannelData(input)) {
    if (!isValidChannelNumber(cd->channel) || cd->payload.size() + ChannelDataHeaderSize > size) {
      std::abort();
    }
    static std::array<uint8_t, 65536 + 8> s_out;
    for (bool padded : {false, true}) {
      size_t n = writeChannelData(s_out, cd->channel, cd->payload, padded);
      auto back = parseChannelData(std::span<const uint8_t>(s_out.data(), n));
      if (n != channelDataSize(cd->payload.size(), padded) || !back || back->channel != cd->channel ||
          back->payload.size() != cd->payload.size() ||
          (!cd->payload.empty() && std::memcmp(back->payload.data(), cd->payload.data(), cd->payload.size()) != 0)) {
        std::abort();
      }
    }
  }

  // Stream framing: chunk sizes come from the first byte so the fuzzer explores splits.
  const size_t chunk = size == 0 ? 1 : 1 + data[0] % 17;
  std::vector<uint8_t> buffer;
  size_t consumed = 0;
  for (size_t pos = 0; pos < size; pos += chunk) {
    buffer.insert(buffer.end(), data + pos, data + std::min(size, pos + chunk));
    for (;;) {
      StreamFrame f = nextStreamFrame(buffer);
      if (f.status == FrameStatus::Invalid) {
        return 0;
      }
      if (f.status == FrameStatus::NeedMore) {
        if (f.size != 0 && f.size <= buffer.size()) {
          std::abort(); // claims to need more while holding enough
        }
        break;
      }
      if (f.size == 0 || f.size > buffer.size()) {
        std::abort();
      }
      std::span<const uint8_t> frame(buffer.data(), f.size);
      if (f.kind == FrameKind::ChannelData) {
        auto cd = parseChannelData(frame);
        if (!cd || channelDataSize(cd->payload.size(), true) != f.size) {
          std::abort();
        }
      }
      else {
        (void)Message::parse(frame);
      }
      consumed += f.size;
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(f.size));
    }
  }
  if (consumed + buffer.size() != size) {
    std::abort();
  }
  return 0;
}
