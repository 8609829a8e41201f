#pragma once
// Timers as the domain sees them: one-shot callbacks after a delay, cancellable by id,
// plus the clocks. EvScheduler runs them on the loop; tests use a manual clock.
#include <cstdint>
#include <functional>

namespace talk::signaling {

class Scheduler
{
public:
  using Id = uint64_t; // 0 = no timer

  virtual ~Scheduler() = default;
  virtual Id after(double seconds, std::function<void()> callback) = 0;
  // Cancelling an id that fired or was cancelled already is a no-op.
  virtual void cancel(Id id) = 0;
  // Monotonic seconds.
  virtual double now() const = 0;
  virtual int64_t unixSeconds() const = 0;
};

}
