#include "rtc/rtp/RtpPacket.hpp"

#include "common/util/ByteReader.hpp"
#include "common/util/ByteWriter.hpp"

#include <array>
#include <cstring>

namespace talk::rtc {

namespace {

constexpr uint8_t PaddingBit = 0x20;
constexpr uint8_t ExtensionBit = 0x10;

}

bool RtpPacket::looksLikeRtp(std::span<const uint8_t> data) noexcept
{
  if (data.size() < FixedHeaderSize) {
    return false;
  }
  if (data[0] < 128 || data[0] > 191) {
    return false;
  }
  return !(data[1] >= 192 && data[1] <= 223);
}

std::optional<RtpPacket> RtpPacket::parse(std::span<uint8_t> data) noexcept
{
  if (data.size() < FixedHeaderSize || (data[0] >> 6) != 2) {
    return std::nullopt;
  }
  RtpPacket p(data);
  size_t pos = FixedHeaderSize + 4 * static_cast<size_t>(data[0] & 0x0f);
  if (pos > data.size()) {
    return std::nullopt;
  }
  if ((data[0] & ExtensionBit) != 0) {
    if (data.size() - pos < 4) {
      return std::nullopt;
    }
    uint16_t profile = ByteReader::loadU16(data, pos);
    size_t words = ByteReader::loadU16(data, pos + 2);
    pos += 4;
    if (words * 4 > data.size() - pos) {
      return std::nullopt;
    }
    p.d_extensionOffset = pos;
    p.d_extensionSize = words * 4;
    if (profile == OneByteProfile) {
      p.d_form = ExtensionForm::OneByte;
    } else if ((profile & 0xfff0) == TwoByteProfile) {
      p.d_form = ExtensionForm::TwoByte;
    } else {
      p.d_form = ExtensionForm::None; // another profile: carried, but has no RFC 8285 elements
    }
    if (p.d_form != ExtensionForm::None) {
      // Every element well formed and every id at most once: with a repeated id the SFU and
      // the receiver could each act on a different value.
      std::array<uint64_t, 4> seen{};
      bool duplicate = false;
      bool wellFormed = walkExtensions(data.subspan(pos, words * 4), p.d_form, [&](uint8_t id, std::span<uint8_t>, size_t) {
        uint64_t bit = uint64_t{1} << (id & 63);
        duplicate = (seen[id >> 6] & bit) != 0;
        seen[id >> 6] |= bit;
        return duplicate;
      });
      if (!wellFormed || duplicate) {
        return std::nullopt;
      }
    }
    pos += words * 4;
  }
  p.d_headerSize = pos;
  if ((data[0] & PaddingBit) != 0) {
    if (data.size() == pos) {
      return std::nullopt;
    }
    size_t pad = data[data.size() - 1];
    if (pad == 0 || pad > data.size() - pos) {
      return std::nullopt;
    }
    p.d_paddingSize = pad;
  }
  return p;
}

uint16_t RtpPacket::sequenceNumber() const noexcept
{
  return ByteReader::loadU16(d_data, 2);
}

uint32_t RtpPacket::timestamp() const noexcept
{
  return ByteReader::loadU32(d_data, 4);
}

uint32_t RtpPacket::ssrc() const noexcept
{
  return ByteReader::loadU32(d_data, 8);
}

uint32_t RtpPacket::csrc(size_t index) const noexcept
{
  if (index >= csrcCount()) {
    return 0;
  }
  return ByteReader::loadU32(d_data, FixedHeaderSize + 4 * index);
}

void RtpPacket::setPayloadType(uint8_t pt) noexcept
{
  d_data[1] = static_cast<uint8_t>((d_data[1] & 0x80) | (pt & 0x7f));
}

void RtpPacket::setMarker(bool marker) noexcept
{
  d_data[1] = static_cast<uint8_t>((d_data[1] & 0x7f) | (marker ? 0x80 : 0));
}

void RtpPacket::setSequenceNumber(uint16_t seq) noexcept
{
  ByteWriter::storeU16(d_data, 2, seq);
}

void RtpPacket::setTimestamp(uint32_t ts) noexcept
{
  ByteWriter::storeU32(d_data, 4, ts);
}

void RtpPacket::setSsrc(uint32_t ssrc) noexcept
{
  ByteWriter::storeU32(d_data, 8, ssrc);
}

std::span<const uint8_t> RtpPacket::payload() const noexcept
{
  return mutablePayload();
}

std::span<uint8_t> RtpPacket::mutablePayload() const noexcept
{
  return d_data.subspan(d_headerSize, d_data.size() - d_headerSize - d_paddingSize);
}

uint16_t RtpPacket::extensionProfile() const noexcept
{
  if (d_extensionOffset == 0) {
    return 0;
  }
  return ByteReader::loadU16(d_data, d_extensionOffset - 4);
}

std::span<uint8_t> RtpPacket::extensionBlock() const noexcept
{
  if (d_extensionOffset == 0) {
    return {};
  }
  return d_data.subspan(d_extensionOffset, d_extensionSize);
}

std::optional<std::span<uint8_t>> RtpPacket::extension(uint8_t id) const noexcept
{
  if (d_form == ExtensionForm::None || id == 0) {
    return std::nullopt;
  }
  std::optional<std::span<uint8_t>> found;
  walkExtensions(extensionBlock(), d_form, [&](uint8_t elementId, std::span<uint8_t> value, size_t) {
    if (elementId == id) {
      found = value;
      return true;
    }
    return false;
  });
  return found;
}

bool RtpPacket::setExtensionId(uint8_t from, uint8_t to) noexcept
{
  if (d_form == ExtensionForm::None || from == 0 || to == 0) {
    return false;
  }
  if (d_form == ExtensionForm::OneByte && to > MaxOneByteId) {
    return false;
  }
  std::span<uint8_t> block = extensionBlock();
  bool done = false;
  walkExtensions(block, d_form, [&](uint8_t elementId, std::span<uint8_t>, size_t offset) {
    if (elementId != from) {
      return false;
    }
    if (d_form == ExtensionForm::OneByte) {
      block[offset] = static_cast<uint8_t>((to << 4) | (block[offset] & 0x0f));
    } else {
      block[offset] = to;
    }
    done = true;
    return true;
  });
  return done;
}

bool RtpPacket::eraseExtension(uint8_t id) noexcept
{
  if (d_form == ExtensionForm::None || id == 0) {
    return false;
  }
  std::span<uint8_t> block = extensionBlock();
  bool done = false;
  walkExtensions(block, d_form, [&](uint8_t elementId, std::span<uint8_t> value, size_t offset) {
    if (elementId != id) {
      return false;
    }
    size_t hdr = d_form == ExtensionForm::OneByte ? 1 : 2;
    std::memset(block.data() + offset, 0, hdr + value.size());
    done = true;
    return true;
  });
  return done;
}

std::optional<RtpPacket> RtpPacket::copyTo(std::span<uint8_t> out) const noexcept
{
  if (out.size() < d_data.size()) {
    return std::nullopt;
  }
  std::memcpy(out.data(), d_data.data(), d_data.size());
  RtpPacket copy = *this;
  copy.d_data = out.first(d_data.size());
  return copy;
}

std::optional<RtpPacket> RtpPacket::rtxEncapsulate(std::span<uint8_t> out, uint8_t rtxPayloadType, uint32_t rtxSsrc,
                                                   uint16_t rtxSeq) const noexcept
{
  std::span<const uint8_t> body = payload();
  size_t total = d_headerSize + 2 + body.size();
  if (out.size() < total) {
    return std::nullopt;
  }
  std::memcpy(out.data(), d_data.data(), d_headerSize);
  ByteWriter::storeU16(out, d_headerSize, sequenceNumber());
  if (!body.empty()) {
    std::memcpy(out.data() + d_headerSize + 2, body.data(), body.size());
  }
  RtpPacket rtx = *this;
  rtx.d_data = out.first(total);
  rtx.d_paddingSize = 0;
  rtx.d_data[0] = static_cast<uint8_t>(rtx.d_data[0] & ~PaddingBit);
  rtx.setPayloadType(rtxPayloadType);
  rtx.setSsrc(rtxSsrc);
  rtx.setSequenceNumber(rtxSeq);
  return rtx;
}

bool RtpPacket::rtxDecapsulate(uint8_t originalPayloadType, uint32_t originalSsrc) noexcept
{
  std::span<uint8_t> body = mutablePayload();
  if (body.size() < 2) {
    return false;
  }
  uint16_t osn = ByteReader::loadU16(body, 0);
  std::memmove(body.data(), body.data() + 2, body.size() - 2);
  d_data = d_data.first(d_headerSize + body.size() - 2);
  d_paddingSize = 0;
  d_data[0] = static_cast<uint8_t>(d_data[0] & ~PaddingBit);
  setPayloadType(originalPayloadType);
  setSsrc(originalSsrc);
  setSequenceNumber(osn);
  return true;
}

void RtpPacket::removePadding() noexcept
{
  if (d_paddingSize == 0) {
    return;
  }
  d_data = d_data.first(d_data.size() - d_paddingSize);
  d_paddingSize = 0;
  d_data[0] = static_cast<uint8_t>(d_data[0] & ~PaddingBit);
}

// --- RtpPacketBuilder ---

RtpPacketBuilder::RtpPacketBuilder(std::span<uint8_t> buffer, const RtpHeader& header,
                                   RtpPacket::ExtensionForm form) noexcept :
  d_buffer(buffer), d_form(form == RtpPacket::ExtensionForm::None ? RtpPacket::ExtensionForm::OneByte : form)
{
  size_t need = RtpPacket::FixedHeaderSize + 4 * header.csrcs.size();
  if (header.csrcs.size() > 15 || buffer.size() < need) {
    d_ok = false;
    return;
  }
  buffer[0] = static_cast<uint8_t>(0x80 | header.csrcs.size());
  buffer[1] = static_cast<uint8_t>((header.marker ? 0x80 : 0) | (header.payloadType & 0x7f));
  ByteWriter::storeU16(buffer, 2, header.sequenceNumber);
  ByteWriter::storeU32(buffer, 4, header.timestamp);
  ByteWriter::storeU32(buffer, 8, header.ssrc);
  d_pos = RtpPacket::FixedHeaderSize;
  for (uint32_t c : header.csrcs) {
    ByteWriter::storeU32(buffer, d_pos, c);
    d_pos += 4;
  }
}

bool RtpPacketBuilder::addExtension(uint8_t id, std::span<const uint8_t> value) noexcept
{
  if (!d_ok || d_extClosed || d_payloadSet || id == 0) {
    d_ok = false;
    return false;
  }
  bool oneByte = d_form == RtpPacket::ExtensionForm::OneByte;
  if (oneByte ? (id > RtpPacket::MaxOneByteId || value.empty() || value.size() > 16) : value.size() > 255) {
    d_ok = false;
    return false;
  }
  size_t hdr = oneByte ? 1 : 2;
  size_t profileWord = d_extStart == 0 ? 4 : 0;
  if (d_buffer.size() - d_pos < profileWord + hdr + value.size()) {
    d_ok = false;
    return false;
  }
  if (d_extStart == 0) {
    d_extStart = d_pos;
    ByteWriter::storeU16(d_buffer, d_pos, oneByte ? RtpPacket::OneByteProfile : RtpPacket::TwoByteProfile);
    ByteWriter::storeU16(d_buffer, d_pos + 2, 0);
    d_pos += 4;
    d_buffer[0] |= 0x10;
  }
  if (oneByte) {
    d_buffer[d_pos++] = static_cast<uint8_t>((id << 4) | (value.size() - 1));
  } else {
    d_buffer[d_pos++] = id;
    d_buffer[d_pos++] = static_cast<uint8_t>(value.size());
  }
  if (!value.empty()) {
    std::memcpy(d_buffer.data() + d_pos, value.data(), value.size());
  }
  d_pos += value.size();
  return true;
}

void RtpPacketBuilder::closeExtensionBlock() noexcept
{
  if (d_extClosed) {
    return;
  }
  d_extClosed = true;
  if (d_extStart == 0 || !d_ok) {
    return;
  }
  size_t body = d_pos - d_extStart - 4;
  size_t padded = (body + 3) & ~size_t{3};
  if (d_buffer.size() - d_pos < padded - body) {
    d_ok = false;
    return;
  }
  std::memset(d_buffer.data() + d_pos, 0, padded - body);
  d_pos += padded - body;
  ByteWriter::storeU16(d_buffer, d_extStart + 2, static_cast<uint16_t>(padded / 4));
}

bool RtpPacketBuilder::setPayload(std::span<const uint8_t> payload) noexcept
{
  closeExtensionBlock();
  if (!d_ok || d_payloadSet || d_buffer.size() - d_pos < payload.size()) {
    d_ok = false;
    return false;
  }
  if (!payload.empty()) {
    std::memcpy(d_buffer.data() + d_pos, payload.data(), payload.size());
  }
  d_pos += payload.size();
  d_payloadSet = true;
  return true;
}

std::optional<RtpPacket> RtpPacketBuilder::finish(uint8_t paddingBytes) noexcept
{
  closeExtensionBlock();
  if (!d_ok) {
    return std::nullopt;
  }
  if (paddingBytes > 0) {
    if (d_buffer.size() - d_pos < paddingBytes) {
      d_ok = false;
      return std::nullopt;
    }
    std::memset(d_buffer.data() + d_pos, 0, paddingBytes);
    d_pos += paddingBytes;
    d_buffer[d_pos - 1] = paddingBytes;
    d_buffer[0] |= 0x20;
  }
  return RtpPacket::parse(d_buffer.first(d_pos));
}

}
