#include "signaling/backend/Jwt.hpp"

#include "common/crypto/Crypto.hpp"
#include "common/util/CHandle.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cctype>
#include <cmath>
#include <limits>
#include <vector>

namespace talk::signaling::backend {

namespace {

constexpr size_t MaxTokenSize = 64 * 1024;

struct Algorithm
{
  std::string_view name;
  const EVP_MD* (*digest)();
  PublicKey::Type keyType;
  size_t ecSize; // ES*: coordinate size the key must have
};

const EVP_MD* noDigest()
{
  return nullptr;
}

constexpr Algorithm Algorithms[] = {
  {"RS256", &EVP_sha256, PublicKey::Type::Rsa, 0},
  {"RS384", &EVP_sha384, PublicKey::Type::Rsa, 0},
  {"RS512", &EVP_sha512, PublicKey::Type::Rsa, 0},
  {"ES256", &EVP_sha256, PublicKey::Type::Ec, 32},
  {"ES384", &EVP_sha384, PublicKey::Type::Ec, 48},
  {"ES512", &EVP_sha512, PublicKey::Type::Ec, 66},
  {"EdDSA", &noDigest, PublicKey::Type::Ed25519, 0},
};

ClientError invalid(std::string message)
{
  return makeError(codes::InvalidToken, std::move(message));
}

// JOSE ECDSA signatures are r‖s, fixed width; OpenSSL verifies DER.
std::optional<std::vector<uint8_t>> joseToDer(const std::string& sig, size_t coordinate)
{
  if (sig.size() != 2 * coordinate) {
    return std::nullopt;
  }
  CHandle<ECDSA_SIG, ECDSA_SIG_free> ecSig(ECDSA_SIG_new());
  if (!ecSig) {
    return std::nullopt;
  }
  const auto* raw = reinterpret_cast<const unsigned char*>(sig.data());
  BIGNUM* r = BN_bin2bn(raw, static_cast<int>(coordinate), nullptr);
  BIGNUM* s = BN_bin2bn(raw + coordinate, static_cast<int>(coordinate), nullptr);
  if (r == nullptr || s == nullptr || ECDSA_SIG_set0(ecSig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  int len = i2d_ECDSA_SIG(ecSig.get(), nullptr);
  if (len <= 0) {
    return std::nullopt;
  }
  std::vector<uint8_t> der(static_cast<size_t>(len));
  unsigned char* out = der.data();
  if (i2d_ECDSA_SIG(ecSig.get(), &out) != len) {
    return std::nullopt;
  }
  return der;
}

// A JSON number claim as whole seconds; false when present but not a finite number.
bool readTime(const nlohmann::json& claims, const char* key, bool& present, int64_t& out)
{
  auto it = claims.find(key);
  present = false;
  if (it == claims.end() || it->is_null()) {
    return true;
  }
  if (it->is_number_integer()) {
    present = true;
    out = it->get<int64_t>();
    return true;
  }
  if (it->is_number_float()) {
    double value = it->get<double>();
    if (!std::isfinite(value) || std::fabs(value) > 1e15) {
      return false;
    }
    present = true;
    out = static_cast<int64_t>(value);
    return true;
  }
  return false;
}

}

void PublicKey::Deleter::operator()(EVP_PKEY* key) const noexcept
{
  EVP_PKEY_free(key);
}

PublicKey::PublicKey(std::shared_ptr<EVP_PKEY> key, Type type, size_t ecSize) :
  d_key(std::move(key)), d_type(type), d_ecSize(ecSize)
{
}

std::optional<PublicKey> PublicKey::parse(std::string_view input)
{
  // Trim surrounding white space (capabilities often end the PEM with a newline).
  while (!input.empty() && std::isspace(static_cast<unsigned char>(input.front())) != 0) {
    input.remove_prefix(1);
  }
  while (!input.empty() && std::isspace(static_cast<unsigned char>(input.back())) != 0) {
    input.remove_suffix(1);
  }
  if (input.empty() || input.size() > 16384) {
    return std::nullopt;
  }
  EVP_PKEY* key = nullptr;
  if (input.starts_with("-----BEGIN")) {
    CHandle<BIO, BIO_free> bio(BIO_new_mem_buf(input.data(), static_cast<int>(input.size())));
    if (!bio) {
      return std::nullopt;
    }
    key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  }
  else {
    std::string text(input);
    while (text.size() % 4 != 0) {
      text.push_back('=');
    }
    std::optional<std::vector<uint8_t>> raw = crypto::base64Decode(text);
    if (!raw || raw->size() != 32) {
      return std::nullopt;
    }
    key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw->data(), raw->size());
  }
  if (key == nullptr) {
    return std::nullopt;
  }
  std::shared_ptr<EVP_PKEY> shared(key, Deleter{});
  switch (EVP_PKEY_get_base_id(key)) {
  case EVP_PKEY_RSA:
    return PublicKey(std::move(shared), Type::Rsa, 0);
  case EVP_PKEY_EC: {
    int bits = EVP_PKEY_get_bits(key);
    if (bits != 256 && bits != 384 && bits != 521) {
      return std::nullopt;
    }
    return PublicKey(std::move(shared), Type::Ec, static_cast<size_t>((bits + 7) / 8));
  }
  case EVP_PKEY_ED25519:
    return PublicKey(std::move(shared), Type::Ed25519, 0);
  default:
    return std::nullopt;
  }
}

std::optional<std::string> base64UrlDecode(std::string_view text)
{
  if (text.size() % 4 == 1) {
    return std::nullopt;
  }
  std::string standard;
  standard.reserve(text.size() + 3);
  for (char c : text) {
    if (c == '-') {
      standard.push_back('+');
    }
    else if (c == '_') {
      standard.push_back('/');
    }
    else if (c == '+' || c == '/' || c == '=') {
      return std::nullopt;
    }
    else {
      standard.push_back(c);
    }
  }
  while (standard.size() % 4 != 0) {
    standard.push_back('=');
  }
  std::optional<std::vector<uint8_t>> raw = crypto::base64Decode(standard);
  if (!raw) {
    return std::nullopt;
  }
  return std::string(raw->begin(), raw->end());
}

std::string base64UrlEncode(std::string_view data)
{
  std::string text = crypto::base64Encode(crypto::bytes(data));
  while (!text.empty() && text.back() == '=') {
    text.pop_back();
  }
  for (char& c : text) {
    if (c == '+') {
      c = '-';
    }
    else if (c == '/') {
      c = '_';
    }
  }
  return text;
}

std::optional<ClientError> checkTokenTimes(const TokenClaims& claims, bool hasIat, bool hasExp, int64_t now,
                                           int64_t leeway)
{
  if (!hasIat) {
    return makeError(codes::TokenNotValidYet, "The token has no issued-at time.");
  }
  if (claims.issuedAt > now + leeway) {
    return makeError(codes::TokenNotValidYet, "The token was issued in the future.");
  }
  if (claims.notBefore != 0 && claims.notBefore > now + leeway) {
    return makeError(codes::TokenNotValidYet, "The token is not valid yet.");
  }
  if (!hasExp) {
    return makeError(codes::TokenExpired, "The token has no expiry time.");
  }
  if (claims.expiresAt < claims.issuedAt) {
    return makeError(codes::TokenExpired, "The token expires before it was issued.");
  }
  if (claims.expiresAt < now - leeway) {
    return makeError(codes::TokenExpired, "The token has expired.");
  }
  return std::nullopt;
}

Result<TokenClaims> verifyHelloToken(std::string_view token, const PublicKey& key, int64_t now, int64_t leeway)
{
  if (token.empty() || token.size() > MaxTokenSize) {
    return invalid("The token is empty or too large.");
  }
  size_t dot1 = token.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return invalid("The token is not a compact JWS.");
  }
  std::string_view headerPart = token.substr(0, dot1);
  std::string_view payloadPart = token.substr(dot1 + 1, dot2 - dot1 - 1);
  std::string_view signaturePart = token.substr(dot2 + 1);

