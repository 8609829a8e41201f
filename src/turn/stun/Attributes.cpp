#include "turn/stun/Attributes.hpp"

#include "common/util/ByteReader.hpp"
#include "common/util/ByteWriter.hpp"

#include <arpa/inet.h>
#include <cstring>

namespace talk::turn::stun {

namespace {

constexpr size_t V4ValueSize = 8;
constexpr size_t V6ValueSize = 20;

// Shared by the XOR and plain forms; `tid` null → no XOR.
std::optional<SocketAddress> decode(std::span<const uint8_t> value, const uint8_t* tid) noexcept
{
  if (value.size() < 4) {
    return std::nullopt;
  }
  const uint8_t family = value[1];
  uint16_t port = ByteReader::loadU16(value, 2);
  if (tid != nullptr) {
    port ^= static_cast<uint16_t>(MagicCookie >> 16);
  }
  uint8_t mask[16];
  ByteWriter::storeU32(std::span<uint8_t>(mask, 4), 0, MagicCookie);
  if (tid != nullptr) {
    std::memcpy(mask + 4, tid, TransactionIdSize);
  }
  if (family == FamilyIpv4 && value.size() == V4ValueSize) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    uint8_t addr[4];
    for (size_t i = 0; i < 4; ++i) {
      addr[i] = static_cast<uint8_t>(value[4 + i] ^ (tid != nullptr ? mask[i] : 0));
    }
    std::memcpy(&sa.sin_addr, addr, 4);
    return SocketAddress(reinterpret_cast<const sockaddr*>(&sa), sizeof(sa));
  }
  if (family == FamilyIpv6 && value.size() == V6ValueSize) {
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(port);
    uint8_t addr[16];
    for (size_t i = 0; i < 16; ++i) {
      addr[i] = static_cast<uint8_t>(value[4 + i] ^ (tid != nullptr ? mask[i] : 0));
    }
    std::memcpy(&sa.sin6_addr, addr, 16);
    return SocketAddress(reinterpret_cast<const sockaddr*>(&sa), sizeof(sa));
  }
  return std::nullopt;
}

size_t encode(const SocketAddress& address, const uint8_t* tid, std::span<uint8_t> out) noexcept
{
  const size_t size = addressValueSize(address);
  if (size == 0 || out.size() < size) {
    return 0;
  }
  uint8_t mask[16];
  ByteWriter::storeU32(std::span<uint8_t>(mask, 4), 0, MagicCookie);
  if (tid != nullptr) {
    std::memcpy(mask + 4, tid, TransactionIdSize);
  }
  uint16_t port = address.port();
  if (tid != nullptr) {
    port ^= static_cast<uint16_t>(MagicCookie >> 16);
  }
  out[0] = 0;
  out[1] = address.isV4() ? FamilyIpv4 : FamilyIpv6;
  ByteWriter::storeU16(out, 2, port);
  const uint8_t* bytes = address.addressBytes();
  for (size_t i = 0; i < address.addressLength(); ++i) {
    out[4 + i] = static_cast<uint8_t>(bytes[i] ^ (tid != nullptr ? mask[i] : 0));
  }
  return size;
}

bool textOk(std::span<const uint8_t> value, size_t maxSize) noexcept
{
  return !value.empty() && value.size() <= maxSize && std::memchr(value.data(), 0, value.size()) == nullptr;
}

std::string_view asText(std::span<const uint8_t> value) noexcept
{
  return {reinterpret_cast<const char*>(value.data()), value.size()};
}

}

std::optional<SocketAddress> decodeXorAddress(std::span<const uint8_t> value, TransactionId tid) noexcept
{
  return decode(value, tid.data());
}

std::optional<SocketAddress> decodeAddress(std::span<const uint8_t> value) noexcept
{
  return decode(value, nullptr);
}

size_t addressValueSize(const SocketAddress& address) noexcept
{
  return address.isV4() ? V4ValueSize : address.isV6() ? V6ValueSize : 0;
}

size_t encodeXorAddress(const SocketAddress& address, TransactionId tid, std::span<uint8_t> out) noexcept
{
  return encode(address, tid.data(), out);
}

size_t encodeAddress(const SocketAddress& address, std::span<uint8_t> out) noexcept
{
  return encode(address, nullptr, out);
}

