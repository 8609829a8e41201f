#define TLOG_COMPONENT "turn"
// TurnWorker, the relay data path (spec §2.6, §2.7, §6): ChannelData and Send indications
// from clients to peers, and datagrams from peers back to clients as ChannelData or Data
// indications. Sends go through the worker's SendBatcher (one sendmmsg per socket and loop
// iteration) or the stream connection's write queue; nothing here allocates.
#include "turn/server/TurnWorker.hpp"

#include "turn/stun/Attributes.hpp"
#include "turn/stun/Framing.hpp"
#include "turn/stun/MessageBuilder.hpp"

#include <cstring>

namespace talk::turn {

using stun::Message;
using stun::MessageBuilder;
using stun::MessageClass;
using stun::Method;
namespace attr = stun::attr;
namespace error = stun::error;

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
        // Data indication built around the payload without copying it: the builder writes
        // the header, XOR-PEER-ADDRESS and the DATA TLV header; the payload and its padding
        // follow from the receive buffer (STUN attributes are padded on UDP too).
        std::array<uint8_t, 12> tid{};
        nextIndicationId(tid);
        MessageBuilder builder(d_dataHeader, Method::Data, MessageClass::Indication, tid);
        builder.addXorAddress(attr::XorPeerAddress, peer);
        builder.addExternalData(payload.size());
        if (!builder.ok()) {
          ++d_counters.dropped;
          continue;
        }
        const size_t pad = MessageBuilder::paddingFor(payload.size());
        if (allocation->udp != nullptr) {
          d_send.add(allocation->udp->fd(), allocation->client(), builder.bytes(), payload, pad);
        }
        else if (allocation->stream != nullptr) {
          allocation->stream->send(builder.bytes(), payload, pad);
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

}
