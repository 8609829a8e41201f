#include "turn/server/TimerWheel.hpp"

namespace talk::turn {

TimerWheel::TimerWheel(size_t slots) :
  d_slots(slots == 0 ? 1 : slots)
{
}

void TimerWheel::schedule(uint64_t id, int64_t due)
{
  if (d_current >= 0 && due <= d_current) {
    due = d_current + 1;
  }
  d_slots[static_cast<size_t>(due) % d_slots.size()].push_back(Entry{id, due});
  ++d_size;
}

void TimerWheel::advance(int64_t now, const std::function<void(uint64_t, int64_t)>& fire)
{
  if (d_current < 0) {
    d_current = now - 1;
  }
  // After a long stall, one lap covers every slot.
  int64_t from = d_current + 1;
  if (now - from >= static_cast<int64_t>(d_slots.size())) {
    from = now - static_cast<int64_t>(d_slots.size()) + 1;
  }
  for (int64_t second = from; second <= now; ++second) {
    auto& slot = d_slots[static_cast<size_t>(second) % d_slots.size()];
    d_firing.clear();
    size_t keep = 0;
    for (size_t i = 0; i < slot.size(); ++i) {
      if (slot[i].due <= now) {
        d_firing.push_back(slot[i]);
      }
      else {
        slot[keep++] = slot[i];
      }
    }
    slot.resize(keep);
    d_size -= d_firing.size();
    d_current = second;
    for (const Entry& entry : d_firing) {
      fire(entry.id, entry.due);
    }
  }
  d_current = now;
}

}
