#pragma once
// VP9 RTP payload descriptor (RFC 9628 §4.2): flags, layer ids, keyframe detection.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace talk::rtc::vp9 {

struct Descriptor
{
  bool interPicturePredicted = false; // P
  bool flexibleMode = false;          // F
  bool startOfFrame = false;          // B
  bool endOfFrame = false;            // E
  bool scalabilityStructure = false;  // V
  bool notReferenceForUpper = false;  // Z
  bool hasPictureId = false;
  uint16_t pictureId = 0;
  bool hasLayerIndices = false;
  uint8_t temporalId = 0;   // TID
  bool switchingUp = false; // U
  uint8_t spatialId = 0;    // SID
  bool interLayerDependent = false; // D
  bool hasTl0PicIdx = false;
  uint8_t tl0PicIdx = 0;
  size_t size = 0;
  // Start of a frame at spatial layer 0 that is not inter-picture predicted.
  bool keyframe = false;
};

std::optional<Descriptor> parse(std::span<const uint8_t> payload) noexcept;

}
