#include "signaling/backend/Checksum.hpp"

#include "common/crypto/Crypto.hpp"

#include <array>

namespace talk::signaling::backend {

std::string backendChecksum(std::string_view secret, std::string_view random, std::string_view body)
{
  // HMAC over the concatenation; one buffer keeps the OpenSSL call one-shot.
  std::string message;
  message.reserve(random.size() + body.size());
  message.append(random);
  message.append(body);
  crypto::Sha256Digest mac = crypto::hmacSha256(crypto::bytes(secret), crypto::bytes(message));
  return crypto::hexEncode(mac);
}

bool verifyBackendChecksum(std::string_view secret, std::string_view random, std::string_view body,
                           std::string_view checksum)
{
  std::string expected = backendChecksum(secret, random, body);
  return crypto::constantTimeEquals(expected, checksum);
}

std::string makeBackendRandom()
{
  static constexpr char Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::array<uint8_t, 64> raw{};
  crypto::randomBytes(raw);
  std::string out(raw.size(), 'A');
  for (size_t i = 0; i < raw.size(); ++i) {
    out[i] = Alphabet[raw[i] & 31]; // 256 is a multiple of 32: no modulo bias
  }
  return out;
}

std::string internalClientToken(std::string_view secret, std::string_view random)
{
  return crypto::hexEncode(crypto::hmacSha256(crypto::bytes(secret), crypto::bytes(random)));
}

bool verifyInternalClientToken(std::string_view secret, std::string_view random, std::string_view token)
{
  if (random.size() < MinInternalRandomLength) {
    return false;
  }
  return crypto::constantTimeEquals(internalClientToken(secret, random), token);
}

TurnCredentials makeTurnCredentials(std::string_view secret, std::string_view user, int64_t nowUnix, int64_t ttl)
{
  TurnCredentials out;
  out.username = std::to_string(nowUnix + ttl) + ":" + std::string(user);
  out.password = crypto::base64Encode(crypto::hmacSha1(crypto::bytes(secret), crypto::bytes(out.username)));
  out.ttl = ttl;
  return out;
}

}
