#define TLOG_COMPONENT "turn"
// TurnWorker, the Allocate request (spec §2.2): validation in the spec's order, family
// selection (RFC 6156, dual allocation), quotas, relay port selection with EVEN-PORT and
// RESERVATION-TOKEN, and the cached success response.
#include "turn/server/TurnWorker.hpp"

#include "common/crypto/Crypto.hpp"
#include "common/log/Logger.hpp"
#include "turn/server/PortAllocator.hpp"
#include "turn/server/QuotaTracker.hpp"
#include "turn/stun/Attributes.hpp"
#include "turn/stun/MessageBuilder.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace talk::turn {

using stun::Message;
using stun::MessageBuilder;
using stun::MessageClass;
using stun::Method;
namespace attr = stun::attr;
namespace error = stun::error;

namespace {

constexpr double ReservationHold = 30;            // spec §5: EVEN-PORT R=1
constexpr double AllocateResponseCacheTime = 40;  // spec §5
constexpr int BindAttempts = 16;
constexpr uint16_t AdditionalAddressFamilyDraft = 0x8032;

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
      family = stun::socketFamily(*value);
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
    builder.addAddressErrorCode(stun::familyByte(family), error::AddressFamilyNotSupported, stun::reasonPhrase(error::AddressFamilyNotSupported));
  }
  for (size_t index : failed) {
    if (additionalAttr) {
      builder.addAddressErrorCode(stun::familyByte(d_shared.config.relays[index].local.family()), error::InsufficientCapacity,
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

}
