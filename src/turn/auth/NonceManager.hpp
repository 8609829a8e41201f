#pragma once
// Stateless nonces (spec §4.6): hex(issue time) ‖ hex(truncated HMAC-SHA256(key, client ip:port
// ‖ issue time)). Validation needs no per-client state, so 401/438 answers create none.
// Several nodes (or loop threads) accept each other's nonces when they share the key.
// Not thread-safe (it keeps prepared HMAC state): one instance per loop thread, all built with
// the same key.
#include "common/net/SocketAddress.hpp"
#include "common/util/Clock.hpp"
#include "turn/stun/IntegrityKey.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace talk::turn::auth {

class NonceManager
{
public:
  static constexpr int64_t DefaultLifetimeSeconds = 600;
  // 16 hex digits of time + 32 hex digits of MAC.
  static constexpr size_t NonceLength = 48;

  enum class Status
  {
    Valid,
    Stale,   // ours and bound to this client, but older than the lifetime → 438 + new nonce
    Invalid, // not ours, wrong client, malformed, or from the future → 438 + new nonce
  };

  // `key` empty → 32 random bytes (single node). `lifetimeSeconds` 0 → nonces never expire.
  // `clock` must outlive the manager.
  explicit NonceManager(const Clock& clock, std::span<const uint8_t> key = {},
                        int64_t lifetimeSeconds = DefaultLifetimeSeconds);

  std::string issue(const SocketAddress& client) const;
  Status validate(std::string_view nonce, const SocketAddress& client) const noexcept;

  int64_t lifetimeSeconds() const noexcept { return d_lifetime; }

private:
  std::array<uint8_t, 16> mac(const SocketAddress& client, uint64_t issued) const noexcept;

  // Passed by argument (not owned)
  const Clock& d_clock;
  // State
  stun::IntegrityKey d_mac; // HMAC-SHA256 key, prepared once
  int64_t d_lifetime;
};

const char* nonceStatusName(NonceManager::Status status) noexcept;

}
