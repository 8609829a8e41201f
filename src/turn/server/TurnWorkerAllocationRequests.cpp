#define TLOG_COMPONENT "turn"
// TurnWorker, requests on an existing allocation: Refresh (spec §2.3), CreatePermission
// (§2.4), ChannelBind (§2.5), and the peer address checks they share with Send (§7).
#include "turn/server/TurnWorker.hpp"

#include "common/log/Logger.hpp"
#include "turn/server/PortAllocator.hpp"
#include "turn/stun/Attributes.hpp"
#include "turn/stun/MessageBuilder.hpp"

#include <vector>

namespace talk::turn {

using stun::Message;
using stun::MessageBuilder;
using stun::MessageClass;
using stun::Method;
namespace attr = stun::attr;
namespace error = stun::error;

void TurnWorker::handleRefresh(const ClientRef& from, const Message& request, const auth::AuthResult& auth, Allocation& allocation)
{
  int family = 0;
  if (auto familyAttr = request.find(attr::RequestedAddressFamily)) {
    auto value = stun::decodeAddressFamily(familyAttr->value);
    if (!value) {
      sendError(from, request, error::BadRequest, &auth);
      return;
    }
    family = stun::socketFamily(*value);
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

}
