#include "rtc/transport/PacketDemux.hpp"

namespace talk::rtc {

PacketKind classifyPacket(std::span<const uint8_t> packet) noexcept
{
  if (packet.empty()) {
    return PacketKind::Unknown;
  }
  const uint8_t first = packet[0];
  if (first <= 3) {
    return PacketKind::Stun;
  }
  if (first >= 20 && first <= 63) {
    return PacketKind::Dtls;
  }
  if (first >= 128 && first <= 191) {
    if (packet.size() < 2) {
      return PacketKind::Unknown;
    }
    // RFC 5761 §4: RTCP packet types 192–223 collide with no RTP payload type we allow
    // (the marker bit makes 64–95 appear as 192–223).
    const uint8_t second = packet[1];
    return second >= 192 && second <= 223 ? PacketKind::Rtcp : PacketKind::Rtp;
  }
  return PacketKind::Unknown;
}

const char* packetKindName(PacketKind kind) noexcept
{
  switch (kind) {
  case PacketKind::Stun:
    return "stun";
  case PacketKind::Dtls:
    return "dtls";
  case PacketKind::Rtp:
    return "rtp";
  case PacketKind::Rtcp:
    return "rtcp";
  case PacketKind::Unknown:
    break;
  }
  return "unknown";
}

}
