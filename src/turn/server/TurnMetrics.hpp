#pragma once
// The metric objects of talk-turn, registered once and shared by every worker. Counters are
// atomics; the per-packet ones are accumulated per worker and added once per second
// (WorkerCounters), so the relay path does no atomic operation per packet.
#include "common/metrics/Registry.hpp"

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace talk::turn {

class TurnMetrics
{
public:
  explicit TurnMetrics(metrics::Registry& registry);

  metrics::Gauge& allocations;
  metrics::Counter& created;
  metrics::Counter& expired;
  metrics::Counter& deleted;
  metrics::Counter& closed;
  metrics::Counter& bytesToPeer;
  metrics::Counter& bytesToClient;
  metrics::Counter& packetsToPeer;
  metrics::Counter& packetsToClient;
  metrics::Counter& dropped;
  metrics::Gauge& connections;

  // Labelled counters created on first use (registration takes the registry lock).
  metrics::Counter& authFailure(const std::string& reason);
  metrics::Counter& deniedPeer(const std::string& rule);

private:
  metrics::Registry& d_registry;
};

// Per-worker accumulation of the hot counters.
struct WorkerCounters
{
  uint64_t bytesToPeer{0};
  uint64_t bytesToClient{0};
  uint64_t packetsToPeer{0};
  uint64_t packetsToClient{0};
  uint64_t dropped{0};

  void flushInto(TurnMetrics& metrics);
};

}
