#include "turn/stun/IntegrityKey.hpp"

#include "common/util/CHandle.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace talk::turn::stun {

namespace {

using MacCtx = CHandle<EVP_MAC_CTX, EVP_MAC_CTX_free>;

[[noreturn]] void die(const char* what) noexcept
{
  std::fprintf(stderr, "talk: OpenSSL %s failed\n", what);
  std::abort();
}

EVP_MAC* hmacAlgorithm() noexcept
{
  // Fetched once per process; the provider lookup is the expensive part of one-shot HMAC().
  static EVP_MAC* const s_mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (s_mac == nullptr) {
    die("EVP_MAC_fetch(HMAC)");
  }
  return s_mac;
}

MacCtx makeContext(const char* digest, std::span<const uint8_t> key) noexcept
{
  MacCtx ctx(EVP_MAC_CTX_new(hmacAlgorithm()));
  if (!ctx) {
    die("EVP_MAC_CTX_new");
  }
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
    OSSL_PARAM_construct_end(),
  };
  static const uint8_t empty = 0;
  if (EVP_MAC_init(ctx.get(), key.empty() ? &empty : key.data(), key.size(), params) != 1) {
    die("EVP_MAC_init");
  }
  return ctx;
}

template <size_t N>
std::array<uint8_t, N> compute(EVP_MAC_CTX* ctx, std::initializer_list<std::span<const uint8_t>> chunks) noexcept
{
  // Re-initialising with a null key keeps the prepared inner/outer pad state from the first
  // init, so each message costs only the hashing itself.
  if (EVP_MAC_init(ctx, nullptr, 0, nullptr) != 1) {
    die("EVP_MAC_init");
  }
  for (auto chunk : chunks) {
    if (!chunk.empty() && EVP_MAC_update(ctx, chunk.data(), chunk.size()) != 1) {
      die("EVP_MAC_update");
    }
  }
  std::array<uint8_t, N> out{};
  size_t len = 0;
  if (EVP_MAC_final(ctx, out.data(), &len, out.size()) != 1 || len != N) {
    die("EVP_MAC_final");
  }
  return out;
}

}

struct IntegrityKey::State
{
  MacCtx sha1;
  MacCtx sha256; // created on first use: most keys never need it
};

IntegrityKey::IntegrityKey() noexcept = default;

IntegrityKey::IntegrityKey(std::span<const uint8_t> key) :
  d_size(std::min(key.size(), MaxKeySize))
{
  std::memcpy(d_key.data(), key.data(), d_size);
  d_state = std::make_shared<State>();
  d_state->sha1 = makeContext("SHA1", bytes());
}

IntegrityKey::~IntegrityKey()
{
  // Keys are secrets; do not leave them in freed memory.
  OPENSSL_cleanse(d_key.data(), d_key.size());
}

IntegrityKey::IntegrityKey(const IntegrityKey& other) = default;
IntegrityKey& IntegrityKey::operator=(const IntegrityKey& other) = default;

IntegrityKey::IntegrityKey(IntegrityKey&& other) noexcept :
  d_key(other.d_key), d_size(other.d_size), d_state(std::move(other.d_state))
{
  other.d_size = 0;
}

IntegrityKey& IntegrityKey::operator=(IntegrityKey&& other) noexcept
{
  if (this != &other) {
    d_key = other.d_key;
    d_size = other.d_size;
    d_state = std::move(other.d_state);
    other.d_size = 0;
  }
  return *this;
}

crypto::Sha1Digest IntegrityKey::hmacSha1(std::initializer_list<std::span<const uint8_t>> chunks) const noexcept
{
  if (!d_state) {
    // An empty key: still a well-defined HMAC (never matches a real one), no state needed.
    MacCtx ctx = makeContext("SHA1", {});
    return compute<20>(ctx.get(), chunks);
  }
  return compute<20>(d_state->sha1.get(), chunks);
}

crypto::Sha256Digest IntegrityKey::hmacSha256(std::initializer_list<std::span<const uint8_t>> chunks) const noexcept
{
  if (!d_state) {
    MacCtx ctx = makeContext("SHA256", {});
    return compute<32>(ctx.get(), chunks);
  }
  if (!d_state->sha256) {
    d_state->sha256 = makeContext("SHA256", bytes());
  }
  return compute<32>(d_state->sha256.get(), chunks);
}

}
