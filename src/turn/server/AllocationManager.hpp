#pragma once
// The allocations of one worker loop: the 5-tuple table, expiry through a TimerWheel, and
// the exactly-once release of ports and quota (spec §5). Knows nothing about sockets'
// contents or the protocol.
#include "turn/server/Allocation.hpp"
#include "turn/server/FiveTuple.hpp"
#include "turn/server/TimerWheel.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

namespace talk::turn {

class QuotaTracker;

class AllocationManager
{
public:
  enum class EndReason
  {
    Expired,
    Deleted, // Refresh with LIFETIME 0
    ConnectionClosed,
    Shutdown,
  };

  // Called just before an allocation is destroyed (metrics, logs, closing a TCP link).
  using EndHandler = std::function<void(Allocation&, EndReason)>;

  AllocationManager(QuotaTracker& quotas, EndHandler onEnd);
  ~AllocationManager();
  AllocationManager(const AllocationManager&) = delete;
  AllocationManager& operator=(const AllocationManager&) = delete;

  Allocation* find(const FiveTuple& tuple) const
  {
    auto it = d_byTuple.find(tuple);
    return it == d_byTuple.end() ? nullptr : it->second.get();
  }
  // Creates an empty allocation for tuple (the caller fills relays and credential; quota
  // must already be acquired for credential.realUserId). Returns nullptr if one exists.
  Allocation* create(const FiveTuple& tuple, const SocketAddress& client);
  // Releases ports and quota and destroys the allocation.
  void remove(Allocation& allocation, EndReason reason);
  // (Re)schedules the housekeeping of allocation at its next expiry.
  void schedule(Allocation& allocation);
  // Expires what is due at `now` (loop seconds).
  void tick(double now);
  void clear(EndReason reason);

  size_t size() const { return d_byTuple.size(); }
  template <typename F>
  void forEach(F&& f) const
  {
    for (const auto& [tuple, allocation] : d_byTuple) {
      f(*allocation);
    }
  }

private:
  // Passed by argument (not owned)
  QuotaTracker& d_quotas;
  // State
  EndHandler d_onEnd;
  std::unordered_map<FiveTuple, std::unique_ptr<Allocation>, FiveTupleHash> d_byTuple;
  std::unordered_map<uint64_t, Allocation*> d_byId;
  TimerWheel d_wheel;
  uint64_t d_nextId{1};
};

}
