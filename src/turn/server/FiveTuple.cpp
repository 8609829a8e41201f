#include "turn/server/FiveTuple.hpp"

#include "common/crypto/Crypto.hpp"

namespace talk::turn {

const char* transportName(Transport transport)
{
  switch (transport) {
  case Transport::Udp:
    return "udp";
  case Transport::Tcp:
    return "tcp";
  case Transport::Tls:
    return "tls";
  }
  return "?";
}

AddressKey AddressKey::from(const SocketAddress& address)
{
  AddressKey key;
  if (address.isV4()) {
    key.family = 4;
    std::memcpy(key.ip.data(), address.addressBytes(), 4);
  }
  else if (address.isV6()) {
    key.family = 6;
    std::memcpy(key.ip.data(), address.addressBytes(), 16);
  }
  key.port = address.port();
  return key;
}

uint64_t hashSeed()
{
  // Initialised once, thread-safe (magic static); every worker uses the same seed.
  static const uint64_t seed = [] {
    uint64_t value = 0;
    crypto::randomBytes({reinterpret_cast<uint8_t*>(&value), sizeof(value)});
    return value | 1;
  }();
  return seed;
}

namespace {

inline uint64_t mix(uint64_t h, uint64_t v)
{
  h ^= v;
  h *= 0xFF51AFD7ED558CCDULL;
  h ^= h >> 32;
  return h;
}

}

uint64_t hashAddressKey(const AddressKey& key)
{
  uint64_t a = 0;
  uint64_t b = 0;
  std::memcpy(&a, key.ip.data(), 8);
  std::memcpy(&b, key.ip.data() + 8, 8);
  uint64_t h = hashSeed();
  h = mix(h, a);
  h = mix(h, b);
  h = mix(h, static_cast<uint64_t>(key.port) << 8 | key.family);
  return h;
}

}
