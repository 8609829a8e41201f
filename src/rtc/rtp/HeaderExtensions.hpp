#pragma once
// Typed readers and writers of header extension values. Each works on the raw value span that
// RtpPacket::extension() returns, so they are usable with any id mapping; the helpers taking a
// packet and a HeaderExtensionMap look the id up first. Writers only change a value in place
// (same length), which is what an SFU does on the forwarding path.
#include "rtc/rtp/HeaderExtensionMap.hpp"
#include "rtc/rtp/RtpPacket.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace talk::rtc::ext {

// --- mid / rid / repaired-rid: RFC 8843 / RFC 8852, 1..16 (one-byte) ASCII bytes ---
// Rejects empty values and anything not a token character (a-z A-Z 0-9 - _ .). The view points
// into the packet.
std::optional<std::string_view> readIdentifier(std::span<const uint8_t> value) noexcept;

// --- abs-send-time: 24-bit 6.18 fixed-point seconds ---
std::optional<uint32_t> readAbsSendTime(std::span<const uint8_t> value) noexcept;
bool writeAbsSendTime(std::span<uint8_t> value, uint32_t time24) noexcept;
// Converts a monotonic time in microseconds to the 24-bit wire value.
uint32_t absSendTimeFromMicros(int64_t micros) noexcept;

// --- transport-wide-cc: 16-bit transport sequence number ---
std::optional<uint16_t> readTransportSequence(std::span<const uint8_t> value) noexcept;
bool writeTransportSequence(std::span<uint8_t> value, uint16_t seq) noexcept;

// --- ssrc-audio-level (RFC 6464): V flag + level in -dBov (0 = loudest, 127 = silence) ---
struct AudioLevel
{
  bool voiceActivity = false;
  uint8_t level = 127;
};
std::optional<AudioLevel> readAudioLevel(std::span<const uint8_t> value) noexcept;
bool writeAudioLevel(std::span<uint8_t> value, AudioLevel level) noexcept;

// --- urn:3gpp:video-orientation (3GPP TS 26.114 CVO): C, F, R1R0 ---
struct VideoOrientation
{
  bool cameraBack = false;
  bool flip = false;
  uint16_t rotationDegrees = 0; // 0, 90, 180, 270
};
std::optional<VideoOrientation> readVideoOrientation(std::span<const uint8_t> value) noexcept;
bool writeVideoOrientation(std::span<uint8_t> value, VideoOrientation orientation) noexcept;

// --- Lookups through a map (nullopt when not negotiated, absent, or malformed) ---
std::optional<std::string_view> mid(const RtpPacket& packet, const HeaderExtensionMap& map) noexcept;
std::optional<std::string_view> rid(const RtpPacket& packet, const HeaderExtensionMap& map) noexcept;
std::optional<std::string_view> repairedRid(const RtpPacket& packet, const HeaderExtensionMap& map) noexcept;
std::optional<uint32_t> absSendTime(const RtpPacket& packet, const HeaderExtensionMap& map) noexcept;
std::optional<uint16_t> transportSequence(const RtpPacket& packet, const HeaderExtensionMap& map) noexcept;
std::optional<AudioLevel> audioLevel(const RtpPacket& packet, const HeaderExtensionMap& map) noexcept;
std::optional<VideoOrientation> videoOrientation(const RtpPacket& packet, const HeaderExtensionMap& map) noexcept;

// Renumbers and filters a packet's extensions from the publisher's map to a subscriber's, in
// place: elements whose meaning the subscriber negotiated get its id, all others (and unknown
// ids) are erased. False if a target id does not fit the packet's extension form; the packet
// is then partly renumbered and should be dropped.
bool remapExtensions(RtpPacket& packet, const HeaderExtensionMap& from, const HeaderExtensionMap& to) noexcept;

}
