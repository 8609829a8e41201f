#pragma once
// AV1 RTP payloads (AV1 RTP specification §4.4): the aggregation header and, for keyframe
// detection, whether the packet starts a coded video sequence (N bit) or carries an OBU
// sequence header at the start of a temporal unit.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace talk::rtc::av1 {

struct PayloadInfo
{
  bool continuation = false;  // Z: first OBU element continues one from the previous packet
  bool continues = false;     // Y: last OBU element continues in the next packet
  uint8_t obuCount = 0;       // W (0 = every element has a length field)
  bool newSequence = false;   // N: first packet of a coded video sequence
  bool hasSequenceHeader = false; // an OBU_SEQUENCE_HEADER begins in this packet
  // Keyframe start: N set (a new coded video sequence begins with a key frame).
  bool keyframe() const noexcept { return newSequence; }
};

std::optional<PayloadInfo> parse(std::span<const uint8_t> payload) noexcept;

}
