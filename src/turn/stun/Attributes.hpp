#pragma once
// Typed decoders for attribute values (spec §1.3). Each returns nullopt for a malformed value
// (wrong length, bad family, non-zero reserved layout where the RFC requires it); the caller
// turns that into 400 for a request or drops an indication. No allocation: strings and byte
// ranges are views into the message.
#include "common/net/SocketAddress.hpp"
#include "turn/stun/Constants.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace talk::turn::stun {

using TransactionId = std::span<const uint8_t, TransactionIdSize>;

// XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS: address and port XORed with the
// cookie (and transaction id for IPv6).
std::optional<SocketAddress> decodeXorAddress(std::span<const uint8_t> value, TransactionId tid) noexcept;
// MAPPED-ADDRESS, ALTERNATE-SERVER, RESPONSE-ORIGIN, OTHER-ADDRESS: plain address.
std::optional<SocketAddress> decodeAddress(std::span<const uint8_t> value) noexcept;
// Encoded value sizes: 8 for IPv4, 20 for IPv6, 0 if the address is neither.
size_t addressValueSize(const SocketAddress& address) noexcept;
// Writes the (XOR) address value into `out` (must hold addressValueSize bytes); returns the
// number of bytes written, 0 on failure.
size_t encodeXorAddress(const SocketAddress& address, TransactionId tid, std::span<uint8_t> out) noexcept;
size_t encodeAddress(const SocketAddress& address, std::span<uint8_t> out) noexcept;

struct ErrorCodeValue
{
  uint16_t code = 0;        // 300..699
  std::string_view reason;  // UTF-8 reason phrase (may be empty)
};
std::optional<ErrorCodeValue> decodeErrorCode(std::span<const uint8_t> value) noexcept;

// UNKNOWN-ATTRIBUTES: a list of 16-bit types. Writes up to out.size() types; returns the
// number in the attribute (may exceed out.size()), nullopt if the length is odd.
std::optional<size_t> decodeUnknownAttributes(std::span<const uint8_t> value, std::span<uint16_t> out) noexcept;

// CHANNEL-NUMBER: 16-bit number + 16 reserved bits (4 bytes). Range is not checked here.
std::optional<uint16_t> decodeChannelNumber(std::span<const uint8_t> value) noexcept;
// LIFETIME: 32-bit seconds.
std::optional<uint32_t> decodeLifetime(std::span<const uint8_t> value) noexcept;
// REQUESTED-TRANSPORT: protocol byte + 3 reserved (4 bytes). Returns the protocol number.
std::optional<uint8_t> decodeRequestedTransport(std::span<const uint8_t> value) noexcept;
// REQUESTED-ADDRESS-FAMILY / ADDITIONAL-ADDRESS-FAMILY: family byte + 3 reserved (4 bytes).
// Returns the raw family byte (the caller maps unknown values to 440 / 400).
std::optional<uint8_t> decodeAddressFamily(std::span<const uint8_t> value) noexcept;
// The family byte of an AF_INET/AF_INET6 socket family, and back (0 for unknown bytes).
inline uint8_t familyByte(int family) noexcept
{
  return family == AF_INET6 ? FamilyIpv6 : FamilyIpv4;
}
inline int socketFamily(uint8_t value) noexcept
{
  return value == FamilyIpv6 ? AF_INET6 : value == FamilyIpv4 ? AF_INET : 0;
}
// EVEN-PORT: 1 byte; returns the R (reserve next port) bit.
std::optional<bool> decodeEvenPort(std::span<const uint8_t> value) noexcept;
// RESERVATION-TOKEN: 8 opaque bytes, returned as a big-endian number.
std::optional<uint64_t> decodeReservationToken(std::span<const uint8_t> value) noexcept;
// DONT-FRAGMENT: must be empty.
bool decodeDontFragment(std::span<const uint8_t> value) noexcept;

// USERNAME (< 513 bytes), REALM/NONCE/SOFTWARE (≤ 763 bytes): views of the text. Rejects empty
// values, over-long values and embedded NUL bytes.
std::optional<std::string_view> decodeUsername(std::span<const uint8_t> value) noexcept;
std::optional<std::string_view> decodeText(std::span<const uint8_t> value) noexcept;

// USERHASH: 32 bytes.
std::optional<std::span<const uint8_t, 32>> decodeUserHash(std::span<const uint8_t> value) noexcept;

struct PasswordAlgorithmValue
{
  uint16_t algorithm = 0;
  std::span<const uint8_t> parameters;
};
// PASSWORD-ALGORITHM: one algorithm entry (2-byte algorithm, 2-byte parameter length, params).
std::optional<PasswordAlgorithmValue> decodePasswordAlgorithm(std::span<const uint8_t> value) noexcept;
// PASSWORD-ALGORITHMS: a list of such entries, each padded to 4 bytes. Writes up to
// out.size() entries; returns the number in the attribute, nullopt if malformed.
std::optional<size_t> decodePasswordAlgorithms(std::span<const uint8_t> value,
                                               std::span<PasswordAlgorithmValue> out) noexcept;

}
