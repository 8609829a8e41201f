#pragma once
// The HMAC-SHA256 checks shared with Nextcloud (signaling-protocol.md §15). All of them go
// through common/crypto (OpenSSL); comparisons are constant-time; secrets are never logged.
#include <cstdint>
#include <string>
#include <string_view>

namespace talk::signaling::backend {

// §15.1: lowercase_hex(HMAC-SHA256(key = secret, message = random ‖ body)).
std::string backendChecksum(std::string_view secret, std::string_view random, std::string_view body);
// Constant-time comparison of `checksum` (as received, any case is refused: Talk sends
// lowercase) with the expected value.
bool verifyBackendChecksum(std::string_view secret, std::string_view random, std::string_view body,
                           std::string_view checksum);

// The Spreed-Signaling-Random value we send: 64 characters from the base32 alphabet
// A–Z2–7, from the OpenSSL CSPRNG (§12.1).
std::string makeBackendRandom();

// §15.2: internal client hello token = lowercase_hex(HMAC-SHA256(internalsecret, random)).
inline constexpr size_t MinInternalRandomLength = 32;
std::string internalClientToken(std::string_view secret, std::string_view random);
// False when random is shorter than MinInternalRandomLength or the token does not match.
bool verifyInternalClientToken(std::string_view secret, std::string_view random, std::string_view token);

// §15.3: TURN REST credentials as handed out by GET /turn/credentials.
struct TurnCredentials
{
  std::string username; // "<unix expiry>:<user>"
  std::string password; // base64(HMAC-SHA1(secret, username))
  int64_t ttl{0};       // seconds
};
inline constexpr int64_t TurnCredentialValidity = 86400;
TurnCredentials makeTurnCredentials(std::string_view secret, std::string_view user, int64_t nowUnix,
                                    int64_t ttl = TurnCredentialValidity);

}
