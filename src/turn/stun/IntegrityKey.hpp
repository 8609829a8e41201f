#pragma once
// The long-term-credential key of one user (16-byte MD5 or 32-byte SHA-256 key, spec §4.1,
// §4.4) together with prepared HMAC state, so computing MESSAGE-INTEGRITY for each packet
// of an allocation does not redo the HMAC key setup. Computes over several chunks so the
// header with its adjusted length field can be fed separately from the message body,
// without copying the message.
#include "common/crypto/Crypto.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>

namespace talk::turn::stun {

class IntegrityKey
{
public:
  static constexpr size_t MaxKeySize = 32;

  // An empty key (valid() false); only useful as a placeholder.
  IntegrityKey() noexcept;
  // Copies the key bytes (at most MaxKeySize; longer input is truncated — callers pass 16
  // or 32 bytes) and prepares the HMAC-SHA1 state. Aborts if OpenSSL cannot allocate.
  // Copies share the prepared state (cheap to copy into an allocation or a result), so all
  // copies of one key belong to the same loop thread.
  explicit IntegrityKey(std::span<const uint8_t> key);
  ~IntegrityKey();
  IntegrityKey(const IntegrityKey& other);
  IntegrityKey& operator=(const IntegrityKey& other);
  IntegrityKey(IntegrityKey&& other) noexcept;
  IntegrityKey& operator=(IntegrityKey&& other) noexcept;

  bool valid() const noexcept { return d_size != 0; }
  std::span<const uint8_t> bytes() const noexcept { return {d_key.data(), d_size}; }

  // HMAC-SHA1 / HMAC-SHA256 with this key over the concatenation of `chunks`.
  // Not thread-safe on one object (the prepared state is reused); one key per loop thread.
  crypto::Sha1Digest hmacSha1(std::initializer_list<std::span<const uint8_t>> chunks) const noexcept;
  crypto::Sha256Digest hmacSha256(std::initializer_list<std::span<const uint8_t>> chunks) const noexcept;

private:
  struct State;

  std::array<uint8_t, MaxKeySize> d_key{};
  size_t d_size = 0;
  // Owned (shared by copies): prepared OpenSSL MAC contexts (SHA-256 created lazily).
  std::shared_ptr<State> d_state;
};

}
