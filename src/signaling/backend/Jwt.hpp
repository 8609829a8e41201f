#pragma once
// Hello v2 token verification (signaling-protocol.md §3.2, §15.4): compact JWS signed by
// Nextcloud with the key it publishes as capability `hello-v2-token-key`. Signatures are
// checked by OpenSSL (EVP_DigestVerify); ECDSA's JOSE r‖s form is converted to DER first.
// Nothing here implements a primitive.
#include "signaling/backend/Result.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

typedef struct evp_pkey_st EVP_PKEY;

namespace talk::signaling::backend {

// A public key for token verification: RSA, EC (P-256/384/521) or Ed25519.
class PublicKey
{
public:
  enum class Type
  {
    Rsa,
    Ec,
    Ed25519,
  };

  // From the capability value: a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) block, or for
  // Ed25519 the raw 32-byte key in standard base64 without armour. nullopt if unusable.
  static std::optional<PublicKey> parse(std::string_view text);

  Type type() const { return d_type; }
  // For EC keys: the size of one coordinate in bytes (32, 48, 66); 0 otherwise.
  size_t ecCoordinateSize() const { return d_ecSize; }
  EVP_PKEY* raw() const { return d_key.get(); }

private:
  struct Deleter
  {
    void operator()(EVP_PKEY* key) const noexcept;
  };
  PublicKey(std::shared_ptr<EVP_PKEY> key, Type type, size_t ecSize);

  std::shared_ptr<EVP_PKEY> d_key; // shared: copies of a PublicKey share the handle
  Type d_type;
  size_t d_ecSize;
};

struct TokenClaims
{
  std::string issuer;   // "iss" ("" if absent; not compared with the URL, as upstream)
  std::string subject;  // "sub": the user id, "" = guest
  int64_t issuedAt{0};  // "iat"
  int64_t expiresAt{0}; // "exp"
  int64_t notBefore{0}; // "nbf" (0 = absent)
  nlohmann::json userData; // "userdata" (null if absent)
};

inline constexpr int64_t TokenLeewaySeconds = 60;

// Verifies signature and time claims. Errors (ClientError codes):
//   invalid_token        malformed token, alg not in RS256/384/512, ES256/384/512, EdDSA
//                        (incl. "none"), alg that does not fit the key, bad signature
//   token_not_valid_yet  iat missing or > now + leeway, nbf > now + leeway
//   token_expired        exp missing, exp < now - leeway, exp < iat
std::optional<ClientError> checkTokenTimes(const TokenClaims& claims, bool hasIat, bool hasExp, int64_t nowUnix,
                                           int64_t leeway = TokenLeewaySeconds);
Result<TokenClaims> verifyHelloToken(std::string_view token, const PublicKey& key, int64_t nowUnix,
                                     int64_t leeway = TokenLeewaySeconds);

// Base64url without padding (RFC 7515 §2); nullopt on bad input. Exposed for tests.
std::optional<std::string> base64UrlDecode(std::string_view text);
std::string base64UrlEncode(std::string_view data);

}
