#include "turn/stun/Message.hpp"

#include "common/crypto/Crypto.hpp"
#include "common/util/ByteReader.hpp"
#include "common/util/ByteWriter.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace talk::turn::stun {

namespace {

constexpr size_t padded(size_t length) noexcept
{
  return (length + 3) & ~size_t(3);
}

bool validSha256Size(size_t size) noexcept
{
  return size >= MessageIntegritySha256MinSize && size <= MessageIntegritySha256MaxSize && size % 4 == 0;
}

}

const char* parseErrorName(ParseError error) noexcept
{
  switch (error) {
  case ParseError::None:
    return "none";
  case ParseError::TooShort:
    return "too-short";
  case ParseError::BadTypeBits:
    return "bad-type-bits";
  case ParseError::LengthNotAligned:
    return "length-not-aligned";
  case ParseError::LengthMismatch:
    return "length-mismatch";
  case ParseError::BadMagicCookie:
    return "bad-magic-cookie";
  case ParseError::AttributeOverflow:
    return "attribute-overflow";
  case ParseError::FingerprintNotLast:
    return "fingerprint-not-last";
  case ParseError::BadFingerprintLength:
    return "bad-fingerprint-length";
  case ParseError::BadFingerprint:
    return "bad-fingerprint";
  case ParseError::BadIntegrityLength:
    return "bad-integrity-length";
  }
  return "?";
}

bool Message::looksLikeStun(std::span<const uint8_t> data) noexcept
{
  return data.size() >= 8 && (data[0] & 0xC0) == 0 && ByteReader::loadU32(data, 4) == MagicCookie;
}

std::optional<Message> Message::parse(std::span<const uint8_t> data, ParseError* error) noexcept
{
  auto fail = [error](ParseError e) -> std::optional<Message> {
    if (error != nullptr) {
      *error = e;
    }
    return std::nullopt;
  };
  if (data.size() < HeaderSize) {
    return fail(ParseError::TooShort);
  }
  const uint16_t type = ByteReader::loadU16(data, 0);
  if ((type & 0xC000) != 0) {
    return fail(ParseError::BadTypeBits);
  }
  const size_t length = ByteReader::loadU16(data, 2);
  if (length % 4 != 0) {
    return fail(ParseError::LengthNotAligned);
  }
  if (HeaderSize + length != data.size()) {
    return fail(ParseError::LengthMismatch);
  }
  if (ByteReader::loadU32(data, 4) != MagicCookie) {
    return fail(ParseError::BadMagicCookie);
  }

  Message msg;
  msg.d_data = data;
  msg.d_type = type;
  size_t pos = HeaderSize;
  while (pos < data.size()) {
    if (msg.d_fingerprintOffset != 0) {
      return fail(ParseError::FingerprintNotLast);
    }
    // pos is 4-aligned and data.size() - pos >= 4 because the body length is a multiple of 4.
    const uint16_t attrType = ByteReader::loadU16(data, pos);
    const size_t attrLength = ByteReader::loadU16(data, pos + 2);
    if (padded(attrLength) > data.size() - pos - AttributeHeaderSize) {
      return fail(ParseError::AttributeOverflow);
    }
    const bool integritySeen = msg.d_miOffset != 0 || msg.d_mi256Offset != 0;
    if (attrType == attr::MessageIntegrity && !integritySeen) {
      if (attrLength != MessageIntegritySize) {
        return fail(ParseError::BadIntegrityLength);
      }
      msg.d_miOffset = pos;
    }
    else if (attrType == attr::MessageIntegritySha256 && msg.d_mi256Offset == 0) {
      if (!validSha256Size(attrLength)) {
        return fail(ParseError::BadIntegrityLength);
      }
      msg.d_mi256Offset = pos;
    }
    else if (attrType == attr::Fingerprint) {
      if (attrLength != 4) {
        return fail(ParseError::BadFingerprintLength);
      }
      msg.d_fingerprintOffset = pos;
    }
    pos += AttributeHeaderSize + padded(attrLength);
  }

  if (msg.d_fingerprintOffset != 0) {
    // The header length already counts the FINGERPRINT TLV because it is the last attribute.
    const uint32_t expected = crypto::crc32(data.first(msg.d_fingerprintOffset)) ^ FingerprintXor;
    if (ByteReader::loadU32(data, msg.d_fingerprintOffset + AttributeHeaderSize) != expected) {
      return fail(ParseError::BadFingerprint);
    }
  }

  size_t covered = data.size();
  if (msg.d_fingerprintOffset != 0) {
    covered = msg.d_fingerprintOffset;
  }
  if (msg.d_miOffset != 0) {
    covered = std::min(covered, msg.d_miOffset);
  }
  if (msg.d_mi256Offset != 0) {
    covered = std::min(covered, msg.d_mi256Offset);
  }
  msg.d_coveredEnd = covered;
  if (error != nullptr) {
    *error = ParseError::None;
  }
  return msg;
}

