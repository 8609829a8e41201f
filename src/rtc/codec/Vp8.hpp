#pragma once
// VP8 RTP payload descriptor (RFC 7741 §4.2) and keyframe bit (RFC 6386 §9.1): parse, and
// rewrite PictureID / TL0PICIDX in place (simulcast switches).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace talk::rtc::vp8 {

struct Descriptor
{
  bool nonReference = false;    // N
  bool startOfPartition = false; // S
  uint8_t partitionId = 0;      // PID (0..7)
  bool hasPictureId = false;
  bool pictureIdLong = false;   // 15-bit (M=1) or 7-bit
  uint16_t pictureId = 0;
  bool hasTl0PicIdx = false;
  uint8_t tl0PicIdx = 0;
  bool hasTid = false;
  uint8_t tid = 0;               // temporal layer (0 when absent)
  bool layerSync = false;        // Y
  bool hasKeyIdx = false;
  uint8_t keyIdx = 0;
  size_t size = 0;               // descriptor bytes before the VP8 payload
  bool keyframe = false;         // start of partition 0 and P bit of the frame tag clear
  // First packet of a frame: S set and partition 0.
  bool startOfFrame() const noexcept { return startOfPartition && partitionId == 0; }
};

std::optional<Descriptor> parse(std::span<const uint8_t> payload) noexcept;

// Rewrites the fields in place, keeping the descriptor's size (a 7-bit PictureID gets the low
// 7 bits). False when the field is absent.
bool setPictureId(std::span<uint8_t> payload, uint16_t pictureId) noexcept;
bool setTl0PicIdx(std::span<uint8_t> payload, uint8_t tl0PicIdx) noexcept;

}
