#pragma once
// One worker loop of talk-turn: its listening sockets (SO_REUSEPORT copies when there are
// several workers), its TCP/TLS connections, its allocations and their relay sockets.
// Implements the Listeners of its transport objects and makes the protocol decisions of
// spec §2 with the stun codec, the Authenticator and the RelayPolicy. Everything here runs
// on the worker's own loop thread; the only shared objects (port allocators, quotas,
// metrics) are thread-safe.
#include "common/ev/Watchers.hpp"
#include "common/util/Clock.hpp"
#include "turn/TurnSettings.hpp"
#include "turn/auth/Authenticator.hpp"
#include "turn/auth/NonceManager.hpp"
#include "turn/server/AllocationManager.hpp"
#include "turn/server/RecvBatch.hpp"
#include "turn/server/RelaySocket.hpp"
#include "turn/server/SendBatcher.hpp"
#include "turn/server/StreamConnection.hpp"
#include "turn/server/TcpListener.hpp"
#include "turn/server/TurnMetrics.hpp"
#include "turn/server/UdpListener.hpp"
#include "turn/stun/Message.hpp"
#include "turn/stun/MessageBuilder.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace talk::turn {

class PortAllocator;
class QuotaTracker;

// What all workers share (owned by TurnServer, outlives the workers).
struct WorkerShared
{
  const TurnConfig& config;
  // One per entry of config.relays (same index).
  std::vector<std::unique_ptr<PortAllocator>>& ports;
  QuotaTracker& quotas;
  TurnMetrics& metrics;
  std::array<uint8_t, 32> nonceKey{};
  const Clock& clock;
};

