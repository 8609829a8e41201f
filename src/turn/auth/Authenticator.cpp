#include "turn/auth/Authenticator.hpp"

#include "turn/stun/Attributes.hpp"

namespace talk::turn::auth {

const char* authStatusName(AuthStatus status) noexcept
{
  switch (status) {
  case AuthStatus::Ok:
    return "ok";
  case AuthStatus::BadRequest:
    return "bad-request";
  case AuthStatus::Unauthorized:
    return "unauthorized";
  case AuthStatus::StaleNonce:
    return "stale-nonce";
  }
  return "?";
}

Authenticator::Authenticator(std::string realm, const Clock& clock, const NonceManager& nonces,
                             std::shared_ptr<const CredentialStore> store) :
  d_clock(clock), d_nonces(nonces), d_realm(std::move(realm)), d_store(std::move(store))
{
}

void Authenticator::setCredentials(std::shared_ptr<const CredentialStore> store)
{
  d_store = std::move(store);
  ++d_generation;
}

AuthResult Authenticator::authenticate(const stun::Message& request, const SocketAddress& client,
                                       const Credential* cached) const
{
  AuthResult result;
  auto deny = [&result](AuthStatus status, const char* reason) -> AuthResult {
    result.status = status;
    result.reason = reason;
    return std::move(result);
  };

  result.usedSha1 = request.hasMessageIntegrity();
  result.sha256Size = request.messageIntegritySha256Size();
  // 1. No integrity at all: the normal first request of a client → 401 with realm and nonce.
  if (!result.usedSha1 && result.sha256Size == 0) {
    return deny(AuthStatus::Unauthorized, "no-integrity");
  }

  // 2. Integrity without the attributes needed to check it → 400.
  auto usernameAttr = request.find(stun::attr::Username);
  auto realmAttr = request.find(stun::attr::Realm);
  auto nonceAttr = request.find(stun::attr::Nonce);
  if (!usernameAttr || !realmAttr || !nonceAttr) {
    return deny(AuthStatus::BadRequest, "missing-attribute");
  }
  auto username = stun::decodeUsername(usernameAttr->value);
  auto realm = stun::decodeText(realmAttr->value);
  auto nonce = stun::decodeText(nonceAttr->value);
  if (!username || !realm || !nonce) {
    return deny(AuthStatus::BadRequest, "malformed-attribute");
  }

  // 3. Realm, then nonce.
  if (*realm != d_realm) {
    return deny(AuthStatus::Unauthorized, "realm-mismatch");
  }
  switch (d_nonces.validate(*nonce, client)) {
  case NonceManager::Status::Valid:
    break;
  case NonceManager::Status::Stale:
    return deny(AuthStatus::StaleNonce, "stale-nonce");
  case NonceManager::Status::Invalid:
    return deny(AuthStatus::StaleNonce, "invalid-nonce");
  }

  PasswordAlgorithm algorithm = PasswordAlgorithm::Md5;
  if (auto algAttr = request.find(stun::attr::PasswordAlgorithm)) {
    auto alg = stun::decodePasswordAlgorithm(algAttr->value);
    if (!alg || !alg->parameters.empty()) {
      return deny(AuthStatus::BadRequest, "bad-password-algorithm");
    }
    if (alg->algorithm == stun::PasswordAlgorithmSha256) {
      algorithm = PasswordAlgorithm::Sha256;
    }
    else if (alg->algorithm != stun::PasswordAlgorithmMd5) {
      return deny(AuthStatus::BadRequest, "bad-password-algorithm");
    }
  }

  // When both are present RFC 8489 has the server check MI-SHA256 and ignore MI.
  auto verifies = [&request, &result](const stun::IntegrityKey& key) {
    if (result.sha256Size != 0) {
      return request.verifyMessageIntegritySha256(key) == stun::IntegrityResult::Ok;
    }
    return request.verifyMessageIntegrity(key) == stun::IntegrityResult::Ok;
  };
  auto accept = [&result](Credential credential) -> AuthResult {
    result.status = AuthStatus::Ok;
    result.reason = "ok";
    result.credential = std::move(credential);
    return std::move(result);
  };

  const int64_t now = d_clock.unixSeconds();
  // Fast path: the allocation's own credential, derived under the current store.
  if (cached != nullptr && cached->generation == d_generation && cached->algorithm == algorithm &&
      cached->username == *username) {
    if (cached->expiry != 0 && cached->expiry < now) {
      return deny(AuthStatus::Unauthorized, "expired");
    }
    if (verifies(cached->key)) {
      return accept(*cached);
    }
    return deny(AuthStatus::Unauthorized, "integrity-mismatch");
  }

  // 4.–6. Candidate keys: REST secrets (username with a valid timestamp), then static users.
  static const CredentialStore s_empty;
  const CredentialStore& store = d_store ? *d_store : s_empty;
  bool known = false;
  const char* unknownReason = "unknown-user";
  if (store.rest.enabled()) {
    RestUsername parsed;
    auto check = store.rest.check(*username, now, &parsed);
    if (check == RestCredentials::Check::Valid) {
      known = true;
      for (const std::string& secret : store.rest.settings().secrets) {
        auto key = deriveKey(algorithm, *username, d_realm, restPassword(secret, *username));
        if (verifies(key)) {
          Credential credential;
          credential.username = std::string(*username);
          credential.realUserId = std::string(parsed.userId.empty() ? *username : parsed.userId);
          credential.key = std::move(key);
          credential.algorithm = algorithm;
          credential.generation = d_generation;
          credential.expiry = parsed.expiry;
          return accept(std::move(credential));
        }
      }
    }
    else if (check != RestCredentials::Check::NotRest) {
      unknownReason = restCheckName(check);
    }
  }
  if (const StaticUsers::Entry* entry = store.users.find(*username)) {
    known = true;
    stun::IntegrityKey key;
    if (entry->password) {
      key = deriveKey(algorithm, *username, d_realm, *entry->password);
    }
    else if (entry->md5Key && algorithm == PasswordAlgorithm::Md5) {
      key = stun::IntegrityKey(*entry->md5Key);
    }
    if (key.valid() && verifies(key)) {
      Credential credential;
      credential.username = std::string(*username);
      credential.realUserId = credential.username;
      credential.key = std::move(key);
      credential.algorithm = algorithm;
      credential.generation = d_generation;
      return accept(std::move(credential));
    }
  }
  return deny(AuthStatus::Unauthorized, known ? "integrity-mismatch" : unknownReason);
}

}
