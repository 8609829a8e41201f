#include "common/ev/EventLoop.hpp"

#include "common/util/Error.hpp"

namespace talk::ev {

EventLoop::EventLoop() :
  d_loop(ev_loop_new(EVFLAG_AUTO | EVFLAG_NOENV))
{
  if (!d_loop) {
    throw Error("cannot create libev loop");
  }
}

void EventLoop::run()
{
  ev_run(d_loop.get(), 0);
}

void EventLoop::runOnce(bool block)
{
  ev_run(d_loop.get(), block ? EVRUN_ONCE : EVRUN_NOWAIT);
}

void EventLoop::stop()
{
  ev_break(d_loop.get(), EVBREAK_ALL);
}

double EventLoop::now() const
{
  return ev_now(d_loop.get());
}

}
