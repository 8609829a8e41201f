#include "rtc/rtp/HeaderExtensionMap.hpp"

namespace talk::rtc {

namespace {

constexpr std::string_view Uris[] = {
  "urn:ietf:params:rtp-hdrext:sdes:mid",
  "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
  "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
  "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
  "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
  "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
  "urn:3gpp:video-orientation",
  "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay",
  "urn:ietf:params:rtp-hdrext:toffset",
  "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension",
};
static_assert(std::size(Uris) == static_cast<size_t>(RtpExtension::Count));

}

std::string_view rtpExtensionUri(RtpExtension ext) noexcept
{
  auto i = static_cast<size_t>(ext);
  return i < std::size(Uris) ? Uris[i] : std::string_view{};
}

std::optional<RtpExtension> rtpExtensionFromUri(std::string_view uri) noexcept
{
  for (size_t i = 0; i < std::size(Uris); ++i) {
    if (Uris[i] == uri) {
      return static_cast<RtpExtension>(i);
    }
  }
  return std::nullopt;
}

bool HeaderExtensionMap::set(RtpExtension ext, uint8_t id) noexcept
{
  auto i = static_cast<size_t>(ext);
  if (i >= d_ids.size()) {
    return false;
  }
  if (d_ids[i] != 0) {
    d_byId[d_ids[i]] = 0;
  }
  if (id != 0 && d_byId[id] != 0) {
    d_ids[d_byId[id] - 1] = 0; // the id meant something else before
  }
  d_ids[i] = id;
  if (id != 0) {
    d_byId[id] = static_cast<uint8_t>(i + 1);
  }
  return true;
}

bool HeaderExtensionMap::set(std::string_view uri, uint8_t id) noexcept
{
  auto ext = rtpExtensionFromUri(uri);
  return ext && set(*ext, id);
}

void HeaderExtensionMap::clear() noexcept
{
  d_ids.fill(0);
  d_byId.fill(0);
}

std::optional<RtpExtension> HeaderExtensionMap::extension(uint8_t id) const noexcept
{
  if (id == 0 || d_byId[id] == 0) {
    return std::nullopt;
  }
  return static_cast<RtpExtension>(d_byId[id] - 1);
}

}
