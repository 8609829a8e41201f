#include "turn/server/Allocation.hpp"

#include <algorithm>

namespace talk::turn {

Allocation::Allocation(uint64_t id, const FiveTuple& tuple, const SocketAddress& client) :
  d_id(id), d_tuple(tuple), d_client(client)
{
}

bool Allocation::hasPermission(const AddressKey& ip, double now) const
{
  for (const Permission& p : d_permissions) {
    if (p.ip == ip) {
      return p.expires > now;
    }
  }
  return false;
}

void Allocation::installPermission(const AddressKey& ip, double now)
{
  const AddressKey key = ip.ipOnly();
  for (Permission& p : d_permissions) {
    if (p.ip == key) {
      p.expires = now + PermissionLifetime;
      return;
    }
  }
  d_permissions.push_back(Permission{key, now + PermissionLifetime});
}

namespace {

// Channel numbers are usually consecutive from 0x4000: the low bits alone spread them.
size_t channelSlot(uint16_t number, size_t mask)
{
  return static_cast<size_t>(number) & mask;
}

}

const ChannelBinding* Allocation::channelByNumber(uint16_t number, double now) const
{
  const size_t size = d_channelSlots.size();
  if (size == 0) {
    return nullptr; // no channels
  }
  const size_t mask = size - 1;
  // The table is at most half full, so the probe always reaches an empty slot.
  for (size_t slot = channelSlot(number, mask);; slot = (slot + 1) & mask) {
    const uint16_t entry = d_channelSlots[slot];
    if (entry == 0) {
      return nullptr;
    }
    const ChannelBinding& c = d_channels[entry - 1U];
    if (c.number == number) {
      return c.expires > now ? &c : nullptr;
    }
  }
}

void Allocation::rebuildChannelIndex()
{
  if (d_channels.empty()) {
    d_channelSlots.clear();
    d_channelSlots.shrink_to_fit();
    d_peerSlots.clear();
    d_peerSlots.shrink_to_fit();
    return;
  }
  size_t size = 4;
  while (size < 2 * d_channels.size()) {
    size *= 2;
  }
  d_channelSlots.assign(size, 0);
  if (d_channels.size() > LinearPeerLookup) {
    d_peerSlots.assign(size, 0);
  }
  else {
    d_peerSlots.clear();
  }
  const size_t mask = size - 1;
  for (size_t i = 0; i < d_channels.size(); ++i) {
    size_t slot = channelSlot(d_channels[i].number, mask);
    while (d_channelSlots[slot] != 0) {
      slot = (slot + 1) & mask;
    }
    d_channelSlots[slot] = static_cast<uint16_t>(i + 1);
    if (d_peerSlots.empty()) {
      continue;
    }
    slot = static_cast<size_t>(hashAddressKey(d_channels[i].peerKey)) & mask;
    while (d_peerSlots[slot] != 0) {
      slot = (slot + 1) & mask;
    }
    d_peerSlots[slot] = static_cast<uint16_t>(i + 1);
  }
}

const ChannelBinding* Allocation::channelByPeer(const AddressKey& peer, double now) const
{
  const size_t size = d_peerSlots.size();
  if (size == 0) {
    // A few channels (the usual Talk case: one): comparing them costs less than hashing.
    for (const ChannelBinding& c : d_channels) {
      if (c.peerKey == peer) {
        return c.expires > now ? &c : nullptr;
      }
    }
    return nullptr;
  }
  const size_t mask = size - 1;
  // Seeded hash: peers choose their source addresses, so a predictable slot would let one
  // peer lengthen every probe (style.md rule 6).
  for (size_t slot = static_cast<size_t>(hashAddressKey(peer)) & mask;; slot = (slot + 1) & mask) {
    const uint16_t entry = d_peerSlots[slot];
    if (entry == 0) {
      return nullptr;
    }
    const ChannelBinding& c = d_channels[entry - 1U];
    if (c.peerKey == peer) {
      return c.expires > now ? &c : nullptr;
    }
  }
}

bool Allocation::bindChannel(uint16_t number, const SocketAddress& peer, double now)
{
  const AddressKey key = AddressKey::from(peer);
  ChannelBinding* same = nullptr;
  for (ChannelBinding& c : d_channels) {
    // An expired binding still blocks its number/peer until swept; RFC 8656 even keeps
    // it 5 more minutes. Conflicts with any live or not-yet-swept binding are refused.
    const bool numberMatch = c.number == number;
    const bool peerMatch = c.peerKey == key;
    if (numberMatch && peerMatch) {
      same = &c;
    }
    else if (numberMatch || peerMatch) {
      if (c.expires > now) {
        return false;
      }
    }
  }
  if (same != nullptr) {
    same->expires = now + ChannelLifetime;
  }
  else {
    // Drop expired bindings that would otherwise conflict with the new one.
    std::erase_if(d_channels, [&](const ChannelBinding& c) {
      return c.expires <= now && (c.number == number || c.peerKey == key);
    });
    d_channels.push_back(ChannelBinding{number, peer, key, now + ChannelLifetime});
    rebuildChannelIndex();
  }
  installPermission(key, now);
  return true;
}

void Allocation::sweep(double now)
{
  std::erase_if(d_permissions, [now](const Permission& p) { return p.expires <= now; });
  if (std::erase_if(d_channels, [now](const ChannelBinding& c) { return c.expires <= now; }) != 0) {
    rebuildChannelIndex();
  }
}

double Allocation::nextExpiry() const
{
  double next = expires;
  for (const Permission& p : d_permissions) {
    next = std::min(next, p.expires);
  }
  for (const ChannelBinding& c : d_channels) {
    next = std::min(next, c.expires);
  }
  return next;
}

bool Allocation::consumeBandwidth(size_t bytes, double now, uint64_t bytesPerSecond)
{
  if (bytesPerSecond == 0) {
    return true;
  }
  const auto rate = static_cast<double>(bytesPerSecond);
  if (d_lastRefill < 0) {
    d_lastRefill = now;
    d_tokens = rate;
  }
  else if (now > d_lastRefill) {
    // Burst up to one second's worth.
    d_tokens = std::min(rate, d_tokens + (now - d_lastRefill) * rate);
    d_lastRefill = now;
  }
  if (d_tokens < static_cast<double>(bytes)) {
    return false;
  }
  d_tokens -= static_cast<double>(bytes);
  return true;
}

RelaySocket* Allocation::relayForFamily(int family) const
{
  for (const auto& relay : relays) {
    if (relay && relay->local().family() == family) {
      return relay.get();
    }
  }
  return nullptr;
}

}
