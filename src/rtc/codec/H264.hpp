#pragma once
// H.264 RTP payloads (RFC 6184): single NAL unit, STAP-A, FU-A. Reports what a keyframe
// decision needs: which NAL types the packet starts or contains.
#include <cstdint>
#include <optional>
#include <span>

namespace talk::rtc::h264 {

namespace nal {
constexpr uint8_t Slice = 1;
constexpr uint8_t Idr = 5;
constexpr uint8_t Sei = 6;
constexpr uint8_t Sps = 7;
constexpr uint8_t Pps = 8;
constexpr uint8_t StapA = 24;
constexpr uint8_t FuA = 28;
}

struct PayloadInfo
{
  uint8_t packetType = 0; // NAL type of the RTP payload (1..23, 24 STAP-A, 28 FU-A)
  bool hasIdr = false;     // an IDR slice starts in this packet
  bool hasSps = false;
  bool hasPps = false;
  bool startOfNal = true;  // false for FU-A continuation fragments
  // An IDR (with or without SPS/PPS in the same packet) begins here.
  bool keyframe() const noexcept { return hasIdr; }
};

// nullopt for empty payloads, F bit set, unsupported types (STAP-B, MTAP, FU-B), or an
// aggregation whose NAL sizes run past the payload.
std::optional<PayloadInfo> parse(std::span<const uint8_t> payload) noexcept;

}
