#pragma once
// STUN/TURN wire constants (spec turn.md §1) and the method/class <-> type encoding.
#include <cstddef>
#include <cstdint>

namespace talk::turn::stun {

inline constexpr uint32_t MagicCookie = 0x2112A442;
inline constexpr size_t HeaderSize = 20;
inline constexpr size_t TransactionIdSize = 12;
inline constexpr size_t AttributeHeaderSize = 4;
inline constexpr uint32_t FingerprintXor = 0x5354554E;
inline constexpr size_t MessageIntegritySize = 20;
inline constexpr size_t MessageIntegritySha256MinSize = 16;
inline constexpr size_t MessageIntegritySha256MaxSize = 32;
// Longest USERNAME value we accept (spec: "< 513 bytes").
inline constexpr size_t MaxUsernameSize = 512;
// REALM/NONCE/SOFTWARE: at most 127 characters; in UTF-8 that is at most 763 bytes.
inline constexpr size_t MaxTextSize = 763;

enum class Method : uint16_t
{
  Binding = 0x001,
  Allocate = 0x003,
  Refresh = 0x004,
  Send = 0x006,
  Data = 0x007,
  CreatePermission = 0x008,
  ChannelBind = 0x009,
  Connect = 0x00A,
  ConnectionBind = 0x00B,
  ConnectionAttempt = 0x00C,
};

enum class MessageClass : uint8_t
{
  Request = 0,
  Indication = 1,
  SuccessResponse = 2,
  ErrorResponse = 3,
};

// Interleaves the 12-bit method with the 2 class bits (spec §1.1).
constexpr uint16_t messageType(uint16_t method, MessageClass cls) noexcept
{
  auto c = static_cast<uint16_t>(cls);
  return static_cast<uint16_t>((method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2) |
                               ((c & 1) << 4) | ((c & 2) << 7));
}
constexpr uint16_t messageType(Method method, MessageClass cls) noexcept
{
  return messageType(static_cast<uint16_t>(method), cls);
}
// The 12-bit method code of a message type (may be a method we do not know).
constexpr uint16_t methodOf(uint16_t type) noexcept
{
  return static_cast<uint16_t>((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));
}
constexpr MessageClass classOf(uint16_t type) noexcept
{
  return static_cast<MessageClass>(((type >> 4) & 1) | ((type >> 7) & 2));
}

// Attribute types (spec §1.3).
namespace attr {
inline constexpr uint16_t MappedAddress = 0x0001;
inline constexpr uint16_t Username = 0x0006;
inline constexpr uint16_t MessageIntegrity = 0x0008;
inline constexpr uint16_t ErrorCode = 0x0009;
inline constexpr uint16_t UnknownAttributes = 0x000A;
inline constexpr uint16_t ChannelNumber = 0x000C;
inline constexpr uint16_t Lifetime = 0x000D;
inline constexpr uint16_t XorPeerAddress = 0x0012;
inline constexpr uint16_t Data = 0x0013;
inline constexpr uint16_t Realm = 0x0014;
inline constexpr uint16_t Nonce = 0x0015;
inline constexpr uint16_t XorRelayedAddress = 0x0016;
inline constexpr uint16_t RequestedAddressFamily = 0x0017;
inline constexpr uint16_t EvenPort = 0x0018;
inline constexpr uint16_t RequestedTransport = 0x0019;
inline constexpr uint16_t DontFragment = 0x001A;
inline constexpr uint16_t AccessToken = 0x001B;
inline constexpr uint16_t MessageIntegritySha256 = 0x001C;
inline constexpr uint16_t PasswordAlgorithm = 0x001D;
inline constexpr uint16_t UserHash = 0x001E;
inline constexpr uint16_t XorMappedAddress = 0x0020;
inline constexpr uint16_t ReservationToken = 0x0022;
inline constexpr uint16_t AdditionalAddressFamily = 0x8000;
inline constexpr uint16_t AddressErrorCode = 0x8001;
inline constexpr uint16_t PasswordAlgorithms = 0x8002;
inline constexpr uint16_t Icmp = 0x8004;
inline constexpr uint16_t Software = 0x8022;
inline constexpr uint16_t AlternateServer = 0x8023;
inline constexpr uint16_t Fingerprint = 0x8028;
inline constexpr uint16_t ResponseOrigin = 0x802B;
inline constexpr uint16_t OtherAddress = 0x802C;
inline constexpr uint16_t Origin = 0x802F;
inline constexpr uint16_t MobilityTicket = 0x8030;
}

constexpr bool isComprehensionRequired(uint16_t type) noexcept
{
  return type < 0x8000;
}

// True for the comprehension-required attributes talk-turn understands. Everything else below
// 0x8000 (including ACCESS-TOKEN, spec §1.3) makes a request fail with 420.
constexpr bool isKnownComprehensionRequired(uint16_t type) noexcept
{
  switch (type) {
  case attr::MappedAddress:
  case attr::Username:
  case attr::MessageIntegrity:
  case attr::ErrorCode:
  case attr::UnknownAttributes:
  case attr::ChannelNumber:
  case attr::Lifetime:
  case attr::XorPeerAddress:
  case attr::Data:
  case attr::Realm:
  case attr::Nonce:
  case attr::XorRelayedAddress:
  case attr::RequestedAddressFamily:
  case attr::EvenPort:
  case attr::RequestedTransport:
  case attr::DontFragment:
  case attr::MessageIntegritySha256:
  case attr::PasswordAlgorithm:
  case attr::UserHash:
  case attr::XorMappedAddress:
  case attr::ReservationToken:
    return true;
  default:
    return false;
  }
}

// Address family byte in (XOR-)address attributes and REQUESTED-ADDRESS-FAMILY.
inline constexpr uint8_t FamilyIpv4 = 0x01;
inline constexpr uint8_t FamilyIpv6 = 0x02;

// REQUESTED-TRANSPORT protocol numbers.
inline constexpr uint8_t TransportUdp = 17;
inline constexpr uint8_t TransportTcp = 6;

// PASSWORD-ALGORITHM values (RFC 8489 §18.5).
inline constexpr uint16_t PasswordAlgorithmMd5 = 0x0001;
inline constexpr uint16_t PasswordAlgorithmSha256 = 0x0002;

// Error codes (spec §3).
namespace error {
inline constexpr uint16_t TryAlternate = 300;
inline constexpr uint16_t BadRequest = 400;
inline constexpr uint16_t Unauthorized = 401;
inline constexpr uint16_t Forbidden = 403;
inline constexpr uint16_t MobilityForbidden = 405;
inline constexpr uint16_t UnknownAttribute = 420;
inline constexpr uint16_t AllocationMismatch = 437;
inline constexpr uint16_t StaleNonce = 438;
inline constexpr uint16_t AddressFamilyNotSupported = 440;
inline constexpr uint16_t WrongCredentials = 441;
inline constexpr uint16_t UnsupportedTransportProtocol = 442;
inline constexpr uint16_t PeerAddressFamilyMismatch = 443;
inline constexpr uint16_t AllocationQuotaReached = 486;
inline constexpr uint16_t ServerError = 500;
inline constexpr uint16_t InsufficientCapacity = 508;
}

// The short reason phrase we send for an error code ("" for codes we do not know).
const char* reasonPhrase(uint16_t code) noexcept;

// ChannelData channel numbers (spec §2.5, §6).
inline constexpr uint16_t MinChannelNumber = 0x4000;
inline constexpr uint16_t MaxChannelNumber = 0x7FFF;
// The range the server itself would choose from (RFC 8656).
inline constexpr uint16_t MaxStrictChannelNumber = 0x4FFF;
inline constexpr size_t ChannelDataHeaderSize = 4;

constexpr bool isValidChannelNumber(uint16_t channel) noexcept
{
  return channel >= MinChannelNumber && channel <= MaxChannelNumber;
}

}
