#include "turn/auth/NonceManager.hpp"

#include "common/crypto/Crypto.hpp"
#include "common/util/ByteWriter.hpp"

#include <algorithm>
#include <cstring>

namespace talk::turn::auth {

namespace {

// Nonces from a node whose clock runs slightly ahead are still accepted.
constexpr int64_t AllowedClockSkewSeconds = 5;
constexpr size_t TimeDigits = 16;
constexpr char HexDigits[] = "0123456789abcdef";

int hexValue(char c) noexcept
{
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1;
}

}

namespace {

crypto::Sha256Digest nonceKey(std::span<const uint8_t> configured)
{
  crypto::Sha256Digest key{};
  if (configured.empty()) {
    crypto::randomBytes(key);
  }
  else {
    // Any configured secret length works: hash it to the 32-byte MAC key.
    key = crypto::sha256(configured);
  }
  return key;
}

}

NonceManager::NonceManager(const Clock& clock, std::span<const uint8_t> key, int64_t lifetimeSeconds) :
  d_clock(clock), d_mac(nonceKey(key)), d_lifetime(std::max<int64_t>(lifetimeSeconds, 0))
{
}

std::array<uint8_t, 16> NonceManager::mac(const SocketAddress& client, uint64_t issued) const noexcept
{
  // family | port | address | issue time: a nonce is only good for the client it was sent to.
  std::array<uint8_t, 1 + 2 + 16 + 8> input{};
  input[0] = static_cast<uint8_t>(client.isV4() ? 4 : client.isV6() ? 6 : 0);
  ByteWriter::storeU16(input, 1, client.port());
  if (client.valid()) {
    std::memcpy(input.data() + 3, client.addressBytes(), client.addressLength());
  }
  ByteWriter::storeU32(input, 19, static_cast<uint32_t>(issued >> 32));
  ByteWriter::storeU32(input, 23, static_cast<uint32_t>(issued));
  auto full = d_mac.hmacSha256({input});
  std::array<uint8_t, 16> out{};
  std::memcpy(out.data(), full.data(), out.size());
  return out;
}

std::string NonceManager::issue(const SocketAddress& client) const
{
  const uint64_t now = static_cast<uint64_t>(std::max<int64_t>(d_clock.unixSeconds(), 0));
  std::string nonce;
  nonce.reserve(NonceLength);
  for (int shift = 60; shift >= 0; shift -= 4) {
    nonce.push_back(HexDigits[(now >> shift) & 0xF]);
  }
  nonce += crypto::hexEncode(mac(client, now));
  return nonce;
}

NonceManager::Status NonceManager::validate(std::string_view nonce, const SocketAddress& client) const noexcept
{
  if (nonce.size() != NonceLength) {
    return Status::Invalid;
  }
  uint64_t issued = 0;
  for (size_t i = 0; i < TimeDigits; ++i) {
    const int v = hexValue(nonce[i]);
    if (v < 0) {
      return Status::Invalid;
    }
    issued = (issued << 4) | static_cast<uint64_t>(v);
  }
  std::array<uint8_t, 16> received{};
  for (size_t i = 0; i < received.size(); ++i) {
    const int hi = hexValue(nonce[TimeDigits + 2 * i]);
    const int lo = hexValue(nonce[TimeDigits + 2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return Status::Invalid;
    }
    received[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  if (!crypto::constantTimeEquals(mac(client, issued), received)) {
    return Status::Invalid;
  }
  const int64_t now = d_clock.unixSeconds();
  if (issued > static_cast<uint64_t>(INT64_MAX) || static_cast<int64_t>(issued) > now + AllowedClockSkewSeconds) {
    return Status::Invalid;
  }
  if (d_lifetime > 0 && now - static_cast<int64_t>(issued) > d_lifetime) {
    return Status::Stale;
  }
  return Status::Valid;
}

const char* nonceStatusName(NonceManager::Status status) noexcept
{
  switch (status) {
  case NonceManager::Status::Valid:
    return "valid";
  case NonceManager::Status::Stale:
    return "stale";
  case NonceManager::Status::Invalid:
    return "invalid";
  }
  return "?";
}

}
