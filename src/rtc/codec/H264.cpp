#include "rtc/codec/H264.hpp"

namespace talk::rtc::h264 {

namespace {

void note(PayloadInfo& info, uint8_t type) noexcept
{
  info.hasIdr = info.hasIdr || type == nal::Idr;
  info.hasSps = info.hasSps || type == nal::Sps;
  info.hasPps = info.hasPps || type == nal::Pps;
}

}

std::optional<PayloadInfo> parse(std::span<const uint8_t> payload) noexcept
{
  if (payload.empty() || (payload[0] & 0x80) != 0) {
    return std::nullopt;
  }
  PayloadInfo info;
  info.packetType = payload[0] & 0x1f;
  if (info.packetType >= 1 && info.packetType <= 23) {
    note(info, info.packetType);
    return info;
  }
  if (info.packetType == nal::StapA) {
    size_t pos = 1;
    size_t units = 0;
    while (pos < payload.size()) {
      if (payload.size() - pos < 2) {
        return std::nullopt;
      }
      size_t len = static_cast<size_t>((payload[pos] << 8) | payload[pos + 1]);
      pos += 2;
      if (len == 0 || len > payload.size() - pos) {
        return std::nullopt;
      }
      note(info, payload[pos] & 0x1f);
      pos += len;
      ++units;
    }
    if (units == 0) {
      return std::nullopt;
    }
    return info;
  }
  if (info.packetType == nal::FuA) {
    if (payload.size() < 2) {
      return std::nullopt;
    }
    uint8_t header = payload[1];
    bool start = (header & 0x80) != 0;
    info.startOfNal = start;
    if (start) {
      note(info, header & 0x1f);
    }
    return info;
  }
  return std::nullopt;
}

}
