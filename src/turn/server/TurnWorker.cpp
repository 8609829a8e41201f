#define TLOG_COMPONENT "turn"
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
#include <cerrno>
#include <cmath>
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
constexpr double ReservationHold = 30;            // spec §5: EVEN-PORT R=1
constexpr double AllocateResponseCacheTime = 40;  // spec §5
constexpr int BindAttempts = 16;
constexpr uint16_t AdditionalAddressFamilyDraft = 0x8032;
constexpr uint32_t LogLinesPerSecond = 10;
// Source IPs tracked by the 401/438 limiter per worker (≈ 64 bytes each). A spoofed flood
// from more addresses than this gets no answers until the next sweep: failing closed keeps
// both memory and reflection bounded.
constexpr size_t MaxRejectSources = 65536;
enum LogCategory
{
  LogAuth = 0,
  LogDenied = 1,
  LogCapacity = 2,
  LogOther = 3,
};

uint8_t familyByte(int family)
{
  return family == AF_INET6 ? stun::FamilyIpv6 : stun::FamilyIpv4;
}

int familyFromByte(uint8_t value)
{
  return value == stun::FamilyIpv6 ? AF_INET6 : value == stun::FamilyIpv4 ? AF_INET : 0;
}

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

void TurnWorker::onRelayReadable(RelaySocket& socket)
{
  auto* allocation = static_cast<Allocation*>(socket.owner);
  const double now = d_loop.now();
  const bool stream = allocation->stream != nullptr;
  for (int round = 0; round < 4; ++round) {
    const size_t count = d_recv.receive(socket.fd());
    for (size_t i = 0; i < count; ++i) {
      if (d_recv.truncated(i)) {
        ++d_counters.dropped;
        continue;
      }
      auto payload = d_recv.data(i);
      const SocketAddress& peer = d_recv.from(i);
      const AddressKey peerKey = AddressKey::from(peer);
      if (!allocation->hasPermission(peerKey.ipOnly(), now) || payload.size() > 65535 - 48 ||
          !allocation->consumeBandwidth(payload.size(), now, d_runtime->bandwidthBytesPerSecond)) {
        ++d_counters.dropped;
        continue;
      }
      if (const ChannelBinding* channel = allocation->channelByPeer(peerKey, now)) {
        uint8_t header[4];
        stun::writeChannelDataHeader(header, channel->number, static_cast<uint16_t>(payload.size()));
        sendToClient(*allocation, header, payload, stream);
      }
      else {
        // Data indication built around the payload without copying it twice: header,
        // XOR-PEER-ADDRESS, DATA TLV header; the payload and its padding follow.
        uint8_t* h = d_dataHeader.data();
        std::array<uint8_t, 12> tid{};
        nextIndicationId(tid);
        const auto type = stun::messageType(Method::Data, MessageClass::Indication);
        h[0] = static_cast<uint8_t>(type >> 8);
        h[1] = static_cast<uint8_t>(type);
        h[4] = 0x21;
        h[5] = 0x12;
        h[6] = 0xA4;
        h[7] = 0x42;
        std::memcpy(h + 8, tid.data(), 12);
        size_t pos = 20;
        const size_t addressSize = stun::encodeXorAddress(peer, std::span<const uint8_t, 12>(tid), {h + pos + 4, 20});
        h[pos] = static_cast<uint8_t>(attr::XorPeerAddress >> 8);
        h[pos + 1] = static_cast<uint8_t>(attr::XorPeerAddress & 0xFF);
        h[pos + 2] = 0;
        h[pos + 3] = static_cast<uint8_t>(addressSize);
        pos += 4 + addressSize;
        h[pos] = static_cast<uint8_t>(attr::Data >> 8);
        h[pos + 1] = static_cast<uint8_t>(attr::Data & 0xFF);
        h[pos + 2] = static_cast<uint8_t>(payload.size() >> 8);
        h[pos + 3] = static_cast<uint8_t>(payload.size());
        pos += 4;
        const size_t pad = (4 - payload.size() % 4) % 4;
        const size_t bodyLength = pos - 20 + payload.size() + pad;
        h[2] = static_cast<uint8_t>(bodyLength >> 8);
        h[3] = static_cast<uint8_t>(bodyLength);
        // STUN attributes are always padded, on UDP too.
        if (allocation->udp != nullptr) {
          d_send.add(allocation->udp->fd(), allocation->client(), {h, pos}, payload, pad);
        }
        else if (allocation->stream != nullptr) {
          allocation->stream->send({h, pos}, payload, pad);
        }
      }
      ++d_counters.packetsToClient;
      d_counters.bytesToClient += payload.size();
    }
    if (count < RecvBatch::MaxMessages) {
      break;
    }
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
// ChannelData and Send: the data path (header parsing only)

void TurnWorker::handleChannelData(const ClientRef& from, std::span<const uint8_t> data)
{
  auto channelData = stun::parseChannelData(data);
  if (!channelData) {
    return;
  }
  Allocation* allocation = from.stream != nullptr ? static_cast<Allocation*>(from.stream->owner)
                                                  : d_allocations.find(FiveTuple{AddressKey::from(from.address), from.listenerId, from.transport});
  if (allocation == nullptr) {
    return;
  }
  const double now = d_loop.now();
  const ChannelBinding* channel = allocation->channelByNumber(channelData->channel, now);
  if (channel == nullptr || !allocation->hasPermission(channel->peerKey.ipOnly(), now) ||
      !allocation->consumeBandwidth(channelData->payload.size(), now, d_runtime->bandwidthBytesPerSecond)) {
    ++d_counters.dropped;
    return;
  }
  RelaySocket* relay = allocation->relayForFamily(channel->peer.family());
  if (relay == nullptr) {
    return;
  }
  d_send.add(relay->fd(), channel->peer, {}, channelData->payload);
  ++d_counters.packetsToPeer;
  d_counters.bytesToPeer += channelData->payload.size();
}

void TurnWorker::handleSend(const ClientRef& from, const Message& indication)
{
  Allocation* allocation = from.stream != nullptr ? static_cast<Allocation*>(from.stream->owner)
                                                  : d_allocations.find(FiveTuple{AddressKey::from(from.address), from.listenerId, from.transport});
  if (allocation == nullptr) {
    return;
  }
  std::array<uint16_t, 1> unknown{};
  if (indication.unknownComprehensionRequired(unknown) != 0) {
    return;
  }
  auto peerAttr = indication.find(attr::XorPeerAddress);
  auto dataAttr = indication.find(attr::Data);
  if (!peerAttr || !dataAttr) {
    return;
  }
  auto peer = stun::decodeXorAddress(peerAttr->value, indication.transactionId());
  if (!peer) {
    return;
  }
  SocketAddress target;
  uint16_t code = 0;
  if (!resolvePeer(*allocation, *peer, target, code, true)) {
    return;
  }
  const double now = d_loop.now();
  if (!allocation->hasPermission(AddressKey::from(target).ipOnly(), now) ||
      !allocation->consumeBandwidth(dataAttr->value.size(), now, d_runtime->bandwidthBytesPerSecond)) {
    ++d_counters.dropped;
    return;
  }
  RelaySocket* relay = allocation->relayForFamily(target.family());
  if (relay == nullptr) {
    return;
  }
  d_send.add(relay->fd(), target, {}, dataAttr->value);
  ++d_counters.packetsToPeer;
  d_counters.bytesToPeer += dataAttr->value.size();
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

uint32_t TurnWorker::grantLifetime(const Message& request, bool allocate) const
{
  uint32_t requested = 0;
  bool present = false;
  if (auto lifetime = request.find(attr::Lifetime)) {
    if (auto value = stun::decodeLifetime(lifetime->value)) {
      requested = *value;
      present = true;
    }
  }
  if (!present || (allocate && requested == 0)) {
    return d_runtime->defaultLifetime;
  }
  if (requested == 0) {
    return 0;
  }
  return std::clamp(requested, d_runtime->defaultLifetime, d_runtime->maxLifetime);
}

void TurnWorker::openRelays(Allocation& allocation, const std::vector<size_t>& relayIndexes, std::optional<uint64_t> token,
                            bool evenPort, bool reserveNext, bool dontFragment, std::vector<size_t>& failed, uint64_t& newToken)
{
  const int64_t nowMs = d_shared.clock.monotonicMs();
  size_t slot = 0;
  for (size_t index : relayIndexes) {
    PortAllocator& ports = *d_shared.ports[index];
    const RelayAddress& relayAddress = d_shared.config.relays[index];
    auto socket = std::make_unique<RelaySocket>(d_loop, static_cast<RelaySocket::Listener*>(this));
    bool opened = false;
    if (token) {
      // The token's port was held for us on relay address `index`, with the socket bound to
      // it when it was reserved: relay on exactly that socket.
      std::optional<PortAllocator::Reservation> held = ports.redeem(*token, nowMs);
      if (held) {
        SocketAddress local = relayAddress.local;
        local.setPort(held->port);
        opened = held->socket ? socket->adopt(std::move(held->socket), local, dontFragment) : socket->open(local, dontFragment);
        if (!opened) {
          ports.release(held->port);
        }
      }
    }
    else {
      // Ports that failed to bind (held by another process) stay marked until this search
      // ends so the random picker does not offer them again.
      std::vector<uint16_t> skipped;
      for (int attempt = 0; attempt < BindAttempts && !opened; ++attempt) {
        const bool wantNext = reserveNext && slot == 0;
        auto port = ports.acquire(evenPort, wantNext);
        if (!port) {
          break;
        }
        SocketAddress local = relayAddress.local;
        local.setPort(*port);
        opened = socket->open(local, dontFragment);
        if (!opened) {
          const int err = errno;
          skipped.push_back(*port);
          if (wantNext) {
            ports.release(static_cast<uint16_t>(*port + 1));
          }
          if (err != EADDRINUSE) {
            if (allowLog(LogCapacity)) {
              TLOG_WARN("relay socket failed address=%s error=%s", local.toString().c_str(), std::strerror(err));
            }
            break;
          }
          continue;
        }
        if (wantNext) {
          // Bind port+1 now (spec §2.2 step 9): a port only marked busy here could be taken
          // by another process before the RESERVATION-TOKEN comes back. When it is already
          // taken, give up this pair and try another.
          SocketAddress next = relayAddress.local;
          next.setPort(static_cast<uint16_t>(*port + 1));
          UniqueFd nextSocket = RelaySocket::bindUdp(next, false);
          if (!nextSocket) {
            const int err = errno;
            skipped.push_back(static_cast<uint16_t>(*port + 1));
            // Close the even port again (a fresh, unbound RelaySocket); it stays marked
            // with the skipped ones so the next attempt picks another pair.
            socket = std::make_unique<RelaySocket>(d_loop, static_cast<RelaySocket::Listener*>(this));
            skipped.push_back(*port);
            opened = false;
            if (err != EADDRINUSE) {
              if (allowLog(LogCapacity)) {
                TLOG_WARN("relay socket failed address=%s error=%s", next.toString().c_str(), std::strerror(err));
              }
              break;
            }
            continue;
          }
          crypto::randomBytes({reinterpret_cast<uint8_t*>(&newToken), sizeof(newToken)});
          ports.reserve(newToken, static_cast<uint16_t>(*port + 1), nowMs + static_cast<int64_t>(ReservationHold * 1000),
                        std::move(nextSocket));
          allocation.reservationToken = newToken;
          allocation.reservationOwner = &ports;
        }
      }
      for (uint16_t port : skipped) {
        ports.release(port);
      }
    }
    if (!opened) {
      failed.push_back(index);
      continue;
    }
    socket->owner = &allocation;
    socket->index = static_cast<uint8_t>(slot);
    SocketAddress advertised = relayAddress.advertised;
    advertised.setPort(socket->local().port());
    allocation.advertised[slot] = advertised;
    allocation.portOwners[slot] = &ports;
    allocation.relays[slot] = std::move(socket);
    ++slot;
  }
}

void TurnWorker::handleAllocate(const ClientRef& from, const Message& request, const auth::AuthResult& auth)
{
  const FiveTuple tuple{AddressKey::from(from.address), from.listenerId, from.transport};
  Allocation* existing = from.stream != nullptr ? static_cast<Allocation*>(from.stream->owner) : d_allocations.find(tuple);
  const double now = d_loop.now();
  if (existing != nullptr) {
    auto tid = request.transactionId();
    if (!existing->allocateResponse.empty() && existing->allocateResponseExpires > now &&
        std::equal(tid.begin(), tid.end(), existing->allocateTransaction.begin())) {
      sendToClient(from, existing->allocateResponse);
    }
    else {
      sendError(from, request, error::AllocationMismatch, &auth);
    }
    return;
  }

  // Step 3: REQUESTED-TRANSPORT.
  auto transportAttr = request.find(attr::RequestedTransport);
  std::optional<uint8_t> protocol = transportAttr ? stun::decodeRequestedTransport(transportAttr->value) : std::nullopt;
  if (!protocol) {
    sendError(from, request, error::BadRequest, &auth);
    return;
  }
  if (*protocol != stun::TransportUdp) {
    sendError(from, request, error::UnsupportedTransportProtocol, &auth);
    return;
  }
  // Step 4: DONT-FRAGMENT is supported (DF on the relay socket).
  bool dontFragment = false;
  if (auto df = request.find(attr::DontFragment)) {
    if (!stun::decodeDontFragment(df->value)) {
      sendError(from, request, error::BadRequest, &auth);
      return;
    }
    dontFragment = true;
  }
  // Steps 5 and 6: token, EVEN-PORT, families.
  auto tokenAttr = request.find(attr::ReservationToken);
  auto evenAttr = request.find(attr::EvenPort);
  auto familyAttr = request.find(attr::RequestedAddressFamily);
  auto additionalAttr = request.find(attr::AdditionalAddressFamily);
  if (!additionalAttr) {
    // coturn 4.6.1 (and its uclient -Z) use the draft code point 0x8032.
    additionalAttr = request.find(AdditionalAddressFamilyDraft);
  }
  if (tokenAttr && (evenAttr || familyAttr || additionalAttr)) {
    sendError(from, request, error::BadRequest, &auth);
    return;
  }
  std::optional<uint64_t> token;
  if (tokenAttr) {
    token = stun::decodeReservationToken(tokenAttr->value);
    if (!token) {
      sendError(from, request, error::BadRequest, &auth);
      return;
    }
  }
  bool evenPort = false;
  bool reserveNext = false;
  if (evenAttr) {
    auto r = stun::decodeEvenPort(evenAttr->value);
    if (!r) {
      sendError(from, request, error::BadRequest, &auth);
      return;
    }
    evenPort = true;
    reserveNext = *r;
  }
  if (familyAttr && additionalAttr) {
    sendError(from, request, error::BadRequest, &auth);
    return;
  }
  auto relayIndexFor = [&](int family) -> std::optional<size_t> {
    for (size_t i = 0; i < d_shared.config.relays.size(); ++i) {
      if (d_shared.config.relays[i].local.family() == family) {
        return i;
      }
    }
    return std::nullopt;
  };
  std::vector<size_t> wanted;
  std::vector<int> unavailableFamilies; // dual allocation: families we cannot serve
  if (token) {
    // The family is the one of the relay address whose allocator holds the token.
    for (size_t i = 0; i < d_shared.ports.size(); ++i) {
      if (d_shared.ports[i]->holds(*token)) {
        wanted.push_back(i);
        break;
      }
    }
    if (wanted.empty()) {
      sendError(from, request, error::InsufficientCapacity, &auth);
      return;
    }
  }
  else if (additionalAttr) {
    auto value = stun::decodeAddressFamily(additionalAttr->value);
    if (!value || *value != stun::FamilyIpv6) {
      sendError(from, request, error::BadRequest, &auth);
      return;
    }
    for (int family : {AF_INET, AF_INET6}) {
      if (auto index = relayIndexFor(family)) {
        wanted.push_back(*index);
      }
      else {
        unavailableFamilies.push_back(family);
      }
    }
    if (wanted.empty()) {
      sendError(from, request, error::AddressFamilyNotSupported, &auth);
      return;
    }
  }
  else {
    int family = AF_INET;
    if (familyAttr) {
      auto value = stun::decodeAddressFamily(familyAttr->value);
      if (!value) {
        sendError(from, request, error::BadRequest, &auth);
        return;
      }
      family = familyFromByte(*value);
    }
    else if (d_shared.config.defaultFamily == DefaultFamily::Ipv6) {
      family = AF_INET6;
    }
    else if (d_shared.config.defaultFamily == DefaultFamily::Keep) {
      family = from.address.family();
    }
    auto index = family != 0 ? relayIndexFor(family) : std::nullopt;
    if (!index && !familyAttr && d_shared.config.defaultFamily != DefaultFamily::Ipv4) {
      index = relayIndexFor(AF_INET);
    }
    if (!index) {
      sendError(from, request, error::AddressFamilyNotSupported, &auth);
      return;
    }
    wanted.push_back(*index);
  }
  // Step 7: quotas.
  const std::string& user = auth.credential.realUserId;
  if (!d_shared.quotas.tryAcquire(user, d_runtime->userQuota, d_runtime->totalQuota)) {
    if (allowLog(LogCapacity)) {
      TLOG_NOTICE("allocation quota reached client=%s user=%s", from.address.toString().c_str(), user.c_str());
    }
    sendError(from, request, error::AllocationQuotaReached, &auth);
    return;
  }

  Allocation* allocation = d_allocations.create(tuple, from.address);
  allocation->credential = auth.credential;
  // From here, remove() releases the quota and ports exactly once.
  std::vector<size_t> failed;
  uint64_t newToken = 0;
  openRelays(*allocation, wanted, token, evenPort, reserveNext, dontFragment, failed, newToken);
  if (!allocation->relays[0]) {
    d_allocations.remove(*allocation, AllocationManager::EndReason::Shutdown);
    if (allowLog(LogCapacity)) {
      TLOG_WARN("no relay port client=%s token=%s even=%d", from.address.toString().c_str(), token ? "yes" : "no", evenPort ? 1 : 0);
    }
    sendError(from, request, error::InsufficientCapacity, &auth);
    return;
  }
  if (from.stream != nullptr) {
    allocation->stream = from.stream;
    from.stream->owner = allocation;
  }
  else {
    allocation->udp = from.udp;
  }
  const uint32_t lifetime = grantLifetime(request, true);
  allocation->expires = now + lifetime;
  d_allocations.schedule(*allocation);

  MessageBuilder builder(d_response, Method::Allocate, MessageClass::SuccessResponse, request.transactionId());
  for (size_t i = 0; i < allocation->relays.size(); ++i) {
    if (allocation->relays[i]) {
      builder.addXorAddress(attr::XorRelayedAddress, allocation->advertised[i]);
    }
  }
  for (int family : unavailableFamilies) {
    builder.addAddressErrorCode(familyByte(family), error::AddressFamilyNotSupported, stun::reasonPhrase(error::AddressFamilyNotSupported));
  }
  for (size_t index : failed) {
    if (additionalAttr) {
      builder.addAddressErrorCode(familyByte(d_shared.config.relays[index].local.family()), error::InsufficientCapacity,
                                  stun::reasonPhrase(error::InsufficientCapacity));
    }
  }
  builder.addLifetime(lifetime);
  builder.addXorAddress(attr::XorMappedAddress, from.address);
  if (newToken != 0) {
    builder.addReservationToken(newToken);
  }
  if (!seal(builder, auth)) {
    d_allocations.remove(*allocation, AllocationManager::EndReason::Shutdown);
    sendError(from, request, error::ServerError, &auth);
    return;
  }
  auto bytes = builder.bytes();
  allocation->allocateResponse.assign(bytes.begin(), bytes.end());
  auto tid = request.transactionId();
  std::copy(tid.begin(), tid.end(), allocation->allocateTransaction.begin());
  allocation->allocateResponseExpires = now + AllocateResponseCacheTime;

  d_shared.metrics.created.inc();
  d_shared.metrics.allocations.inc();
  TLOG_INFO("allocation created id=%u.%llu client=%s transport=%s user=%s relay=%s%s%s lifetime=%u", d_index,
            static_cast<unsigned long long>(allocation->id()), from.address.toString().c_str(), transportName(from.transport),
            user.c_str(), allocation->advertised[0].toString().c_str(), allocation->relays[1] ? "," : "",
            allocation->relays[1] ? allocation->advertised[1].toString().c_str() : "", lifetime);
  sendToClient(from, bytes);
}

void TurnWorker::handleRefresh(const ClientRef& from, const Message& request, const auth::AuthResult& auth, Allocation& allocation)
{
  int family = 0;
  if (auto familyAttr = request.find(attr::RequestedAddressFamily)) {
    auto value = stun::decodeAddressFamily(familyAttr->value);
    if (!value) {
      sendError(from, request, error::BadRequest, &auth);
      return;
    }
    family = familyFromByte(*value);
    if (family == 0 || allocation.relayForFamily(family) == nullptr) {
      sendError(from, request, error::PeerAddressFamilyMismatch, &auth);
      return;
    }
  }
  const uint32_t lifetime = grantLifetime(request, false);
  const double now = d_loop.now();
  MessageBuilder builder(d_response, Method::Refresh, MessageClass::SuccessResponse, request.transactionId());
  builder.addLifetime(lifetime);
  if (!seal(builder, auth)) {
    return;
  }
  // Send before deleting: for TCP the connection stays, for UDP the tuple is all we need.
  sendToClient(from, builder.bytes());
  if (lifetime == 0) {
    const bool dual = allocation.relays[1] != nullptr;
    if (family != 0 && dual) {
      // Delete only that family's relayed address (spec §2.3).
      for (size_t i = 0; i < allocation.relays.size(); ++i) {
        if (allocation.relays[i] && allocation.relays[i]->local().family() == family) {
          d_send.flush();
          const uint16_t port = allocation.relays[i]->local().port();
          allocation.relays[i].reset();
          allocation.portOwners[i]->release(port);
          allocation.portOwners[i] = nullptr;
        }
      }
      if (!allocation.relays[0]) {
        allocation.relays[0] = std::move(allocation.relays[1]);
        allocation.advertised[0] = allocation.advertised[1];
        allocation.portOwners[0] = allocation.portOwners[1];
        allocation.portOwners[1] = nullptr;
        allocation.relays[0]->index = 0;
      }
      return;
    }
    d_allocations.remove(allocation, AllocationManager::EndReason::Deleted);
    return;
  }
  allocation.expires = now + lifetime;
  d_allocations.schedule(allocation);
}

bool TurnWorker::resolvePeer(const Allocation& allocation, const SocketAddress& peer, SocketAddress& out, uint16_t& error,
                             bool logDenied)
{
  // Relay-to-self (spec §8, uclient -y, two clients of this server): a peer that is one of
  // our relay addresses (public or local form) at a relay port is always allowed, even when
  // the local address is in a default-denied range.
  const SocketAddress canonical = policy::RelayPolicy::canonicalise(peer);
  const SocketAddress mapped = mapExternal(canonical);
  bool self = false;
  if (mapped.port() >= d_shared.config.minPort && mapped.port() <= d_shared.config.maxPort) {
    for (const RelayAddress& relay : d_shared.config.relays) {
      if (relay.local.sameIp(mapped)) {
        self = true;
        break;
      }
    }
  }
  SocketAddress target = mapped;
  if (!self) {
    const policy::PolicyDecision decision = d_runtime->policy->check(peer);
    if (!decision.allowed) {
      const char* rule = policy::policyRuleName(decision.rule);
      deniedPeerCounter(rule).inc();
      if (logDenied && allowLog(LogDenied)) {
        TLOG_NOTICE("peer denied allocation=%u.%llu client=%s peer=%s rule=%s", d_index,
                    static_cast<unsigned long long>(allocation.id()), allocation.client().toString().c_str(),
                    peer.toString().c_str(), rule);
      }
      error = error::Forbidden;
      return false;
    }
    target = mapExternal(decision.canonical);
  }
  if (allocation.relayForFamily(target.family()) == nullptr) {
    error = error::PeerAddressFamilyMismatch;
    return false;
  }
  out = target;
  return true;
}

SocketAddress TurnWorker::mapExternal(const SocketAddress& address) const
{
  for (const RelayAddress& relay : d_shared.config.relays) {
    if (!relay.advertised.sameIp(relay.local) && relay.advertised.sameIp(address)) {
      SocketAddress local = relay.local;
      local.setPort(address.port());
      return local;
    }
  }
  return address;
}

void TurnWorker::handleCreatePermission(const ClientRef& from, const Message& request, const auth::AuthResult& auth,
                                        Allocation& allocation)
{
  std::vector<SocketAddress> targets;
  for (const stun::Attribute& attribute : request) {
    if (attribute.type != attr::XorPeerAddress) {
      continue;
    }
    auto peer = stun::decodeXorAddress(attribute.value, request.transactionId());
    if (!peer) {
      sendError(from, request, error::BadRequest, &auth);
      return;
    }
    SocketAddress target;
    uint16_t code = 0;
    if (!resolvePeer(allocation, *peer, target, code, true)) {
      sendError(from, request, code, &auth);
      return;
    }
    targets.push_back(target);
  }
  if (targets.empty()) {
    sendError(from, request, error::BadRequest, &auth);
    return;
  }
  const double now = d_loop.now();
  for (const SocketAddress& target : targets) {
    allocation.installPermission(AddressKey::from(target), now);
  }
  d_allocations.schedule(allocation);
  MessageBuilder builder(d_response, Method::CreatePermission, MessageClass::SuccessResponse, request.transactionId());
  if (seal(builder, auth)) {
    sendToClient(from, builder.bytes());
  }
}

void TurnWorker::handleChannelBind(const ClientRef& from, const Message& request, const auth::AuthResult& auth, Allocation& allocation)
{
  auto numberAttr = request.find(attr::ChannelNumber);
  auto peerAttr = request.find(attr::XorPeerAddress);
  if (!numberAttr || !peerAttr) {
    sendError(from, request, error::BadRequest, &auth);
    return;
  }
  auto number = stun::decodeChannelNumber(numberAttr->value);
  auto peer = stun::decodeXorAddress(peerAttr->value, request.transactionId());
  if (!number || !peer || !stun::isValidChannelNumber(*number)) {
    sendError(from, request, error::BadRequest, &auth);
    return;
  }
  SocketAddress target;
  uint16_t code = 0;
  if (!resolvePeer(allocation, *peer, target, code, true)) {
    sendError(from, request, code, &auth);
    return;
  }
  if (!allocation.bindChannel(*number, target, d_loop.now())) {
    sendError(from, request, error::BadRequest, &auth);
    return;
  }
  d_allocations.schedule(allocation);
  MessageBuilder builder(d_response, Method::ChannelBind, MessageClass::SuccessResponse, request.transactionId());
  if (seal(builder, auth)) {
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

void TurnWorker::sendToClient(Allocation& allocation, std::span<const uint8_t> head, std::span<const uint8_t> body, bool padStream)
{
  if (allocation.udp != nullptr) {
    d_send.add(allocation.udp->fd(), allocation.client(), head, body);
  }
  else if (allocation.stream != nullptr) {
    const size_t total = head.size() + body.size();
    const size_t pad = padStream ? (4 - total % 4) % 4 : 0;
    if (!allocation.stream->send(head, body, pad)) {
      ++d_counters.dropped;
    }
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

void TurnWorker::nextIndicationId(std::array<uint8_t, 12>& tid)
{
  // xorshift64*: Data indications need unique-looking ids, not secret ones, and a CSPRNG
  // call per relayed packet would cost more than the rest of the path.
  uint64_t x = d_tidState;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  d_tidState = x;
  const uint64_t a = x * 0x2545F4914F6CDD1DULL;
  const uint32_t b = static_cast<uint32_t>(++d_tidCounter);
  std::memcpy(tid.data(), &a, 8);
  std::memcpy(tid.data() + 8, &b, 4);
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
