#pragma once
// Thin, allocation-light helpers over OpenSSL (and zlib for CRC-32). Nothing here
// implements a primitive itself: we only choose the library call and own its handles.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace talk::crypto {

using Sha1Digest = std::array<uint8_t, 20>;
using Sha256Digest = std::array<uint8_t, 32>;
using Md5Digest = std::array<uint8_t, 16>;

inline std::span<const uint8_t> bytes(std::string_view s)
{
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Sha1Digest hmacSha1(std::span<const uint8_t> key, std::span<const uint8_t> data);
Sha256Digest hmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data);
Md5Digest md5(std::span<const uint8_t> data);
Sha256Digest sha256(std::span<const uint8_t> data);

// Fills `out` from the OpenSSL CSPRNG; aborts if the generator fails (cannot continue safely).
void randomBytes(std::span<uint8_t> out);
// A random string of `length` characters from the URL-safe base64 alphabet.
std::string randomToken(size_t length);

std::string base64Encode(std::span<const uint8_t> data);
// Standard alphabet with padding; nullopt on any malformed input.
std::optional<std::vector<uint8_t>> base64Decode(std::string_view text);

std::string hexEncode(std::span<const uint8_t> data);

// Compares in time that depends only on the lengths, never on the contents.
bool constantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b);
inline bool constantTimeEquals(std::string_view a, std::string_view b)
{
  return constantTimeEquals(bytes(a), bytes(b));
}

// IEEE 802.3 CRC-32 (as zlib computes it), used by STUN FINGERPRINT.
uint32_t crc32(std::span<const uint8_t> data);

}
