#include "rtc/rtp/HeaderExtensions.hpp"

#include <algorithm>

namespace talk::rtc::ext {

namespace {

bool tokenChar(uint8_t c) noexcept
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
    c == '.';
}

std::optional<std::span<uint8_t>> lookup(const RtpPacket& packet, const HeaderExtensionMap& map,
                                         RtpExtension which) noexcept
{
  uint8_t id = map.id(which);
  if (id == 0) {
    return std::nullopt;
  }
  return packet.extension(id);
}

}

std::optional<std::string_view> readIdentifier(std::span<const uint8_t> value) noexcept
{
  // Chrome pads the value with trailing NULs in some versions; stop at the first one.
  size_t len = 0;
  while (len < value.size() && value[len] != 0) {
    if (!tokenChar(value[len])) {
      return std::nullopt;
    }
    ++len;
  }
  for (size_t i = len; i < value.size(); ++i) {
    if (value[i] != 0) {
      return std::nullopt;
    }
  }
  if (len == 0) {
    return std::nullopt;
  }
  return std::string_view(reinterpret_cast<const char*>(value.data()), len);
}

std::optional<uint32_t> readAbsSendTime(std::span<const uint8_t> value) noexcept
{
  if (value.size() != 3) {
    return std::nullopt;
  }
  return (static_cast<uint32_t>(value[0]) << 16) | (static_cast<uint32_t>(value[1]) << 8) | value[2];
}

bool writeAbsSendTime(std::span<uint8_t> value, uint32_t time24) noexcept
{
  if (value.size() != 3) {
    return false;
  }
  value[0] = static_cast<uint8_t>(time24 >> 16);
  value[1] = static_cast<uint8_t>(time24 >> 8);
  value[2] = static_cast<uint8_t>(time24);
  return true;
}

uint32_t absSendTimeFromMicros(int64_t micros) noexcept
{
  // 6.18 fixed point seconds: (micros << 18) / 1e6, keeping 24 bits.
  auto us = static_cast<uint64_t>(micros);
  return static_cast<uint32_t>(((us << 18) / 1000000) & 0xffffff);
}

std::optional<uint16_t> readTransportSequence(std::span<const uint8_t> value) noexcept
{
  if (value.size() != 2) {
    return std::nullopt;
  }
  return static_cast<uint16_t>((value[0] << 8) | value[1]);
}

bool writeTransportSequence(std::span<uint8_t> value, uint16_t seq) noexcept
{
  if (value.size() != 2) {
    return false;
  }
  value[0] = static_cast<uint8_t>(seq >> 8);
  value[1] = static_cast<uint8_t>(seq);
  return true;
}

std::optional<AudioLevel> readAudioLevel(std::span<const uint8_t> value) noexcept
{
  // One byte; some senders pad the element to 2..4 bytes (one-byte form, len > 1).
  if (value.empty() || value.size() > 4) {
    return std::nullopt;
  }
  return AudioLevel{(value[0] & 0x80) != 0, static_cast<uint8_t>(value[0] & 0x7f)};
}

bool writeAudioLevel(std::span<uint8_t> value, AudioLevel level) noexcept
{
  if (value.empty() || level.level > 127) {
    return false;
  }
  value[0] = static_cast<uint8_t>((level.voiceActivity ? 0x80 : 0) | level.level);
  return true;
}

std::optional<VideoOrientation> readVideoOrientation(std::span<const uint8_t> value) noexcept
{
  if (value.size() != 1) {
    return std::nullopt;
  }
  uint8_t b = value[0];
  return VideoOrientation{(b & 0x08) != 0, (b & 0x04) != 0, static_cast<uint16_t>((b & 0x03) * 90)};
}

bool writeVideoOrientation(std::span<uint8_t> value, VideoOrientation orientation) noexcept
{
  if (value.size() != 1 || orientation.rotationDegrees % 90 != 0 || orientation.rotationDegrees >= 360) {
    return false;
  }
  value[0] = static_cast<uint8_t>((orientation.cameraBack ? 0x08 : 0) | (orientation.flip ? 0x04 : 0) |
                                  (orientation.rotationDegrees / 90));
  return true;
}

std::optional<std::string_view> mid(const RtpPacket& packet, const HeaderExtensionMap& map) noexcept
{
  auto v = lookup(packet, map, RtpExtension::Mid);
  return v ? readIdentifier(*v) : std::nullopt;
}

std::optional<std::string_view> rid(const RtpPacket& packet, const HeaderExtensionMap& map) noexcept
{
  auto v = lookup(packet, map, RtpExtension::Rid);
  return v ? readIdentifier(*v) : std::nullopt;
}

std::optional<std::string_view> repairedRid(const RtpPacket& packet, const HeaderExtensionMap& map) noexcept
{
  auto v = lookup(packet, map, RtpExtension::RepairedRid);
  return v ? readIdentifier(*v) : std::nullopt;
}

std::optional<uint32_t> absSendTime(const RtpPacket& packet, const HeaderExtensionMap& map) noexcept
{
  auto v = lookup(packet, map, RtpExtension::AbsSendTime);
  return v ? readAbsSendTime(*v) : std::nullopt;
}

std::optional<uint16_t> transportSequence(const RtpPacket& packet, const HeaderExtensionMap& map) noexcept
{
  auto v = lookup(packet, map, RtpExtension::TransportWideCc);
  return v ? readTransportSequence(*v) : std::nullopt;
}

std::optional<AudioLevel> audioLevel(const RtpPacket& packet, const HeaderExtensionMap& map) noexcept
{
  auto v = lookup(packet, map, RtpExtension::AudioLevel);
  return v ? readAudioLevel(*v) : std::nullopt;
}

std::optional<VideoOrientation> videoOrientation(const RtpPacket& packet, const HeaderExtensionMap& map) noexcept
{
  auto v = lookup(packet, map, RtpExtension::VideoOrientation);
  return v ? readVideoOrientation(*v) : std::nullopt;
}

bool remapExtensions(RtpPacket& packet, const HeaderExtensionMap& from, const HeaderExtensionMap& to) noexcept
{
  bool ok = true;
  RtpPacket::ExtensionForm form = packet.extensionForm();
  if (form == RtpPacket::ExtensionForm::None) {
    return true;
  }
  // One pass over the elements, each renumbered from its original id, so a renumbering chain
  // (3 -> 5 while 5 -> 7) cannot touch an element twice.
  std::span<uint8_t> block = packet.extensionBlock();
  size_t i = 0;
  bool oneByte = form == RtpPacket::ExtensionForm::OneByte;
  while (i < block.size()) {
    uint8_t b = block[i];
    if (b == 0) {
      ++i;
      continue;
    }
    uint8_t id = oneByte ? static_cast<uint8_t>(b >> 4) : b;
    size_t hdr = oneByte ? 1 : 2;
    size_t len = oneByte ? static_cast<size_t>(b & 0x0f) + 1 : block[i + 1]; // parse() validated the block
    auto meaning = from.extension(id);
    uint8_t newId = meaning ? to.id(*meaning) : 0;
    if (newId != 0 && oneByte && newId > RtpPacket::MaxOneByteId) {
      ok = false;
      newId = 0;
    }
    if (newId == 0) {
      std::fill_n(block.begin() + static_cast<std::ptrdiff_t>(i), hdr + len, uint8_t{0});
    } else if (oneByte) {
      block[i] = static_cast<uint8_t>((newId << 4) | (b & 0x0f));
    } else {
      block[i] = newId;
    }
    i += hdr + len;
  }
  return ok;
}

}