Message::Iterator::Iterator(std::span<const uint8_t> data, size_t pos, size_t end) noexcept :
  d_data(data), d_pos(pos), d_end(end)
{
  load();
}

void Message::Iterator::load() noexcept
{
  if (d_pos >= d_end) {
    d_current = Attribute{};
    return;
  }
  // Offsets below d_end were validated by parse().
  d_current.type = ByteReader::loadU16(d_data, d_pos);
  d_current.offset = d_pos;
  d_current.value = d_data.subspan(d_pos + AttributeHeaderSize, ByteReader::loadU16(d_data, d_pos + 2));
}

Message::Iterator& Message::Iterator::operator++() noexcept
{
  if (d_pos < d_end) {
    d_pos += AttributeHeaderSize + padded(d_current.value.size());
    load();
  }
  return *this;
}

std::optional<Attribute> Message::find(uint16_t type) const noexcept
{
  auto at = [this](size_t offset) -> std::optional<Attribute> {
    if (offset == 0) {
      return std::nullopt;
    }
    return Attribute{ByteReader::loadU16(d_data, offset),
                     d_data.subspan(offset + AttributeHeaderSize, ByteReader::loadU16(d_data, offset + 2)), offset};
  };
  switch (type) {
  case attr::MessageIntegrity:
    return at(d_miOffset);
  case attr::MessageIntegritySha256:
    return at(d_mi256Offset);
  case attr::Fingerprint:
    return at(d_fingerprintOffset);
  default:
    break;
  }
  for (const Attribute& a : *this) {
    if (a.type == type) {
      return a;
    }
  }
  return std::nullopt;
}

size_t Message::count(uint16_t type) const noexcept
{
  size_t n = 0;
  for (const Attribute& a : *this) {
    n += a.type == type ? 1 : 0;
  }
  return n;
}

size_t Message::unknownComprehensionRequired(std::span<uint16_t> out) const noexcept
{
  size_t n = 0;
  for (const Attribute& a : *this) {
    if (n == out.size()) {
      break;
    }
    if (!isComprehensionRequired(a.type) || isKnownComprehensionRequired(a.type)) {
      continue;
    }
    if (std::find(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n), a.type) ==
        out.begin() + static_cast<std::ptrdiff_t>(n)) {
      out[n++] = a.type;
    }
  }
  return n;
}

IntegrityResult Message::verifyMessageIntegrity(const IntegrityKey& key) const noexcept
{
  if (d_miOffset == 0) {
    return IntegrityResult::Absent;
  }
  // Header with the length field rewritten as if MI were the last attribute (spec §4.2); the
  // body up to MI is hashed in place.
  std::array<uint8_t, HeaderSize> header;
  std::memcpy(header.data(), d_data.data(), HeaderSize);
  ByteWriter::storeU16(header, 2, static_cast<uint16_t>(d_miOffset - HeaderSize + AttributeHeaderSize + MessageIntegritySize));
  auto mac = key.hmacSha1({header, d_data.subspan(HeaderSize, d_miOffset - HeaderSize)});
  auto received = d_data.subspan(d_miOffset + AttributeHeaderSize, MessageIntegritySize);
  return crypto::constantTimeEquals(mac, received) ? IntegrityResult::Ok : IntegrityResult::Mismatch;
}

size_t Message::messageIntegritySha256Size() const noexcept
{
  return d_mi256Offset == 0 ? 0 : ByteReader::loadU16(d_data, d_mi256Offset + 2);
}

IntegrityResult Message::verifyMessageIntegritySha256(const IntegrityKey& key) const noexcept
{
  if (d_mi256Offset == 0) {
    return IntegrityResult::Absent;
  }
  const size_t size = messageIntegritySha256Size();
  std::array<uint8_t, HeaderSize> header;
  std::memcpy(header.data(), d_data.data(), HeaderSize);
  ByteWriter::storeU16(header, 2, static_cast<uint16_t>(d_mi256Offset - HeaderSize + AttributeHeaderSize + size));
  auto mac = key.hmacSha256({header, d_data.subspan(HeaderSize, d_mi256Offset - HeaderSize)});
  auto received = d_data.subspan(d_mi256Offset + AttributeHeaderSize, size);
  return crypto::constantTimeEquals(std::span<const uint8_t>(mac).first(size), received) ? IntegrityResult::Ok
                                                                                         : IntegrityResult::Mismatch;
}

}
