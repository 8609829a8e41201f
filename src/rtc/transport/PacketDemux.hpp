#pragma once
// RFC 7983 (and RFC 5761 §4) demultiplexing of what arrives on one ICE component: STUN,
// DTLS and SRTP/SRTCP share the 5-tuple and are told apart by the first byte; RTCP is told
// apart from RTP by the second byte (the RTCP packet type, 192–223). No validation beyond
// that: each consumer parses its own packet.
#include <cstdint>
#include <span>

namespace talk::rtc {

enum class PacketKind : uint8_t
{
  Unknown, // empty, or a first byte no protocol of ours uses (ZRTP, TURN channels, …)
  Stun,    // first byte 0–3
  Dtls,    // first byte 20–63
  Rtp,     // first byte 128–191, second byte outside 192–223
  Rtcp,    // first byte 128–191, second byte 192–223 (needs at least 2 bytes)
};

PacketKind classifyPacket(std::span<const uint8_t> packet) noexcept;

const char* packetKindName(PacketKind kind) noexcept;

}
