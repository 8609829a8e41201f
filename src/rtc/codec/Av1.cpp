#include "rtc/codec/Av1.hpp"

namespace talk::rtc::av1 {

namespace {

constexpr uint8_t ObuSequenceHeader = 1;

// LEB128 (AV1 §4.10.5), at most 8 bytes; nullopt when truncated or too long.
std::optional<uint64_t> leb128(std::span<const uint8_t> data, size_t& pos) noexcept
{
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) {
    if (pos >= data.size()) {
      return std::nullopt;
    }
    uint8_t b = data[pos++];
    value |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      return value;
    }
  }
  return std::nullopt;
}

}

// Aggregation header Z|Y|W(2)|N|-(3), then OBU elements: each with a LEB128 length except the
// last when W != 0 (W = number of elements).
std::optional<PayloadInfo> parse(std::span<const uint8_t> payload) noexcept
{
  if (payload.empty()) {
    return std::nullopt;
  }
  PayloadInfo info;
  uint8_t h = payload[0];
  info.continuation = (h & 0x80) != 0;
  info.continues = (h & 0x40) != 0;
  info.obuCount = static_cast<uint8_t>((h >> 4) & 0x03);
  info.newSequence = (h & 0x08) != 0;
  size_t pos = 1;
  size_t element = 0;
  while (pos < payload.size()) {
    size_t len = 0;
    bool last = info.obuCount != 0 && element + 1 == info.obuCount;
    if (last) {
      len = payload.size() - pos;
    } else {
      auto l = leb128(payload, pos);
      if (!l || *l > payload.size() - pos) {
        return std::nullopt;
      }
      len = static_cast<size_t>(*l);
    }
    // The first element of a continuation packet is the tail of an OBU: no header.
    if (len > 0 && !(element == 0 && info.continuation)) {
      uint8_t obuType = (payload[pos] >> 3) & 0x0f;
      if (obuType == ObuSequenceHeader) {
        info.hasSequenceHeader = true;
      }
    }
    pos += len;
    ++element;
    if (last) {
      break;
    }
  }
  if (info.obuCount != 0 && element < info.obuCount) {
    return std::nullopt;
  }
  return info;
}

}
