#include "common/crypto/Crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <cstdio>

namespace talk::crypto {

namespace {

template <size_t N>
std::array<uint8_t, N> hmac(const EVP_MD* md, std::span<const uint8_t> key, std::span<const uint8_t> data)
{
  std::array<uint8_t, N> out{};
  unsigned int len = 0;
  // HMAC() accepts a null key pointer only with length 0; give it a valid address always.
  static const uint8_t empty = 0;
  if (HMAC(md, key.empty() ? &empty : key.data(), static_cast<int>(key.size()), data.empty() ? &empty : data.data(), data.size(), out.data(), &len) == nullptr || len != N) {
    std::fputs("talk: OpenSSL HMAC failed\n", stderr);
    std::abort();
  }
  return out;
}

template <size_t N>
std::array<uint8_t, N> digest(const EVP_MD* md, std::span<const uint8_t> data)
{
  std::array<uint8_t, N> out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1 || len != N) {
    std::fputs("talk: OpenSSL digest failed\n", stderr);
    std::abort();
  }
  return out;
}

}

Sha1Digest hmacSha1(std::span<const uint8_t> key, std::span<const uint8_t> data)
{
  return hmac<20>(EVP_sha1(), key, data);
}

Sha256Digest hmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data)
{
  return hmac<32>(EVP_sha256(), key, data);
}

Md5Digest md5(std::span<const uint8_t> data)
{
  return digest<16>(EVP_md5(), data);
}

Sha256Digest sha256(std::span<const uint8_t> data)
{
  return digest<32>(EVP_sha256(), data);
}

void randomBytes(std::span<uint8_t> out)
{
  if (!out.empty() && RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    std::fputs("talk: OpenSSL RAND_bytes failed\n", stderr);
    std::abort();
  }
}

std::string randomToken(size_t length)
{
  static constexpr char Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::vector<uint8_t> raw(length);
  randomBytes(raw);
  std::string out;
  out.reserve(length);
  for (uint8_t b : raw) {
    out.push_back(Alphabet[b & 63]);
  }
  return out;
}

std::string base64Encode(std::span<const uint8_t> data)
{
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(), static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::vector<uint8_t>> base64Decode(std::string_view text)
{
  if (text.size() % 4 != 0) {
    return std::nullopt;
  }
  for (char c : text) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
    if (!ok) {
      return std::nullopt;
    }
  }
  std::vector<uint8_t> out(3 * text.size() / 4 + 1);
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) {
    return std::nullopt;
  }
  // EVP_DecodeBlock counts padding bytes as output; remove them.
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') {
    padding = (text.size() >= 2 && text[text.size() - 2] == '=') ? 2 : 1;
  }
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

std::string hexEncode(std::span<const uint8_t> data)
{
  static constexpr char Digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (uint8_t b : data) {
    out.push_back(Digits[b >> 4]);
    out.push_back(Digits[b & 15]);
  }
  return out;
}

bool constantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b)
{
  if (a.size() != b.size()) {
    return false;
  }
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

uint32_t crc32(std::span<const uint8_t> data)
{
  uLong crc = ::crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths; feed large inputs in pieces.
  while (!data.empty()) {
    uInt chunk = static_cast<uInt>(std::min<size_t>(data.size(), 1U << 30));
    crc = ::crc32(crc, data.data(), chunk);
    data = data.subspan(chunk);
  }
  return static_cast<uint32_t>(crc);
}

}
