#include "turn/stun/MessageBuilder.hpp"

#include "common/crypto/Crypto.hpp"
#include "common/util/ByteWriter.hpp"
#include "turn/stun/Attributes.hpp"

#include <algorithm>
#include <cstring>

namespace talk::turn::stun {

MessageBuilder::MessageBuilder(std::span<uint8_t> buffer, uint16_t type,
                               std::span<const uint8_t, TransactionIdSize> tid) noexcept :
  d_buf(buffer.first(std::min(buffer.size(), MaxMessageSize)))
{
  if (d_buf.size() < HeaderSize || (type & 0xC000) != 0) {
    fail();
    return;
  }
  ByteWriter::storeU16(d_buf, 0, type);
  ByteWriter::storeU16(d_buf, 2, 0);
  ByteWriter::storeU32(d_buf, 4, MagicCookie);
  std::memcpy(d_buf.data() + 8, tid.data(), TransactionIdSize);
  d_size = HeaderSize;
}

std::span<const uint8_t> MessageBuilder::bytes() const noexcept
{
  if (d_failed) {
    return {};
  }
  return d_buf.first(d_size);
}

std::span<uint8_t> MessageBuilder::reserve(uint16_t type, size_t length) noexcept
{
  if (d_failed || d_sealed || length > 0xFFFF) {
    fail();
    return {};
  }
  const bool integrityType = type == attr::MessageIntegrity || type == attr::MessageIntegritySha256;
  if (d_integrity && type != attr::MessageIntegritySha256 && type != attr::Fingerprint) {
    // Anything after MESSAGE-INTEGRITY would not be covered by it.
    fail();
    return {};
  }
  const size_t total = AttributeHeaderSize + ((length + 3) & ~size_t(3));
  if (total > d_buf.size() - d_size) {
    fail();
    return {};
  }
  ByteWriter::storeU16(d_buf, d_size, type);
  ByteWriter::storeU16(d_buf, d_size + 2, static_cast<uint16_t>(length));
  auto value = d_buf.subspan(d_size + AttributeHeaderSize, total - AttributeHeaderSize);
  // Zero the value and its padding: pad bytes must never carry old buffer contents.
  std::memset(value.data(), 0, value.size());
  d_size += total;
  ByteWriter::storeU16(d_buf, 2, static_cast<uint16_t>(d_size - HeaderSize));
  if (integrityType) {
    d_integrity = true;
  }
  if (type == attr::Fingerprint) {
    d_sealed = true;
  }
  return value.first(length);
}

bool MessageBuilder::add(uint16_t type, std::span<const uint8_t> value) noexcept
{
  if (type == attr::MessageIntegrity || type == attr::MessageIntegritySha256 || type == attr::Fingerprint) {
    // These are computed, never copied in.
    fail();
    return false;
  }
  auto out = reserve(type, value.size());
  if (d_failed) {
    return false;
  }
  if (!value.empty()) {
    std::memcpy(out.data(), value.data(), value.size());
  }
  return true;
}

bool MessageBuilder::addExternalData(size_t length) noexcept
{
  if (d_failed || d_sealed || d_integrity || length > 0xFFFF || AttributeHeaderSize > d_buf.size() - d_size) {
    fail();
    return false;
  }
  const size_t messageLength = d_size - HeaderSize + AttributeHeaderSize + length + paddingFor(length);
  if (HeaderSize + messageLength > MaxMessageSize) {
    fail();
    return false;
  }
  ByteWriter::storeU16(d_buf, d_size, attr::Data);
  ByteWriter::storeU16(d_buf, d_size + 2, static_cast<uint16_t>(length));
  d_size += AttributeHeaderSize;
  ByteWriter::storeU16(d_buf, 2, static_cast<uint16_t>(messageLength));
  // The value is outside the buffer: nothing may follow it.
  d_sealed = true;
  return true;
}

bool MessageBuilder::addText(uint16_t type, std::string_view text) noexcept
{
  return add(type, crypto::bytes(text));
}

bool MessageBuilder::addU32(uint16_t type, uint32_t value) noexcept
{
  uint8_t raw[4];
  ByteWriter::storeU32(raw, 0, value);
  return add(type, raw);
}

bool MessageBuilder::addXorAddress(uint16_t type, const SocketAddress& address) noexcept
{
  uint8_t raw[20];
  if (d_failed) {
    return false;
  }
  const size_t n = encodeXorAddress(address, d_buf.subspan<8, TransactionIdSize>(), raw);
  if (n == 0) {
    fail();
    return false;
  }
  return add(type, std::span<const uint8_t>(raw, n));
}

bool MessageBuilder::addAddress(uint16_t type, const SocketAddress& address) noexcept
{
  uint8_t raw[20];
  const size_t n = encodeAddress(address, raw);
  if (n == 0) {
    fail();
    return false;
  }
  return add(type, std::span<const uint8_t>(raw, n));
}

bool MessageBuilder::addErrorCode(uint16_t code, std::string_view reason) noexcept
{
  if (code < 300 || code > 699 || reason.size() > MaxTextSize) {
    fail();
    return false;
  }
  auto out = reserve(attr::ErrorCode, 4 + reason.size());
  if (d_failed) {
    return false;
  }
  out[2] = static_cast<uint8_t>(code / 100);
  out[3] = static_cast<uint8_t>(code % 100);
  if (!reason.empty()) {
    std::memcpy(out.data() + 4, reason.data(), reason.size());
  }
  return true;
}

bool MessageBuilder::addAddressErrorCode(uint8_t family, uint16_t code, std::string_view reason) noexcept
{
  if (code < 300 || code > 699 || reason.size() > MaxTextSize) {
    fail();
    return false;
  }
  auto out = reserve(attr::AddressErrorCode, 4 + reason.size());
  if (d_failed) {
    return false;
  }
  out[0] = family;
  out[2] = static_cast<uint8_t>(code / 100);
  out[3] = static_cast<uint8_t>(code % 100);
  if (!reason.empty()) {
    std::memcpy(out.data() + 4, reason.data(), reason.size());
  }
  return true;
}

bool MessageBuilder::addUnknownAttributes(std::span<const uint16_t> types) noexcept
{
  if (types.size() > 0x7FFF) {
    fail();
    return false;
  }
  auto out = reserve(attr::UnknownAttributes, types.size() * 2);
  if (d_failed) {
    return false;
  }
  for (size_t i = 0; i < types.size(); ++i) {
    ByteWriter::storeU16(out, 2 * i, types[i]);
  }
  return true;
}

bool MessageBuilder::addChannelNumber(uint16_t channel) noexcept
{
  auto out = reserve(attr::ChannelNumber, 4);
  if (d_failed) {
    return false;
  }
  ByteWriter::storeU16(out, 0, channel);
  return true;
}

bool MessageBuilder::addRequestedTransport(uint8_t protocol) noexcept
{
  auto out = reserve(attr::RequestedTransport, 4);
  if (d_failed) {
    return false;
  }
  out[0] = protocol;
  return true;
}

bool MessageBuilder::addAddressFamily(uint16_t type, uint8_t family) noexcept
{
  auto out = reserve(type, 4);
  if (d_failed) {
    return false;
  }
  out[0] = family;
  return true;
}

bool MessageBuilder::addEvenPort(bool reserveNext) noexcept
{
  auto out = reserve(attr::EvenPort, 1);
  if (d_failed) {
    return false;
  }
  out[0] = reserveNext ? 0x80 : 0x00;
  return true;
}

bool MessageBuilder::addReservationToken(uint64_t token) noexcept
{
  auto out = reserve(attr::ReservationToken, 8);
  if (d_failed) {
    return false;
  }
  ByteWriter::storeU32(out, 0, static_cast<uint32_t>(token >> 32));
  ByteWriter::storeU32(out, 4, static_cast<uint32_t>(token));
  return true;
}

bool MessageBuilder::addPasswordAlgorithm(uint16_t algorithm) noexcept
{
  auto out = reserve(attr::PasswordAlgorithm, 4);
  if (d_failed) {
    return false;
  }
  ByteWriter::storeU16(out, 0, algorithm);
  return true;
}

bool MessageBuilder::addPasswordAlgorithms(std::span<const uint16_t> algorithms) noexcept
{
  if (algorithms.size() > 0x3FFF) {
    fail();
    return false;
  }
  auto out = reserve(attr::PasswordAlgorithms, algorithms.size() * 4);
  if (d_failed) {
    return false;
  }
  for (size_t i = 0; i < algorithms.size(); ++i) {
    ByteWriter::storeU16(out, 4 * i, algorithms[i]);
  }
  return true;
}

bool MessageBuilder::addMessageIntegrity(const IntegrityKey& key) noexcept
{
  if (d_failed || d_integrity) {
    // A second MI, or MI after MI-SHA256 (which must cover MI), is a caller bug.
    fail();
    return false;
  }
  const size_t offset = d_size;
  auto out = reserve(attr::MessageIntegrity, MessageIntegritySize);
  if (d_failed) {
    return false;
  }
  // reserve() already set the header length to end after MI, as §4.2 requires.
  auto mac = key.hmacSha1({d_buf.first(offset)});
  std::memcpy(out.data(), mac.data(), MessageIntegritySize);
  return true;
}

bool MessageBuilder::addMessageIntegritySha256(const IntegrityKey& key, size_t size) noexcept
{
  if (d_failed || size < MessageIntegritySha256MinSize || size > MessageIntegritySha256MaxSize || size % 4 != 0) {
    fail();
    return false;
  }
  const size_t offset = d_size;
  auto out = reserve(attr::MessageIntegritySha256, size);
  if (d_failed) {
    return false;
  }
  auto mac = key.hmacSha256({d_buf.first(offset)});
  std::memcpy(out.data(), mac.data(), size);
  return true;
}

bool MessageBuilder::addFingerprint() noexcept
{
  const size_t offset = d_size;
  auto out = reserve(attr::Fingerprint, 4);
  if (d_failed) {
    return false;
  }
  ByteWriter::storeU32(out, 0, crypto::crc32(d_buf.first(offset)) ^ FingerprintXor);
  return true;
}

}
