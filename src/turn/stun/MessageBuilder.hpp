#pragma once
// Serialises a STUN message into a caller-provided buffer (no allocation), e.g. one reusable
// response buffer per listener. Attributes are appended in call order with zero padding
// (CVE-2020-4067); integrity attributes go last: MESSAGE-INTEGRITY, then MI-SHA256, then
// FINGERPRINT. Errors are sticky: once something does not fit (or an attribute is appended
// after FINGERPRINT) every further call fails and ok() is false; check once at the end.
#include "common/net/SocketAddress.hpp"
#include "turn/stun/Constants.hpp"
#include "turn/stun/IntegrityKey.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace talk::turn::stun {

class MessageBuilder
{
public:
  // Largest message the builder will produce if the buffer allows (UDP datagram limit).
  static constexpr size_t MaxMessageSize = 65535;

  // Starts a message of `type` with the given transaction id in `buffer` (the buffer must
  // outlive the builder and the returned bytes()).
  MessageBuilder(std::span<uint8_t> buffer, uint16_t type, std::span<const uint8_t, TransactionIdSize> tid) noexcept;
  MessageBuilder(std::span<uint8_t> buffer, Method method, MessageClass cls,
                 std::span<const uint8_t, TransactionIdSize> tid) noexcept :
    MessageBuilder(buffer, messageType(method, cls), tid) {}

  bool ok() const noexcept { return !d_failed; }
  // The finished message so far (header length always kept up to date); empty if !ok().
  std::span<const uint8_t> bytes() const noexcept;
  size_t size() const noexcept { return d_failed ? 0 : d_size; }

  // Generic TLV with padding.
  bool add(uint16_t type, std::span<const uint8_t> value) noexcept;
  bool addEmpty(uint16_t type) noexcept { return add(type, {}); }
  bool addText(uint16_t type, std::string_view text) noexcept;
  bool addU32(uint16_t type, uint32_t value) noexcept;

  // XOR-MAPPED/PEER/RELAYED-ADDRESS with this message's transaction id.
  bool addXorAddress(uint16_t type, const SocketAddress& address) noexcept;
  // MAPPED-ADDRESS, ALTERNATE-SERVER.
  bool addAddress(uint16_t type, const SocketAddress& address) noexcept;
  // ERROR-CODE; an empty reason is allowed (unauthenticated errors carry none, spec §4.6).
  bool addErrorCode(uint16_t code, std::string_view reason) noexcept;
  // ERROR-CODE with reasonPhrase(code).
  bool addErrorCode(uint16_t code) noexcept { return addErrorCode(code, reasonPhrase(code)); }
  bool addUnknownAttributes(std::span<const uint16_t> types) noexcept;
  bool addChannelNumber(uint16_t channel) noexcept;
  bool addLifetime(uint32_t seconds) noexcept { return addU32(attr::Lifetime, seconds); }
  bool addRequestedTransport(uint8_t protocol) noexcept;
  bool addAddressFamily(uint16_t type, uint8_t family) noexcept;
  bool addEvenPort(bool reserveNext) noexcept;
  bool addReservationToken(uint64_t token) noexcept;
  bool addData(std::span<const uint8_t> data) noexcept { return add(attr::Data, data); }
  // DATA whose value the caller sends from its own buffer (scatter-gather, no copy of the
  // payload): writes only the TLV header and counts `length` value bytes plus their padding
  // in the message length. Must be the last attribute: bytes() then ends at the TLV header,
  // and the caller sends `length` value bytes and paddingFor(length) zero bytes after it.
  bool addExternalData(size_t length) noexcept;
  static constexpr size_t paddingFor(size_t length) noexcept { return (4 - length % 4) % 4; }
  // ADDRESS-ERROR-CODE (RFC 8656): family byte, then the ERROR-CODE layout.
  bool addAddressErrorCode(uint8_t family, uint16_t code, std::string_view reason) noexcept;
  bool addPasswordAlgorithm(uint16_t algorithm) noexcept;
  bool addPasswordAlgorithms(std::span<const uint16_t> algorithms) noexcept;

  // MESSAGE-INTEGRITY over everything so far (spec §4.2).
  bool addMessageIntegrity(const IntegrityKey& key) noexcept;
  // MESSAGE-INTEGRITY-SHA256 truncated to `size` bytes (16..32, multiple of 4).
  bool addMessageIntegritySha256(const IntegrityKey& key, size_t size = 32) noexcept;
  // FINGERPRINT (must be the last attribute).
  bool addFingerprint() noexcept;

private:
  // Reserves a TLV of `length` value bytes (+padding, zeroed) and returns the value area.
  std::span<uint8_t> reserve(uint16_t type, size_t length) noexcept;
  void fail() noexcept { d_failed = true; }

  std::span<uint8_t> d_buf;
  size_t d_size = 0;
  bool d_failed = false;
  bool d_sealed = false;     // FINGERPRINT written
  bool d_integrity = false;  // MI or MI-SHA256 written: only MI-SHA256/FINGERPRINT may follow
};

}
