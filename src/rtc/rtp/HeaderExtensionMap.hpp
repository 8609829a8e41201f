#pragma once
// HeaderExtensionMap: the id <-> meaning table of one RTP stream, as negotiated by
// `a=extmap` lines (RFC 8285). Each side of the SFU has its own (publisher ids and
// subscriber ids may differ), so forwarding renumbers through two maps. Lookups are array
// indexing; building the map is control plane.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace talk::rtc {

// The extensions libtalk-rtc reads or writes.
enum class RtpExtension : uint8_t
{
  Mid,                  // urn:ietf:params:rtp-hdrext:sdes:mid
  Rid,                  // urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id
  RepairedRid,          // urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id
  AbsSendTime,          // http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
  TransportWideCc,      // http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01
  AudioLevel,           // urn:ietf:params:rtp-hdrext:ssrc-audio-level
  VideoOrientation,     // urn:3gpp:video-orientation
  PlayoutDelay,         // http://www.webrtc.org/experiments/rtp-hdrext/playout-delay
  TransmissionOffset,   // urn:ietf:params:rtp-hdrext:toffset
  DependencyDescriptor, // https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension
  Count
};

// The URI of an extension, and back (exact match, as SDP carries them).
std::string_view rtpExtensionUri(RtpExtension ext) noexcept;
std::optional<RtpExtension> rtpExtensionFromUri(std::string_view uri) noexcept;

class HeaderExtensionMap
{
public:
  // Records `id` (1..255) for `ext`; an id 0 clears. A second id for the same extension
  // replaces the first (one id per meaning per stream). False for an out-of-range id.
  bool set(RtpExtension ext, uint8_t id) noexcept;
  // Convenience for SDP: unknown URIs are ignored (returns false).
  bool set(std::string_view uri, uint8_t id) noexcept;
  void clear() noexcept;

  // 0 when not negotiated.
  uint8_t id(RtpExtension ext) const noexcept { return d_ids[static_cast<size_t>(ext)]; }
  std::optional<RtpExtension> extension(uint8_t id) const noexcept;
  bool has(RtpExtension ext) const noexcept { return id(ext) != 0; }

private:
  std::array<uint8_t, static_cast<size_t>(RtpExtension::Count)> d_ids{};
  // Reverse table: extension index + 1 per id, 0 = unknown.
  std::array<uint8_t, 256> d_byId{};
};

}
