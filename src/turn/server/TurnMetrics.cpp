#include "turn/server/TurnMetrics.hpp"

namespace talk::turn {

namespace {
constexpr const char* RelayedBytesHelp = "Bytes relayed (payload), by direction.";
constexpr const char* RelayedPacketsHelp = "Packets relayed, by direction.";
constexpr const char* EndedHelp = "Allocations ended, by reason.";
}

TurnMetrics::TurnMetrics(metrics::Registry& registry) :
  allocations(registry.gauge("talk_turn_allocations", "Allocations currently held.")),
  created(registry.counter("talk_turn_allocations_created_total", "Allocations created.")),
  expired(registry.counter("talk_turn_allocations_ended_total", EndedHelp, {{"reason", "expired"}})),
  deleted(registry.counter("talk_turn_allocations_ended_total", EndedHelp, {{"reason", "deleted"}})),
  closed(registry.counter("talk_turn_allocations_ended_total", EndedHelp, {{"reason", "connection_closed"}})),
  bytesToPeer(registry.counter("talk_turn_relayed_bytes_total", RelayedBytesHelp, {{"direction", "client_to_peer"}})),
  bytesToClient(registry.counter("talk_turn_relayed_bytes_total", RelayedBytesHelp, {{"direction", "peer_to_client"}})),
  packetsToPeer(registry.counter("talk_turn_relayed_packets_total", RelayedPacketsHelp, {{"direction", "client_to_peer"}})),
  packetsToClient(registry.counter("talk_turn_relayed_packets_total", RelayedPacketsHelp, {{"direction", "peer_to_client"}})),
  dropped(registry.counter("talk_turn_dropped_packets_total",
                           "Relayed packets dropped (no permission, bandwidth cap, full socket buffers).")),
  connections(registry.gauge("talk_turn_stream_connections", "Open TCP/TLS client connections.")),
  d_registry(registry)
{
}

metrics::Counter& TurnMetrics::authFailure(const std::string& reason)
{
  return d_registry.counter("talk_turn_auth_failures_total", "Requests refused by authentication, by reason.",
                            {{"reason", reason}});
}

metrics::Counter& TurnMetrics::deniedPeer(const std::string& rule)
{
  return d_registry.counter("talk_turn_denied_peers_total", "Peer addresses refused by the relay policy, by rule.",
                            {{"rule", rule}});
}

void WorkerCounters::flushInto(TurnMetrics& metrics)
{
  if (bytesToPeer != 0) {
    metrics.bytesToPeer.inc(bytesToPeer);
  }
  if (bytesToClient != 0) {
    metrics.bytesToClient.inc(bytesToClient);
  }
  if (packetsToPeer != 0) {
    metrics.packetsToPeer.inc(packetsToPeer);
  }
  if (packetsToClient != 0) {
    metrics.packetsToClient.inc(packetsToClient);
  }
  if (dropped != 0) {
    metrics.dropped.inc(dropped);
  }
  *this = WorkerCounters{};
}

}
