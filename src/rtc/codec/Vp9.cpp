#include "rtc/codec/Vp9.hpp"

namespace talk::rtc::vp9 {

// RFC 9628 §4.2: I|P|L|F|B|E|V|Z, then I: M|PictureID, L: TID|U|SID|D (+ TL0PICIDX when not
// flexible), F && P: up to 3 P_DIFF bytes (N bit chains them), V: scalability structure.
std::optional<Descriptor> parse(std::span<const uint8_t> payload) noexcept
{
  if (payload.empty()) {
    return std::nullopt;
  }
  Descriptor d;
  size_t pos = 0;
  uint8_t b = payload[pos++];
  bool i = (b & 0x80) != 0;
  d.interPicturePredicted = (b & 0x40) != 0;
  bool l = (b & 0x20) != 0;
  d.flexibleMode = (b & 0x10) != 0;
  d.startOfFrame = (b & 0x08) != 0;
  d.endOfFrame = (b & 0x04) != 0;
  d.scalabilityStructure = (b & 0x02) != 0;
  d.notReferenceForUpper = (b & 0x01) != 0;
  if (i) {
    if (pos >= payload.size()) {
      return std::nullopt;
    }
    d.hasPictureId = true;
    if ((payload[pos] & 0x80) != 0) {
      if (pos + 1 >= payload.size()) {
        return std::nullopt;
      }
      d.pictureId = static_cast<uint16_t>(((payload[pos] & 0x7f) << 8) | payload[pos + 1]);
      pos += 2;
    } else {
      d.pictureId = payload[pos++] & 0x7f;
    }
  }
  if (l) {
    if (pos >= payload.size()) {
      return std::nullopt;
    }
    uint8_t li = payload[pos++];
    d.hasLayerIndices = true;
    d.temporalId = static_cast<uint8_t>(li >> 5);
    d.switchingUp = (li & 0x10) != 0;
    d.spatialId = static_cast<uint8_t>((li >> 1) & 0x07);
    d.interLayerDependent = (li & 0x01) != 0;
    if (!d.flexibleMode) {
      if (pos >= payload.size()) {
        return std::nullopt;
      }
      d.hasTl0PicIdx = true;
      d.tl0PicIdx = payload[pos++];
    }
  }
  if (d.flexibleMode && d.interPicturePredicted) {
    for (int n = 0; n < 3; ++n) {
      if (pos >= payload.size()) {
        return std::nullopt;
      }
      bool more = (payload[pos++] & 0x01) != 0;
      if (!more) {
        break;
      }
      if (n == 2) {
        return std::nullopt; // at most three reference indices
      }
    }
  }
  if (d.scalabilityStructure) {
    if (pos >= payload.size()) {
      return std::nullopt;
    }
    uint8_t ss = payload[pos++];
    size_t spatialLayers = static_cast<size_t>(ss >> 5) + 1;
    bool y = (ss & 0x10) != 0;
    bool g = (ss & 0x08) != 0;
    if (y) {
      if (payload.size() - pos < 4 * spatialLayers) {
        return std::nullopt;
      }
      pos += 4 * spatialLayers;
    }
    if (g) {
      if (pos >= payload.size()) {
        return std::nullopt;
      }
      size_t groups = payload[pos++];
      for (size_t k = 0; k < groups; ++k) {
        if (pos >= payload.size()) {
          return std::nullopt;
        }
        size_t refs = (payload[pos++] >> 2) & 0x03;
        if (payload.size() - pos < refs) {
          return std::nullopt;
        }
        pos += refs;
      }
    }
  }
  d.size = pos;
  d.keyframe = d.startOfFrame && !d.interPicturePredicted && d.spatialId == 0;
  if (d.keyframe && pos < payload.size()) {
    // Senders that never set P (ffmpeg) still start each frame with the uncompressed header
    // (VP9 bitstream §6.2): frame_marker(2) profile_low profile_high [reserved if profile 3]
    // show_existing_frame frame_type (0 = key frame).
    uint8_t h = payload[pos];
    if ((h >> 6) == 2) {
      int profile = ((h >> 5) & 1) | (((h >> 4) & 1) << 1);
      int showExistingBit = profile == 3 ? 2 : 3; // bit position, 7 = most significant
      bool showExisting = ((h >> showExistingBit) & 1) != 0;
      bool frameType = ((h >> (showExistingBit - 1)) & 1) != 0;
      d.keyframe = !showExisting && !frameType;
    }
  }
  return d;
}

}
