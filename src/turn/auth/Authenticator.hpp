#pragma once
// Long-term credential check of one request (spec §4.1, in that order):
//   no MI/MI-SHA256 → Unauthorized; MI but no USERNAME, REALM or NONCE → BadRequest;
//   REALM differs → Unauthorized; NONCE invalid/expired → StaleNonce;
//   REST username expired/too far ahead, or unknown user → Unauthorized;
//   integrity mismatch with every candidate key → Unauthorized; else Ok.
// REST secrets are tried first (for usernames with a timestamp), then static users.
// Not thread-safe: each loop thread owns its Authenticator; a new CredentialStore is handed
// to each through its inbox on reload.
#include "common/net/SocketAddress.hpp"
#include "common/util/Clock.hpp"
#include "turn/auth/CredentialStore.hpp"
#include "turn/auth/KeyDerivation.hpp"
#include "turn/auth/NonceManager.hpp"
#include "turn/stun/IntegrityKey.hpp"
#include "turn/stun/Message.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace talk::turn::auth {

enum class AuthStatus
{
  Ok,
  BadRequest,   // 400
  Unauthorized, // 401 (with REALM + fresh NONCE, no MI)
  StaleNonce,   // 438 (with REALM + fresh NONCE, no MI)
};

// What a successful check yields; the server keeps it in the allocation, signs responses with
// `key`, and passes it back as the `cached` hint for later requests on that allocation.
struct Credential
{
  std::string username;
  // REST id part (or the static user name, or the whole username for a bare timestamp):
  // the key for per-user quotas and metrics.
  std::string realUserId;
  stun::IntegrityKey key;
  PasswordAlgorithm algorithm = PasswordAlgorithm::Md5;
  // CredentialStore generation the key was derived under; a reload invalidates the hint.
  uint64_t generation = 0;
  // REST expiry (unix seconds) or 0 for static users; rechecked on every request.
  int64_t expiry = 0;
};

struct AuthResult
{
  AuthStatus status = AuthStatus::Unauthorized;
  // Short token for the log line ("no-integrity", "missing-attribute", "realm-mismatch",
  // "stale-nonce", "invalid-nonce", "expired", "ttl-too-long", "unknown-user",
  // "integrity-mismatch", "bad-password-algorithm", "ok"). Never contains secrets.
  const char* reason = "";
  // Set when status == Ok.
  Credential credential;
  // Which integrity flavour(s) the request carried: answer with the same (spec §4.4).
  bool usedSha1 = false;
  size_t sha256Size = 0; // 0 when the request had no MI-SHA256
};

const char* authStatusName(AuthStatus status) noexcept;

class Authenticator
{
public:
  // `clock` and `nonces` must outlive the authenticator.
  Authenticator(std::string realm, const Clock& clock, const NonceManager& nonces,
                std::shared_ptr<const CredentialStore> store);

  // Swaps the credential sources (reload/rotation). Invalidates cached Credentials.
  void setCredentials(std::shared_ptr<const CredentialStore> store);
  uint64_t generation() const noexcept { return d_generation; }

  // Checks `request` from `client`. `cached` (optional) is the Credential stored with the
  // allocation: when its username matches it is tried first, skipping key derivation.
  AuthResult authenticate(const stun::Message& request, const SocketAddress& client,
                          const Credential* cached = nullptr) const;

  const std::string& realm() const noexcept { return d_realm; }
  // A NONCE for a 401/438 answer to `client`.
  std::string freshNonce(const SocketAddress& client) const { return d_nonces.issue(client); }

private:
  // Passed by argument (not owned)
  const Clock& d_clock;
  const NonceManager& d_nonces;
  // State
  std::string d_realm;
  std::shared_ptr<const CredentialStore> d_store;
  uint64_t d_generation = 1;
};

}
