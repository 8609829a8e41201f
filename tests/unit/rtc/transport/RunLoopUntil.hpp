#pragma once
// Runs a loop until a condition holds, bounded by a generous safety limit (a hung test
// fails instead of blocking the suite; no assertion depends on how fast it happens).
#include "common/ev/Watchers.hpp"

#include <functional>

namespace talk::test {

inline bool runLoopUntil(ev::EventLoop& loop, const std::function<bool()>& done, double limitSeconds = 20.0)
{
  struct Guard : ev::Timer::Listener
  {
    bool expired = false;
    void onTimer(ev::Timer& /*timer*/) override { expired = true; }
  } guard;
  ev::Timer limit(loop, &guard);
  limit.start(limitSeconds);
  while (!done() && !guard.expired) {
    loop.runOnce(true);
  }
  return done();
}

}
