#pragma once
// One EventLoop per thread; every watcher belongs to exactly one loop (architecture.md §6).
#include "common/util/CHandle.hpp"

#include <ev.h>

namespace talk::ev {

class EventLoop
{
public:
  EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs until stop() is called or no active watcher is left.
  void run();
  // Runs one iteration without blocking (tests drive the loop step by step).
  void runOnce(bool block = false);
  void stop();
  // Loop time in seconds (cached at the start of the iteration).
  double now() const;

  struct ev_loop* raw() const { return d_loop.get(); }

private:
  // Owned
  CHandle<struct ev_loop, ev_loop_destroy> d_loop;
};

}
