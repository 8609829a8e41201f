#pragma once
// One entry point over the codec helpers: what the SFU needs from any video (or audio) payload
// to forward, switch layers, and answer keyframe questions. Opus and other audio payloads are
// forwarded untouched (DTX and in-band FEC need nothing from us).
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace talk::rtc {

enum class Codec : uint8_t
{
  Opus,
  Vp8,
  Vp9,
  H264,
  Av1,
  Other,
};

// From an rtpmap encoding name (case-insensitive).
Codec codecFromName(std::string_view encoding) noexcept;

struct PayloadInfo
{
  bool keyframe = false;
  bool startOfFrame = true;
  uint8_t spatialLayer = 0;
  uint8_t temporalLayer = 0;
  bool layerSync = false; // safe point to switch up to temporalLayer (VP8 Y, VP9 U)
};

// nullopt when the payload is malformed for its codec (the SFU then drops the packet).
std::optional<PayloadInfo> inspectPayload(Codec codec, std::span<const uint8_t> payload) noexcept;

}