  std::optional<std::string> headerText = base64UrlDecode(headerPart);
  if (!headerText) {
    return invalid("The token header is not base64url.");
  }
  nlohmann::json header = nlohmann::json::parse(*headerText, nullptr, false);
  if (!header.is_object()) {
    return invalid("The token header is not a JSON object.");
  }
  auto algIt = header.find("alg");
  if (algIt == header.end() || !algIt->is_string()) {
    return invalid("The token header has no algorithm.");
  }
  const std::string& algName = algIt->get_ref<const std::string&>();
  const Algorithm* alg = nullptr;
  for (const Algorithm& candidate : Algorithms) {
    if (candidate.name == algName) {
      alg = &candidate;
    }
  }
  if (alg == nullptr) {
    return invalid("Unsupported token algorithm.");
  }
  if (alg->keyType != key.type() || (alg->keyType == PublicKey::Type::Ec && alg->ecSize != key.ecCoordinateSize())) {
    return invalid("The token algorithm does not match the Nextcloud key.");
  }

  std::optional<std::string> signature = base64UrlDecode(signaturePart);
  if (!signature || signature->empty()) {
    return invalid("The token signature is not base64url.");
  }
  std::vector<uint8_t> sigBytes;
  if (alg->keyType == PublicKey::Type::Ec) {
    std::optional<std::vector<uint8_t>> der = joseToDer(*signature, alg->ecSize);
    if (!der) {
      return invalid("The token signature has the wrong size.");
    }
    sigBytes = std::move(*der);
  }
  else {
    sigBytes.assign(signature->begin(), signature->end());
  }

