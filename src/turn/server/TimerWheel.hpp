#pragma once
// A coarse (1 s) hashed timer wheel for allocation housekeeping: one ev timer per loop
// drives it, instead of one OS timer per allocation, permission or channel (spec §5).
// Entries are (id, due second). Cancelling is lazy: the owner keeps its own "next wake"
// and ignores entries that no longer match (an allocation refreshed 1000 times leaves at
// most one live entry per distinct due second, and stale ones are dropped when reached).
#include <cstdint>
#include <functional>
#include <vector>

namespace talk::turn {

class TimerWheel
{
public:
  explicit TimerWheel(size_t slots = 1024);

  // Schedules `id` at second `due` (clamped to at least the next tick).
  void schedule(uint64_t id, int64_t due);
  // Advances to `now` (seconds) and calls fire(id, due) for every entry whose due second
  // has passed. fire may schedule again.
  void advance(int64_t now, const std::function<void(uint64_t id, int64_t due)>& fire);
  size_t size() const { return d_size; }

private:
  struct Entry
  {
    uint64_t id;
    int64_t due;
  };

  // State
  std::vector<std::vector<Entry>> d_slots;
  std::vector<Entry> d_firing; // reused between ticks
  int64_t d_current{-1};       // last second processed
  size_t d_size{0};
};

}