class TurnWorker : private UdpListener::Listener,
                   private TcpListener::Listener,
                   private StreamConnection::Listener,
                   private RelaySocket::Listener,
                   private ev::Timer::Listener,
                   private ev::PrepareWatcher::Listener
{
public:
  TurnWorker(ev::EventLoop& loop, WorkerShared& shared, unsigned index, std::shared_ptr<const TurnRuntime> runtime);
  ~TurnWorker() override;
  TurnWorker(const TurnWorker&) = delete;
  TurnWorker& operator=(const TurnWorker&) = delete;

  // Binds this worker's listening sockets; throws talk::SystemError. reusePort: more than
  // one worker.
  void start(bool reusePort);
  // New runtime settings (loop thread of this worker).
  void setRuntime(std::shared_ptr<const TurnRuntime> runtime);
  // Ends every allocation and connection and closes the listeners.
  void shutdown();

  size_t allocationCount() const { return d_allocations.size(); }
  size_t connectionCount() const { return d_connections.size(); }
  // Bound listener addresses (tests use port 0).
  std::vector<std::pair<Transport, SocketAddress>> boundListeners() const;

  // Handles one datagram or stream frame (exposed for unit tests of the protocol paths).
  struct ClientRef
  {
    Transport transport{Transport::Udp};
    UdpListener* udp{nullptr};
    StreamConnection* stream{nullptr};
    SocketAddress address;
    uint32_t listenerId{0};
  };

private:
  // Rate-limited log categories (allowLog).
  enum LogCategory
  {
    LogAuth = 0,
    LogDenied = 1,
    LogCapacity = 2,
    LogOther = 3,
  };

  // Transport listeners
  void onUdpReadable(UdpListener& listener) override;
  void onAccepted(TcpListener& listener, UniqueFd fd, const SocketAddress& peer) override;
  void onStreamFrame(StreamConnection& connection, bool isStun, std::span<const uint8_t> frame) override;
  void onStreamClosed(StreamConnection& connection) override;
  void onRelayReadable(RelaySocket& socket) override;
  void onTimer(ev::Timer& timer) override;
  void onPrepare(ev::PrepareWatcher& watcher) override;

  // Dispatch
  void handleStun(const ClientRef& from, std::span<const uint8_t> data);
  void handleChannelData(const ClientRef& from, std::span<const uint8_t> data);
  void handleBinding(const ClientRef& from, const stun::Message& request);
  void handleAllocate(const ClientRef& from, const stun::Message& request, const auth::AuthResult& auth);
  void handleRefresh(const ClientRef& from, const stun::Message& request, const auth::AuthResult& auth, Allocation& allocation);
  void handleCreatePermission(const ClientRef& from, const stun::Message& request, const auth::AuthResult& auth,
                              Allocation& allocation);
  void handleChannelBind(const ClientRef& from, const stun::Message& request, const auth::AuthResult& auth,
                         Allocation& allocation);
  void handleSend(const ClientRef& from, const stun::Message& indication);

  // Peer address checks of spec §7 (canonicalise, relay-to-self, policy, external mapping,
  // family). Returns the address to relay to, or 0 with `error` set (403/443).
  bool resolvePeer(const Allocation& allocation, const SocketAddress& peer, SocketAddress& out, uint16_t& error,
                   bool logDenied);
  SocketAddress mapExternal(const SocketAddress& address) const;

  // Responses
  void sendToClient(const ClientRef& to, std::span<const uint8_t> bytes);
  void sendToClient(Allocation& allocation, std::span<const uint8_t> head, std::span<const uint8_t> body, bool padStream);
  void sendError(const ClientRef& to, const stun::Message& request, uint16_t code, const auth::AuthResult* auth,
                 std::span<const uint16_t> unknown = {});
  void sendChallenge(const ClientRef& to, const stun::Message& request, uint16_t code);
  // Finishes a success response: SOFTWARE, MI with the request's key, FINGERPRINT.
  bool seal(stun::MessageBuilder& builder, const auth::AuthResult& auth);

  bool allowReject(const SocketAddress& client);
  // Forgets source IPs whose bucket has refilled completely (they behave as new ones).
  void sweepRejectBuckets(double now);
  // Labelled counters looked up once per reason/rule string (static strings), so a flood of
  // unauthenticated requests does not allocate or take the registry lock per packet.
  metrics::Counter& authFailureCounter(const char* reason);
  metrics::Counter& deniedPeerCounter(const char* rule);
  bool allowLog(int category);
  void endAllocation(Allocation& allocation, AllocationManager::EndReason reason);
  uint32_t grantLifetime(const stun::Message& request, bool allocate) const;
  void releaseReservation(Allocation& allocation);
  void nextIndicationId(std::array<uint8_t, 12>& tid);
  void openRelays(Allocation& allocation, const std::vector<size_t>& relayIndexes, std::optional<uint64_t> token,
                  bool evenPort, bool reserveNext, bool dontFragment, std::vector<size_t>& failed, uint64_t& newToken);

  // Passed by argument (not owned)
  ev::EventLoop& d_loop;
  WorkerShared& d_shared;
  // Owned
  std::shared_ptr<const TurnRuntime> d_runtime;
  auth::NonceManager d_nonces;
  std::unique_ptr<auth::Authenticator> d_auth;
  std::vector<std::unique_ptr<UdpListener>> d_udpListeners;
  std::vector<std::unique_ptr<TcpListener>> d_tcpListeners;
  std::unordered_map<StreamConnection*, std::unique_ptr<StreamConnection>> d_connections;
  std::vector<std::unique_ptr<StreamConnection>> d_closedConnections; // destroyed in onPrepare
  AllocationManager d_allocations;
  ev::Timer d_tick;
  ev::PrepareWatcher d_prepare;
  RecvBatch d_recv;
  SendBatcher d_send;
  // State
  unsigned d_index;
  std::array<uint8_t, 2048> d_response{};
  std::array<uint8_t, 128> d_dataHeader{};
  WorkerCounters d_counters;
  uint64_t d_tidState{1};
  uint64_t d_tidCounter{0};
  // Token bucket of 401/438 answers per source IP (auth.reject_rate/reject_burst).
  struct RejectBucket
  {
    double tokens{0};
    double last{0};
  };
  std::unordered_map<AddressKey, RejectBucket, AddressKeyHash> d_rejects;
  std::unordered_map<const char*, metrics::Counter*> d_authCounters;
  std::unordered_map<const char*, metrics::Counter*> d_deniedCounters;
  int64_t d_logSecond{0};
  std::array<uint32_t, 4> d_logCount{};
  std::array<uint32_t, 4> d_logSuppressed{};
};

}
