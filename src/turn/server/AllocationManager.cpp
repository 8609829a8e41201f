#include "turn/server/AllocationManager.hpp"

#include "turn/server/PortAllocator.hpp"
#include "turn/server/QuotaTracker.hpp"

#include <cmath>
#include <vector>

namespace talk::turn {

AllocationManager::AllocationManager(QuotaTracker& quotas, EndHandler onEnd) :
  d_quotas(quotas), d_onEnd(std::move(onEnd))
{
}

AllocationManager::~AllocationManager()
{
  clear(EndReason::Shutdown);
}

Allocation* AllocationManager::create(const FiveTuple& tuple, const SocketAddress& client)
{
  if (d_byTuple.count(tuple) != 0) {
    return nullptr;
  }
  auto allocation = std::make_unique<Allocation>(d_nextId++, tuple, client);
  Allocation* raw = allocation.get();
  d_byTuple.emplace(tuple, std::move(allocation));
  d_byId.emplace(raw->id(), raw);
  return raw;
}

void AllocationManager::remove(Allocation& allocation, EndReason reason)
{
  auto it = d_byTuple.find(allocation.tuple());
  if (it == d_byTuple.end() || it->second.get() != &allocation) {
    return;
  }
  std::unique_ptr<Allocation> owned = std::move(it->second);
  d_byTuple.erase(it);
  d_byId.erase(owned->id());
  if (d_onEnd) {
    d_onEnd(*owned, reason);
  }
  for (size_t i = 0; i < owned->relays.size(); ++i) {
    if (owned->relays[i] && owned->portOwners[i] != nullptr) {
      const uint16_t port = owned->relays[i]->local().port();
      owned->relays[i].reset(); // close the socket before the port can be handed out again
      owned->portOwners[i]->release(port);
    }
  }
  d_quotas.release(owned->credential.realUserId);
}

void AllocationManager::schedule(Allocation& allocation)
{
  const auto due = static_cast<int64_t>(std::ceil(allocation.nextExpiry()));
  if (allocation.scheduledWake == due) {
    return;
  }
  allocation.scheduledWake = due;
  d_wheel.schedule(allocation.id(), due);
}

void AllocationManager::tick(double now)
{
  std::vector<Allocation*> expired;
  const auto nowSecond = static_cast<int64_t>(std::floor(now));
  d_wheel.advance(nowSecond, [&](uint64_t id, int64_t due) {
    auto it = d_byId.find(id);
    if (it == d_byId.end()) {
      return;
    }
    Allocation& allocation = *it->second;
    if (allocation.scheduledWake != due) {
      return; // superseded by a later schedule()
    }
    allocation.scheduledWake = -1;
    if (allocation.expires <= now) {
      expired.push_back(&allocation);
      return;
    }
    allocation.sweep(now);
    schedule(allocation);
  });
  for (Allocation* allocation : expired) {
    remove(*allocation, EndReason::Expired);
  }
}

void AllocationManager::clear(EndReason reason)
{
  std::vector<Allocation*> all;
  all.reserve(d_byTuple.size());
  for (auto& [tuple, allocation] : d_byTuple) {
    all.push_back(allocation.get());
  }
  for (Allocation* allocation : all) {
    remove(*allocation, reason);
  }
}

}
