#pragma once
// One TURN allocation (spec §2, §5): its relayed transport address(es), permissions and
// channel bindings, lifetime, and the credential it was created with. Domain object: the
// sockets are owned here but read and written by the worker; all times are loop seconds.
// Permissions are a short vector scanned linearly: a Talk client has a handful of peers.
// Channels are looked up by number for every ChannelData packet and by peer for every
// packet a peer sends, so they also get small open-addressing indexes (rebuilt on the rare
// bind/sweep, never allocated per packet); by peer only above a few channels, where a scan
// would start to cost more than one hash.
#include "turn/auth/Authenticator.hpp"
#include "turn/server/FiveTuple.hpp"
#include "turn/server/RelaySocket.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace talk::turn {

class PortAllocator;
class StreamConnection;
class UdpListener;

struct Permission
{
  AddressKey ip; // port 0
  double expires{0};
};

struct ChannelBinding
{
  uint16_t number{0};
  SocketAddress peer;
  AddressKey peerKey;
  double expires{0};
};

class Allocation
{
public:
  static constexpr double PermissionLifetime = 300;
  static constexpr double ChannelLifetime = 600;

  Allocation(uint64_t id, const FiveTuple& tuple, const SocketAddress& client);
  Allocation(const Allocation&) = delete;
  Allocation& operator=(const Allocation&) = delete;

  uint64_t id() const { return d_id; }
  const FiveTuple& tuple() const { return d_tuple; }
  const SocketAddress& client() const { return d_client; }

  bool hasPermission(const AddressKey& ip, double now) const;
  // Installs or refreshes the permission for ip (port ignored).
  void installPermission(const AddressKey& ip, double now);
  const ChannelBinding* channelByNumber(uint16_t number, double now) const;
  const ChannelBinding* channelByPeer(const AddressKey& peer, double now) const;
  // Binds or refreshes (number, peer); false when number is bound to another peer or peer
  // to another number (spec §2.5 → 400). Also refreshes the permission for the peer IP.
  bool bindChannel(uint16_t number, const SocketAddress& peer, double now);
  // Removes expired permissions and channels.
  void sweep(double now);
  // Earliest expiry of the allocation, a permission or a channel.
  double nextExpiry() const;
  size_t permissionCount() const { return d_permissions.size(); }
  size_t channelCount() const { return d_channels.size(); }

  // Token bucket for the per-allocation bandwidth cap (bytes per second, 0 = none).
  // Returns false when `bytes` exceed the budget (the packet is dropped).
  bool consumeBandwidth(size_t bytes, double now, uint64_t bytesPerSecond);

  // Where the relay sockets of this allocation are (index 0, and 1 for dual allocation).
  RelaySocket* relayForFamily(int family) const;

  // State (public: the worker and manager manage it directly; the invariants above are
  // kept by the methods)
  double expires{0};
  int64_t scheduledWake{-1}; // the wheel second the manager last scheduled
  UdpListener* udp{nullptr};
  StreamConnection* stream{nullptr};
  auth::Credential credential;
  std::array<std::unique_ptr<RelaySocket>, 2> relays;
  std::array<SocketAddress, 2> advertised;   // XOR-RELAYED-ADDRESS (external mapping applied)
  std::array<PortAllocator*, 2> portOwners{}; // who to give each relay port back to
  // Retransmission cache of the Allocate success (spec §2.2 step 2).
  std::array<uint8_t, 12> allocateTransaction{};
  std::vector<uint8_t> allocateResponse;
  double allocateResponseExpires{0};
  uint64_t reservationToken{0}; // token this allocation handed out (EVEN-PORT R=1)
  PortAllocator* reservationOwner{nullptr};

private:
  void rebuildChannelIndex();

  // State
  uint64_t d_id;
  FiveTuple d_tuple;
  SocketAddress d_client;
  std::vector<Permission> d_permissions;
  std::vector<ChannelBinding> d_channels;
  // Open-addressing index of d_channels by number: slot holds position + 1 (0 = empty);
  // size a power of two ≥ 2 × channels (at least 4), empty (nothing allocated) without
  // channels. 8 bytes for a typical allocation with 1-2 channels, where a table indexed
  // directly by number - 0x4000 would cost 16-32 KiB for each allocation with a channel.
  std::vector<uint16_t> d_channelSlots;
  // The same for the peer transport address (seeded hash of peerKey), same size; only with
  // more than LinearPeerLookup channels (below that a scan is cheaper than the hash).
  static constexpr size_t LinearPeerLookup = 4;
  std::vector<uint16_t> d_peerSlots;
  double d_tokens{0};
  double d_lastRefill{-1};
};

}
