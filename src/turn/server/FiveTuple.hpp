#pragma once
// Compact, hashable transport addresses for the per-packet tables. SocketAddress is 128
// bytes; these keys are 20 (address) and 44 (5-tuple) bytes and hash with a per-process
// seed, because clients choose their source addresses (style.md rule 6, hash flooding).
#include "common/net/SocketAddress.hpp"

#include <array>
#include <cstdint>
#include <cstring>

namespace talk::turn {

enum class Transport : uint8_t
{
  Udp = 0,
  Tcp = 1,
  Tls = 2,
};

const char* transportName(Transport transport);

struct AddressKey
{
  std::array<uint8_t, 16> ip{};
  uint16_t port{0};
  uint8_t family{0}; // 4 or 6; 0 = unset

  static AddressKey from(const SocketAddress& address);
  // Same key with the port cleared (permissions are per IP).
  AddressKey ipOnly() const
  {
    AddressKey key = *this;
    key.port = 0;
    return key;
  }
  bool operator==(const AddressKey& other) const = default;
};

// The allocation key. `listener` identifies the server side (the socket that received the
// request) instead of its address, because a wildcard socket does not tell us the local IP
// cheaply and the allocation is tied to the socket anyway.
struct FiveTuple
{
  AddressKey client;
  uint32_t listener{0};
  Transport transport{Transport::Udp};

  bool operator==(const FiveTuple& other) const = default;
};

// Seeded 64-bit mixing; the seed is random per process (see hashSeed()).
uint64_t hashSeed();
uint64_t hashAddressKey(const AddressKey& key);

struct AddressKeyHash
{
  size_t operator()(const AddressKey& key) const { return hashAddressKey(key); }
};

struct FiveTupleHash
{
  size_t operator()(const FiveTuple& tuple) const
  {
    uint64_t h = hashAddressKey(tuple.client);
    h ^= (static_cast<uint64_t>(tuple.listener) << 8 | static_cast<uint64_t>(tuple.transport)) * 0x9E3779B97F4A7C15ULL;
    return static_cast<size_t>(h ^ (h >> 29));
  }
};

}
