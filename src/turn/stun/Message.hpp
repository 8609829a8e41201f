#pragma once
// Zero-copy view of a received STUN message (spec §1.1). parse() validates the framing once;
// afterwards attribute lookups walk the (already validated) TLVs of the caller's buffer. The
// view does not own the bytes: keep the buffer alive while the Message is used.
#include "turn/stun/Constants.hpp"
#include "turn/stun/IntegrityKey.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace talk::turn::stun {

enum class ParseError
{
  None,
  TooShort,          // fewer than 20 bytes
  BadTypeBits,       // two most significant bits of the type not zero
  LengthNotAligned,  // body length not a multiple of 4
  LengthMismatch,    // 20 + length differs from the buffer size
  BadMagicCookie,    // classic RFC 3489 STUN or not STUN at all
  AttributeOverflow, // a TLV (with padding) runs past the end of the body
  FingerprintNotLast,
  BadFingerprintLength,
  BadFingerprint,
  BadIntegrityLength, // MESSAGE-INTEGRITY not 20 bytes, or MI-SHA256 not 16..32 in steps of 4
};

const char* parseErrorName(ParseError error) noexcept;

// One attribute as found in the message. `offset` is the position of its TLV header from the
// start of the message.
struct Attribute
{
  uint16_t type = 0;
  std::span<const uint8_t> value;
  size_t offset = 0;
};

enum class IntegrityResult
{
  Absent,   // the attribute is not in the message
  Ok,
  Mismatch,
};

class Message
{
public:
  // Validates `data` as exactly one STUN message (UDP: the whole datagram; TCP: the frame the
  // stream framer delimited). On failure returns nullopt and, if `error` is given, the reason.
  static std::optional<Message> parse(std::span<const uint8_t> data, ParseError* error = nullptr) noexcept;

  // Cheap pre-check without validation: could `data` start a STUN message? (first two bits 0
  // and magic cookie present; needs at least 8 bytes).
  static bool looksLikeStun(std::span<const uint8_t> data) noexcept;

  uint16_t type() const noexcept { return d_type; }
  uint16_t methodCode() const noexcept { return methodOf(d_type); }
  MessageClass messageClass() const noexcept { return classOf(d_type); }
  bool is(Method method, MessageClass cls) const noexcept { return d_type == messageType(method, cls); }
  std::span<const uint8_t, TransactionIdSize> transactionId() const noexcept
  {
    return d_data.subspan<8, TransactionIdSize>();
  }
  // The whole message as received.
  std::span<const uint8_t> bytes() const noexcept { return d_data; }

  // Attributes in order, stopping before the first MESSAGE-INTEGRITY or MI-SHA256: attributes
  // after the integrity attribute(s) are not covered by them and must be ignored (spec §4.2).
  class Iterator
  {
  public:
    using value_type = Attribute;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    Iterator(std::span<const uint8_t> data, size_t pos, size_t end) noexcept;
    const Attribute& operator*() const noexcept { return d_current; }
    const Attribute* operator->() const noexcept { return &d_current; }
    Iterator& operator++() noexcept;
    Iterator operator++(int) noexcept
    {
      Iterator tmp = *this;
      ++*this;
      return tmp;
    }
    bool operator==(const Iterator& other) const noexcept { return d_pos == other.d_pos; }

  private:
    void load() noexcept;

    std::span<const uint8_t> d_data;
    size_t d_pos = 0;
    size_t d_end = 0;
    Attribute d_current;
  };
  Iterator begin() const noexcept { return Iterator(d_data, HeaderSize, d_coveredEnd); }
  Iterator end() const noexcept { return Iterator(d_data, d_coveredEnd, d_coveredEnd); }

  // First attribute of `type` before the integrity attribute(s); MESSAGE-INTEGRITY,
  // MI-SHA256 and FINGERPRINT themselves are found too.
  std::optional<Attribute> find(uint16_t type) const noexcept;
  bool has(uint16_t type) const noexcept { return find(type).has_value(); }
  // Number of attributes of `type` (e.g. repeated XOR-PEER-ADDRESS).
  size_t count(uint16_t type) const noexcept;

  // Writes the types of comprehension-required attributes not known to talk-turn
  // (isKnownComprehensionRequired) into `out`, without duplicates, and returns how many were
  // written (at most out.size()). Zero means none.
  size_t unknownComprehensionRequired(std::span<uint16_t> out) const noexcept;

  bool hasMessageIntegrity() const noexcept { return d_miOffset != 0; }
  bool hasMessageIntegritySha256() const noexcept { return d_mi256Offset != 0; }
  bool hasFingerprint() const noexcept { return d_fingerprintOffset != 0; }

  // Verifies MESSAGE-INTEGRITY (HMAC-SHA1, spec §4.2) / MESSAGE-INTEGRITY-SHA256 (§4.4) with
  // `key`, in constant time, without copying the message.
  IntegrityResult verifyMessageIntegrity(const IntegrityKey& key) const noexcept;
  IntegrityResult verifyMessageIntegritySha256(const IntegrityKey& key) const noexcept;
  // Length of the received MI-SHA256 value (16..32), 0 if absent: responses use the same.
  size_t messageIntegritySha256Size() const noexcept;

private:
  Message() = default;

  std::span<const uint8_t> d_data;
  uint16_t d_type = 0;
  // End of the attributes that count (offset of the first MI / MI-SHA256, else of FINGERPRINT,
  // else the message size).
  size_t d_coveredEnd = 0;
  // TLV offsets; 0 means absent (no attribute can start at offset 0).
  size_t d_miOffset = 0;
  size_t d_mi256Offset = 0;
  size_t d_fingerprintOffset = 0;
};

}
