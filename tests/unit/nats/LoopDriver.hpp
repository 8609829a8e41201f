#pragma once
// Runs an EventLoop step by step until a condition holds or a deadline passes: every wait
// in the nats tests is bounded by this.
#include "common/ev/Watchers.hpp"

#include <chrono>
#include <functional>

namespace talk::nats::test {

class LoopDriver : private ev::Timer::Listener
{
public:
  explicit LoopDriver(ev::EventLoop& loop) : d_loop(loop), d_tick(loop, this) {}

  // Returns pred() at the end: true if it became true within `seconds`.
  bool runUntil(const std::function<bool()>& pred, double seconds)
  {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    // A short repeating tick so a blocking iteration never outlives the deadline.
    d_tick.start(0.005, 0.005);
    while (!pred() && std::chrono::steady_clock::now() < deadline) {
      d_loop.runOnce(true);
    }
    d_tick.stop();
    return pred();
  }

  // Runs the loop for a fixed time (to show that something does NOT happen).
  void runFor(double seconds)
  {
    runUntil([] { return false; }, seconds);
  }

private:
  void onTimer(ev::Timer& /*timer*/) override {}

  ev::EventLoop& d_loop;
  ev::Timer d_tick;
};

}
