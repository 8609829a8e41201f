#define TLOG_COMPONENT "turn"
// TurnWorker: lifecycle, transport events, request dispatch and replies. The other parts of
// the class are in TurnWorkerDataPath.cpp (relayed packets), TurnWorkerAllocate.cpp
// (Allocate) and TurnWorkerAllocationRequests.cpp (Refresh, CreatePermission, ChannelBind).
#include "turn/server/TurnWorker.hpp"

#include "common/crypto/Crypto.hpp"
#include "common/log/Logger.hpp"
#include "turn/server/PortAllocator.hpp"
#include "turn/server/QuotaTracker.hpp"
#include "turn/server/TlsContext.hpp"
#include "turn/stun/Attributes.hpp"
#include "turn/stun/Framing.hpp"
#include "turn/stun/MessageBuilder.hpp"

#include <algorithm>
#include <cstring>

namespace talk::turn {

using stun::Message;
using stun::MessageBuilder;
using stun::MessageClass;
using stun::Method;
namespace attr = stun::attr;
namespace error = stun::error;

namespace {

constexpr double PendingConnectionTimeout = 60;   // spec §5: unauthenticated session
constexpr uint32_t LogLinesPerSecond = 10;
// Source IPs tracked by the 401/438 limiter per worker (≈ 64 bytes each). A spoofed flood
// from more addresses than this gets no answers until the next sweep: failing closed keeps
// both memory and reflection bounded.
constexpr size_t MaxRejectSources = 65536;

}

TurnWorker::TurnWorker(ev::EventLoop& loop, WorkerShared& shared, unsigned index, std::shared_ptr<const TurnRuntime> runtime) :
  d_loop(loop),
  d_shared(shared),
  d_runtime(std::move(runtime)),
  d_nonces(shared.clock, shared.nonceKey, shared.config.nonceLifetime),
  d_allocations(shared.quotas, [this](Allocation& allocation, AllocationManager::EndReason reason) { endAllocation(allocation, reason); }),
  d_tick(loop, this),
  d_prepare(loop, this),
  d_index(index)
{
  d_auth = std::make_unique<auth::Authenticator>(d_runtime->realm, d_shared.clock, d_nonces, d_runtime->credentials);
  crypto::randomBytes({reinterpret_cast<uint8_t*>(&d_tidState), sizeof(d_tidState)});
  d_tidState |= 1;
}

TurnWorker::~TurnWorker()
{
  shutdown();
}

void TurnWorker::start(bool reusePort)
{
  uint32_t id = 0;
  for (const ListenSpec& spec : d_shared.config.listen) {
    ++id;
    if (spec.transport == Transport::Udp) {
      d_udpListeners.push_back(std::make_unique<UdpListener>(d_loop, static_cast<UdpListener::Listener*>(this), spec.address, id, reusePort));
    }
    else {
      d_tcpListeners.push_back(std::make_unique<TcpListener>(d_loop, static_cast<TcpListener::Listener*>(this), spec.address, id, spec.transport == Transport::Tls, reusePort));
    }
  }
  d_tick.start(1.0, 1.0);
}

std::vector<std::pair<Transport, SocketAddress>> TurnWorker::boundListeners() const
{
  std::vector<std::pair<Transport, SocketAddress>> out;
  for (const auto& l : d_udpListeners) {
    out.emplace_back(Transport::Udp, l->local());
  }
  for (const auto& l : d_tcpListeners) {
    out.emplace_back(l->tls() ? Transport::Tls : Transport::Tcp, l->local());
  }
  return out;
}

void TurnWorker::setRuntime(std::shared_ptr<const TurnRuntime> runtime)
{
  d_runtime = std::move(runtime);
  // A new Authenticator: the realm may have changed and cached credentials must be
  // re-derived with the new secrets (rotation).
  d_auth = std::make_unique<auth::Authenticator>(d_runtime->realm, d_shared.clock, d_nonces, d_runtime->credentials);
}

void TurnWorker::shutdown()
{
  d_send.flush();
  d_allocations.clear(AllocationManager::EndReason::Shutdown);
  for (auto& [raw, connection] : d_connections) {
    connection->owner = nullptr;
  }
  d_connections.clear();
  d_closedConnections.clear();
  d_udpListeners.clear();
  d_tcpListeners.clear();
  d_tick.stop();
  d_shared.metrics.connections.set(0);
}

// ---------------------------------------------------------------------------------------
// Transport events

void TurnWorker::onUdpReadable(UdpListener& listener)
{
  // A few batches per wake-up, then let other sockets have their turn.
  for (int round = 0; round < 4; ++round) {
    const size_t count = d_recv.receive(listener.fd());
    for (size_t i = 0; i < count; ++i) {
      if (d_recv.truncated(i)) {
        continue;
      }
      auto data = d_recv.data(i);
      ClientRef from;
      from.transport = Transport::Udp;
      from.udp = &listener;
      from.address = d_recv.from(i);
      from.listenerId = listener.id();
      switch (stun::classifyDatagram(data)) {
      case stun::PacketKind::Stun:
        handleStun(from, data);
        break;
      case stun::PacketKind::ChannelData:
        handleChannelData(from, data);
        break;
      default:
        break;
      }
    }
    if (count < RecvBatch::MaxMessages) {
      break;
    }
  }
}

void TurnWorker::onAccepted(TcpListener& listener, UniqueFd fd, const SocketAddress& peer)
{
  SSL_CTX* ctx = nullptr;
  if (listener.tls()) {
    if (!d_runtime->tls) {
      return;
    }
    ctx = d_runtime->tls->raw();
  }
  auto connection = std::make_unique<StreamConnection>(d_loop, static_cast<StreamConnection::Listener*>(this), std::move(fd), peer, listener.id(), listener.tls(), ctx);
  if (connection->closed()) {
    return;
  }
  connection->acceptedMs = static_cast<int64_t>(d_loop.now() * 1000);
  StreamConnection* raw = connection.get();
  d_connections.emplace(raw, std::move(connection));
  d_shared.metrics.connections.inc();
  TLOG_DEBUG("turn", "connection opened transport=%s client=%s", listener.tls() ? "tls" : "tcp", peer.toString().c_str());
}

void TurnWorker::onStreamFrame(StreamConnection& connection, bool isStun, std::span<const uint8_t> frame)
{
  ClientRef from;
  from.transport = connection.tls() ? Transport::Tls : Transport::Tcp;
  from.stream = &connection;
  from.address = connection.peer();
  from.listenerId = connection.listenerId();
  if (isStun) {
    handleStun(from, frame);
  }
  else {
    handleChannelData(from, frame);
  }
}

void TurnWorker::onStreamClosed(StreamConnection& connection)
{
  if (connection.owner != nullptr) {
    auto* allocation = static_cast<Allocation*>(connection.owner);
    connection.owner = nullptr;
    allocation->stream = nullptr;
    d_allocations.remove(*allocation, AllocationManager::EndReason::ConnectionClosed);
  }
  auto it = d_connections.find(&connection);
  if (it != d_connections.end()) {
    // Destroyed on the next prepare: we may be inside this connection's own callback.
    d_closedConnections.push_back(std::move(it->second));
    d_connections.erase(it);
    d_shared.metrics.connections.dec();
  }
}

void TurnWorker::onTimer(ev::Timer& /*timer*/)
{
  const double now = d_loop.now();
  d_allocations.tick(now);
  sweepRejectBuckets(now);
  if (d_index == 0) {
    const int64_t nowMs = d_shared.clock.monotonicMs();
    for (auto& ports : d_shared.ports) {
      ports->expireReservations(nowMs);
    }
  }
  // Connections that never got an allocation are dropped after a minute (spec §5).
  const auto limitMs = static_cast<int64_t>((now - PendingConnectionTimeout) * 1000);
  std::vector<StreamConnection*> stale;
  for (auto& [raw, connection] : d_connections) {
    if (connection->owner == nullptr && connection->acceptedMs < limitMs) {
      stale.push_back(raw);
    }
  }
  for (StreamConnection* connection : stale) {
    connection->close();
  }
  d_counters.flushInto(d_shared.metrics);
}

void TurnWorker::onPrepare(ev::PrepareWatcher& /*watcher*/)
{
  d_send.flush();
  d_closedConnections.clear();
}

// ---------------------------------------------------------------------------------------
// STUN requests

void TurnWorker::handleStun(const ClientRef& from, std::span<const uint8_t> data)
{
  auto parsed = Message::parse(data);
  if (!parsed) {
    return;
  }
  const Message& message = *parsed;
  const MessageClass cls = message.messageClass();
  const uint16_t method = message.methodCode();
  if (cls == MessageClass::Indication) {
    if (method == static_cast<uint16_t>(Method::Send)) {
      handleSend(from, message);
    }
    return;
  }
  if (cls != MessageClass::Request) {
    return;
  }
  if (method == static_cast<uint16_t>(Method::Binding)) {
    handleBinding(from, message);
    return;
  }
  const bool known = method == static_cast<uint16_t>(Method::Allocate) || method == static_cast<uint16_t>(Method::Refresh) ||
    method == static_cast<uint16_t>(Method::CreatePermission) || method == static_cast<uint16_t>(Method::ChannelBind);
  if (!known) {
    // Unknown (or RFC 6062) method: 400 (spec §1.2, the safer RFC reading).
    sendError(from, message, error::BadRequest, nullptr);
    return;
  }
  std::array<uint16_t, 16> unknown{};
  const size_t unknownCount = message.unknownComprehensionRequired(unknown);
  if (unknownCount != 0) {
    sendError(from, message, error::UnknownAttribute, nullptr, std::span<const uint16_t>(unknown.data(), unknownCount));
    return;
  }

  Allocation* allocation = from.stream != nullptr ? static_cast<Allocation*>(from.stream->owner)
                                                  : d_allocations.find(FiveTuple{AddressKey::from(from.address), from.listenerId, from.transport});
  auth::AuthResult auth = d_auth->authenticate(message, from.address, allocation != nullptr ? &allocation->credential : nullptr);
  if (auth.status != auth::AuthStatus::Ok) {
    authFailureCounter(auth.reason).inc();
    if (auth.status != auth::AuthStatus::Unauthorized || std::strcmp(auth.reason, "no-integrity") != 0) {
      // The first 401 of every exchange is expected; log only real failures.
      if (allowLog(LogAuth)) {
        TLOG_NOTICE("auth failed client=%s transport=%s reason=%s", from.address.toString().c_str(),
                    transportName(from.transport), auth.reason);
      }
    }
    switch (auth.status) {
    case auth::AuthStatus::BadRequest:
      sendError(from, message, error::BadRequest, nullptr);
      break;
    case auth::AuthStatus::StaleNonce:
      sendChallenge(from, message, error::StaleNonce);
      break;
    default:
      sendChallenge(from, message, error::Unauthorized);
      break;
    }
    return;
  }

  if (method == static_cast<uint16_t>(Method::Allocate)) {
    handleAllocate(from, message, auth);
    return;
  }
  if (allocation == nullptr) {
    sendError(from, message, error::AllocationMismatch, &auth);
    return;
  }
  if (auth.credential.username != allocation->credential.username) {
    sendError(from, message, error::WrongCredentials, &auth);
    return;
  }
  // Keep the freshest credential (a new REST password after the client renewed it).
  allocation->credential = auth.credential;
  if (method == static_cast<uint16_t>(Method::Refresh)) {
    handleRefresh(from, message, auth, *allocation);
  }
  else if (method == static_cast<uint16_t>(Method::CreatePermission)) {
    handleCreatePermission(from, message, auth, *allocation);
  }
  else {
    handleChannelBind(from, message, auth, *allocation);
  }
}

void TurnWorker::handleBinding(const ClientRef& from, const Message& request)
{
  MessageBuilder builder(d_response, Method::Binding, MessageClass::SuccessResponse, request.transactionId());
  builder.addXorAddress(attr::XorMappedAddress, from.address);
  if (d_runtime->software) {
    builder.addText(attr::Software, "talk-turn");
  }
  builder.addFingerprint();
  if (builder.ok()) {
    sendToClient(from, builder.bytes());
  }
}

// ---------------------------------------------------------------------------------------
// Responses

bool TurnWorker::seal(MessageBuilder& builder, const auth::AuthResult& auth)
{
  if (d_runtime->software) {
    builder.addText(attr::Software, "talk-turn");
  }
  if (auth.usedSha1 || auth.sha256Size == 0) {
    builder.addMessageIntegrity(auth.credential.key);
  }
  if (auth.sha256Size != 0) {
    builder.addMessageIntegritySha256(auth.credential.key, auth.sha256Size);
  }
  builder.addFingerprint();
  return builder.ok();
}

void TurnWorker::sendError(const ClientRef& to, const Message& request, uint16_t code, const auth::AuthResult* auth,
                           std::span<const uint16_t> unknown)
{
  MessageBuilder builder(d_response, stun::messageType(request.methodCode(), MessageClass::ErrorResponse), request.transactionId());
  // Unauthenticated errors carry no reason phrase (spec §4.6: less amplification).
  builder.addErrorCode(code, auth != nullptr ? std::string_view(stun::reasonPhrase(code)) : std::string_view());
  if (!unknown.empty()) {
    builder.addUnknownAttributes(unknown);
  }
  if (auth != nullptr) {
    seal(builder, *auth);
  }
  else {
    builder.addFingerprint();
  }
  if (builder.ok()) {
    sendToClient(to, builder.bytes());
  }
}

void TurnWorker::sendChallenge(const ClientRef& to, const Message& request, uint16_t code)
{
  if (to.transport == Transport::Udp && !allowReject(to.address)) {
    return;
  }
  MessageBuilder builder(d_response, stun::messageType(request.methodCode(), MessageClass::ErrorResponse), request.transactionId());
  builder.addErrorCode(code, std::string_view());
  builder.addText(attr::Realm, d_auth->realm());
  builder.addText(attr::Nonce, d_auth->freshNonce(to.address));
  builder.addFingerprint();
  if (builder.ok()) {
    sendToClient(to, builder.bytes());
  }
}

void TurnWorker::sendToClient(const ClientRef& to, std::span<const uint8_t> bytes)
{
  if (to.stream != nullptr) {
    to.stream->send(bytes, {});
  }
  else if (to.udp != nullptr) {
    d_send.add(to.udp->fd(), to.address, bytes, {});
  }
}

metrics::Counter& TurnWorker::authFailureCounter(const char* reason)
{
  auto it = d_authCounters.find(reason);
  if (it == d_authCounters.end()) {
    it = d_authCounters.emplace(reason, &d_shared.metrics.authFailure(reason)).first;
  }
  return *it->second;
}

metrics::Counter& TurnWorker::deniedPeerCounter(const char* rule)
{
  auto it = d_deniedCounters.find(rule);
  if (it == d_deniedCounters.end()) {
    it = d_deniedCounters.emplace(rule, &d_shared.metrics.deniedPeer(rule)).first;
  }
  return *it->second;
}

bool TurnWorker::allowReject(const SocketAddress& client)
{
  // Token bucket per source IP: every client's first 401 (and the 438 of a stale nonce) is
  // answered at once even when many clients share one NAT address (the burst), while a
  // sustained flood towards one spoofed victim is held to `rate` answers per second.
  const double rate = d_runtime->rejectRate;
  if (rate == 0) {
    return true;
  }
  const double burst = std::max<double>(1, d_runtime->rejectBurst);
  const double now = d_loop.now();
  const AddressKey key = AddressKey::from(client).ipOnly();
  auto it = d_rejects.find(key);
  if (it == d_rejects.end()) {
    if (d_rejects.size() >= MaxRejectSources) {
      return false;
    }
    it = d_rejects.emplace(key, RejectBucket{burst, now}).first;
  }
  RejectBucket& bucket = it->second;
  if (now > bucket.last) {
    bucket.tokens = std::min(burst, bucket.tokens + (now - bucket.last) * rate);
    bucket.last = now;
  }
  if (bucket.tokens < 1) {
    return false;
  }
  bucket.tokens -= 1;
  return true;
}

void TurnWorker::sweepRejectBuckets(double now)
{
  const double rate = d_runtime->rejectRate;
  const double burst = std::max<double>(1, d_runtime->rejectBurst);
  std::erase_if(d_rejects, [&](const auto& entry) {
    return rate == 0 || entry.second.tokens + (now - entry.second.last) * rate >= burst;
  });
}

bool TurnWorker::allowLog(int category)
{
  const auto second = static_cast<int64_t>(d_loop.now());
  if (second != d_logSecond) {
    for (size_t i = 0; i < d_logSuppressed.size(); ++i) {
      if (d_logSuppressed[i] != 0) {
        TLOG_NOTICE("log lines suppressed category=%zu count=%u", i, d_logSuppressed[i]);
      }
    }
    d_logSecond = second;
    d_logCount.fill(0);
    d_logSuppressed.fill(0);
  }
  if (++d_logCount[static_cast<size_t>(category)] > LogLinesPerSecond) {
    ++d_logSuppressed[static_cast<size_t>(category)];
    return false;
  }
  return true;
}

void TurnWorker::releaseReservation(Allocation& allocation)
{
  // A reservation outlives its allocation (the RTCP allocation may come later); it expires
  // by itself after ReservationHold seconds, so nothing to do here.
  allocation.reservationOwner = nullptr;
}

void TurnWorker::endAllocation(Allocation& allocation, AllocationManager::EndReason reason)
{
  // Queued datagrams name relay socket fds that are about to close: send them now.
  d_send.flush();
  releaseReservation(allocation);
  const char* why = "shutdown";
  switch (reason) {
  case AllocationManager::EndReason::Expired:
    d_shared.metrics.expired.inc();
    why = "expired";
    break;
  case AllocationManager::EndReason::Deleted:
    d_shared.metrics.deleted.inc();
    why = "deleted";
    break;
  case AllocationManager::EndReason::ConnectionClosed:
    d_shared.metrics.closed.inc();
    why = "connection-closed";
    break;
  case AllocationManager::EndReason::Shutdown:
    break;
  }
  if (!allocation.allocateResponse.empty()) {
    // Only allocations that were announced (success sent) are counted in the gauge.
    d_shared.metrics.allocations.dec();
    TLOG_INFO("allocation ended id=%u.%llu client=%s reason=%s", d_index, static_cast<unsigned long long>(allocation.id()),
              allocation.client().toString().c_str(), why);
  }
  if (allocation.stream != nullptr) {
    StreamConnection* stream = allocation.stream;
    allocation.stream = nullptr;
    stream->owner = nullptr;
    if (reason != AllocationManager::EndReason::ConnectionClosed) {
      // Spec §5: the connection is the allocation; ending one ends the other.
      stream->close();
    }
  }
}

}