std::optional<ErrorCodeValue> decodeErrorCode(std::span<const uint8_t> value) noexcept
{
  if (value.size() < 4 || value.size() > 4 + MaxTextSize) {
    return std::nullopt;
  }
  const unsigned cls = value[2] & 0x07;
  const unsigned number = value[3];
  if (cls < 3 || cls > 6 || number > 99) {
    return std::nullopt;
  }
  return ErrorCodeValue{static_cast<uint16_t>(cls * 100 + number), asText(value.subspan(4))};
}

std::optional<size_t> decodeUnknownAttributes(std::span<const uint8_t> value, std::span<uint16_t> out) noexcept
{
  if (value.size() % 2 != 0) {
    return std::nullopt;
  }
  const size_t n = value.size() / 2;
  for (size_t i = 0; i < n && i < out.size(); ++i) {
    out[i] = ByteReader::loadU16(value, 2 * i);
  }
  return n;
}

std::optional<uint16_t> decodeChannelNumber(std::span<const uint8_t> value) noexcept
{
  if (value.size() != 4) {
    return std::nullopt;
  }
  return ByteReader::loadU16(value, 0);
}

std::optional<uint32_t> decodeLifetime(std::span<const uint8_t> value) noexcept
{
  if (value.size() != 4) {
    return std::nullopt;
  }
  return ByteReader::loadU32(value, 0);
}

std::optional<uint8_t> decodeRequestedTransport(std::span<const uint8_t> value) noexcept
{
  if (value.size() != 4) {
    return std::nullopt;
  }
  return value[0];
}

std::optional<uint8_t> decodeAddressFamily(std::span<const uint8_t> value) noexcept
{
  if (value.size() != 4) {
    return std::nullopt;
  }
  return value[0];
}

std::optional<bool> decodeEvenPort(std::span<const uint8_t> value) noexcept
{
  if (value.size() != 1) {
    return std::nullopt;
  }
  return (value[0] & 0x80) != 0;
}

std::optional<uint64_t> decodeReservationToken(std::span<const uint8_t> value) noexcept
{
  if (value.size() != 8) {
    return std::nullopt;
  }
  return (static_cast<uint64_t>(ByteReader::loadU32(value, 0)) << 32) | ByteReader::loadU32(value, 4);
}

bool decodeDontFragment(std::span<const uint8_t> value) noexcept
{
  return value.empty();
}

std::optional<std::string_view> decodeUsername(std::span<const uint8_t> value) noexcept
{
  if (!textOk(value, MaxUsernameSize)) {
    return std::nullopt;
  }
  return asText(value);
}

std::optional<std::string_view> decodeText(std::span<const uint8_t> value) noexcept
{
  if (!textOk(value, MaxTextSize)) {
    return std::nullopt;
  }
  return asText(value);
}

std::optional<std::span<const uint8_t, 32>> decodeUserHash(std::span<const uint8_t> value) noexcept
{
  if (value.size() != 32) {
    return std::nullopt;
  }
  return value.first<32>();
}

std::optional<PasswordAlgorithmValue> decodePasswordAlgorithm(std::span<const uint8_t> value) noexcept
{
  ByteReader r(value);
  PasswordAlgorithmValue out;
  out.algorithm = r.u16();
  const size_t paramLength = r.u16();
  out.parameters = r.bytes(paramLength);
  // The value length is unpadded, so a single entry fills it exactly.
  if (!r.ok() || r.remaining() != 0) {
    return std::nullopt;
  }
  return out;
}

std::optional<size_t> decodePasswordAlgorithms(std::span<const uint8_t> value,
                                               std::span<PasswordAlgorithmValue> out) noexcept
{
  ByteReader r(value);
  size_t n = 0;
  while (r.remaining() > 0) {
    PasswordAlgorithmValue entry;
    entry.algorithm = r.u16();
    const size_t paramLength = r.u16();
    entry.parameters = r.bytes(paramLength);
    const size_t pad = (4 - paramLength % 4) % 4;
    if (r.remaining() > 0) {
      r.skip(pad);
    }
    if (!r.ok()) {
      return std::nullopt;
    }
    if (n < out.size()) {
      out[n] = entry;
    }
    ++n;
  }
  return n;
}

}
