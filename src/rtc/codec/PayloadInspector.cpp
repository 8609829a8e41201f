#include "rtc/codec/PayloadInspector.hpp"

#include "rtc/codec/Av1.hpp"
#include "rtc/codec/H264.hpp"
#include "rtc/codec/Vp8.hpp"
#include "rtc/codec/Vp9.hpp"

#include <strings.h>

namespace talk::rtc {

namespace {

bool equalsNoCase(std::string_view a, std::string_view b) noexcept
{
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}

Codec codecFromName(std::string_view encoding) noexcept
{
  if (equalsNoCase(encoding, "opus")) {
    return Codec::Opus;
  }
  if (equalsNoCase(encoding, "VP8")) {
    return Codec::Vp8;
  }
  if (equalsNoCase(encoding, "VP9")) {
    return Codec::Vp9;
  }
  if (equalsNoCase(encoding, "H264")) {
    return Codec::H264;
  }
  if (equalsNoCase(encoding, "AV1")) {
    return Codec::Av1;
  }
  return Codec::Other;
}

std::optional<PayloadInfo> inspectPayload(Codec codec, std::span<const uint8_t> payload) noexcept
{
  PayloadInfo info;
  switch (codec) {
  case Codec::Vp8: {
    auto d = vp8::parse(payload);
    if (!d) {
      return std::nullopt;
    }
    info.keyframe = d->keyframe;
    info.startOfFrame = d->startOfFrame();
    info.temporalLayer = d->tid;
    info.layerSync = d->layerSync;
    return info;
  }
  case Codec::Vp9: {
    auto d = vp9::parse(payload);
    if (!d) {
      return std::nullopt;
    }
    info.keyframe = d->keyframe;
    info.startOfFrame = d->startOfFrame;
    info.spatialLayer = d->spatialId;
    info.temporalLayer = d->temporalId;
    info.layerSync = d->switchingUp;
    return info;
  }
  case Codec::H264: {
    auto d = h264::parse(payload);
    if (!d) {
      return std::nullopt;
    }
    info.keyframe = d->keyframe() || d->hasSps;
    info.startOfFrame = d->startOfNal;
    return info;
  }
  case Codec::Av1: {
    auto d = av1::parse(payload);
    if (!d) {
      return std::nullopt;
    }
    info.keyframe = d->keyframe();
    info.startOfFrame = !d->continuation;
    return info;
  }
  case Codec::Opus:
  case Codec::Other:
    break;
  }
  return info;
}

}
