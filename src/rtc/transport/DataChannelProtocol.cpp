#include "rtc/transport/DataChannelProtocol.hpp"

#include <algorithm>
#include <new>

namespace talk::rtc::dcep {

std::optional<Open> parseOpen(std::span<const uint8_t> message) noexcept
{
  if (message.size() < OpenHeaderSize || message[0] != MessageOpen) {
    return std::nullopt;
  }
  const auto be16 = [&](size_t at) { return static_cast<uint16_t>((message[at] << 8) | message[at + 1]); };
  const size_t labelLength = be16(8);
  const size_t protocolLength = be16(10);
  if (message.size() - OpenHeaderSize < labelLength + protocolLength) {
    return std::nullopt;
  }
  try {
    Open open;
    open.channelType = message[1];
    open.priority = be16(2);
    open.reliability = (static_cast<uint32_t>(message[4]) << 24) | (static_cast<uint32_t>(message[5]) << 16) |
                       (static_cast<uint32_t>(message[6]) << 8) | message[7];
    const auto* text = reinterpret_cast<const char*>(message.data() + OpenHeaderSize);
    open.label.assign(text, labelLength);
    open.protocol.assign(text + labelLength, protocolLength);
    return open;
  }
  catch (const std::bad_alloc&) {
    return std::nullopt;
  }
}

bool isAck(std::span<const uint8_t> message) noexcept
{
  return !message.empty() && message[0] == MessageAck;
}

std::optional<std::vector<uint8_t>> encodeOpen(std::string_view label, bool ordered, std::string_view protocol)
{
  if (label.size() > 0xffff || protocol.size() > 0xffff) {
    return std::nullopt;
  }
  std::vector<uint8_t> out(OpenHeaderSize + label.size() + protocol.size(), 0);
  out[0] = MessageOpen;
  out[1] = ordered ? 0x00 : 0x80;
  out[2] = 0x01; // priority 256: "normal" (RFC 8831 §6.4)
  out[3] = 0x00;
  out[8] = static_cast<uint8_t>(label.size() >> 8);
  out[9] = static_cast<uint8_t>(label.size());
  out[10] = static_cast<uint8_t>(protocol.size() >> 8);
  out[11] = static_cast<uint8_t>(protocol.size());
  std::copy(label.begin(), label.end(), out.begin() + OpenHeaderSize);
  std::copy(protocol.begin(), protocol.end(), out.begin() + static_cast<long>(OpenHeaderSize + label.size()));
  return out;
}

}
