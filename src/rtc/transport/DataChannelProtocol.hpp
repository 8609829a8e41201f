#pragma once
// DCEP (RFC 8832) message codec: DATA_CHANNEL_OPEN and DATA_CHANNEL_ACK, no I/O. Parsing
// never throws and accepts only what the RFC's lengths allow.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace talk::rtc::dcep {

constexpr uint8_t MessageAck = 0x02;
constexpr uint8_t MessageOpen = 0x03;
constexpr size_t OpenHeaderSize = 12;

struct Open
{
  uint8_t channelType{0}; // 0x00 reliable; bit 0x80 = unordered; 0x01/0x02 partial reliability
  uint16_t priority{256};
  uint32_t reliability{0};
  std::string label;
  std::string protocol;

  bool ordered() const { return (channelType & 0x80) == 0; }
};

// nullopt unless `message` is a complete DATA_CHANNEL_OPEN (trailing bytes are ignored).
std::optional<Open> parseOpen(std::span<const uint8_t> message) noexcept;
bool isAck(std::span<const uint8_t> message) noexcept;

// Label and protocol longer than 65535 bytes are refused (nullopt).
std::optional<std::vector<uint8_t>> encodeOpen(std::string_view label, bool ordered, std::string_view protocol = {});

}