  CHandle<EVP_MD_CTX, EVP_MD_CTX_free> ctx(EVP_MD_CTX_new());
  std::string_view signingInput = token.substr(0, dot2);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, alg->digest(), nullptr, key.raw()) != 1 ||
      EVP_DigestVerify(ctx.get(), sigBytes.data(), sigBytes.size(),
                       reinterpret_cast<const unsigned char*>(signingInput.data()), signingInput.size()) != 1) {
    ERR_clear_error();
    return invalid("The token signature is invalid.");
  }

  std::optional<std::string> payloadText = base64UrlDecode(payloadPart);
  if (!payloadText) {
    return invalid("The token payload is not base64url.");
  }
  nlohmann::json claimsJson = nlohmann::json::parse(*payloadText, nullptr, false);
  if (!claimsJson.is_object()) {
    return invalid("The token payload is not a JSON object.");
  }
  TokenClaims claims;
  auto stringClaim = [&](const char* name, std::string& out) {
    auto it = claimsJson.find(name);
    if (it == claimsJson.end() || it->is_null()) {
      return true;
    }
    if (!it->is_string()) {
      return false;
    }
    out = it->get<std::string>();
    return true;
  };
  if (!stringClaim("iss", claims.issuer) || !stringClaim("sub", claims.subject)) {
    return invalid("The token has a non-string iss or sub claim.");
  }
  bool hasIat = false;
  bool hasExp = false;
  bool hasNbf = false;
  if (!readTime(claimsJson, "iat", hasIat, claims.issuedAt) || !readTime(claimsJson, "exp", hasExp, claims.expiresAt) ||
      !readTime(claimsJson, "nbf", hasNbf, claims.notBefore)) {
    return invalid("The token has a non-numeric time claim.");
  }
  if (auto it = claimsJson.find("userdata"); it != claimsJson.end()) {
    claims.userData = *it;
  }
  if (std::optional<ClientError> timeError = checkTokenTimes(claims, hasIat, hasExp, now, leeway)) {
    return std::move(*timeError);
  }
  return claims;
}

}
