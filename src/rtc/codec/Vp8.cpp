#include "rtc/codec/Vp8.hpp"

namespace talk::rtc::vp8 {

// RFC 7741 §4.2:
//  X|R|N|S|R|PID   then, if X: I|L|T|K|RSV, then I: M|PictureID (7 or 15 bits), L: TL0PICIDX,
//  T or K: TID(2)|Y|KEYIDX(5).
std::optional<Descriptor> parse(std::span<const uint8_t> payload) noexcept
{
  if (payload.empty()) {
    return std::nullopt;
  }
  Descriptor d;
  size_t pos = 0;
  uint8_t b = payload[pos++];
  bool extended = (b & 0x80) != 0;
  d.nonReference = (b & 0x20) != 0;
  d.startOfPartition = (b & 0x10) != 0;
  d.partitionId = b & 0x07;
  if (extended) {
    if (pos >= payload.size()) {
      return std::nullopt;
    }
    uint8_t x = payload[pos++];
    bool i = (x & 0x80) != 0;
    bool l = (x & 0x40) != 0;
    bool t = (x & 0x20) != 0;
    bool k = (x & 0x10) != 0;
    if (i) {
      if (pos >= payload.size()) {
        return std::nullopt;
      }
      d.hasPictureId = true;
      if ((payload[pos] & 0x80) != 0) {
        if (pos + 1 >= payload.size()) {
          return std::nullopt;
        }
        d.pictureIdLong = true;
        d.pictureId = static_cast<uint16_t>(((payload[pos] & 0x7f) << 8) | payload[pos + 1]);
        pos += 2;
      } else {
        d.pictureId = payload[pos] & 0x7f;
        pos += 1;
      }
    }
    if (l) {
      if (pos >= payload.size()) {
        return std::nullopt;
      }
      d.hasTl0PicIdx = true;
      d.tl0PicIdx = payload[pos++];
    }
    if (t || k) {
      if (pos >= payload.size()) {
        return std::nullopt;
      }
      uint8_t tk = payload[pos++];
      if (t) {
        d.hasTid = true;
        d.tid = static_cast<uint8_t>(tk >> 6);
        d.layerSync = (tk & 0x20) != 0;
      }
      if (k) {
        d.hasKeyIdx = true;
        d.keyIdx = tk & 0x1f;
      }
    }
  }
  d.size = pos;
  // VP8 frame tag (RFC 6386 §9.1): bit 0 of the first byte is 0 for a key frame. Only the
  // first packet of a frame carries it.
  if (d.startOfFrame() && pos < payload.size()) {
    d.keyframe = (payload[pos] & 0x01) == 0;
  }
  return d;
}

namespace {

// Offset of the PictureID field, or 0 when absent.
size_t pictureIdOffset(std::span<const uint8_t> payload) noexcept
{
  if (payload.size() < 3 || (payload[0] & 0x80) == 0 || (payload[1] & 0x80) == 0) {
    return 0;
  }
  return 2;
}

}

bool setPictureId(std::span<uint8_t> payload, uint16_t pictureId) noexcept
{
  size_t at = pictureIdOffset(payload);
  if (at == 0) {
    return false;
  }
  if ((payload[at] & 0x80) != 0) {
    if (at + 1 >= payload.size()) {
      return false;
    }
    payload[at] = static_cast<uint8_t>(0x80 | ((pictureId >> 8) & 0x7f));
    payload[at + 1] = static_cast<uint8_t>(pictureId);
  } else {
    payload[at] = static_cast<uint8_t>(pictureId & 0x7f);
  }
  return true;
}

bool setTl0PicIdx(std::span<uint8_t> payload, uint8_t tl0PicIdx) noexcept
{
  if (payload.size() < 3 || (payload[0] & 0x80) == 0 || (payload[1] & 0x40) == 0) {
    return false;
  }
  size_t at = 2;
  if ((payload[1] & 0x80) != 0) {
    at += (payload[2] & 0x80) != 0 ? 2 : 1;
  }
  if (at >= payload.size()) {
    return false;
  }
  payload[at] = tl0PicIdx;
  return true;
}

}
