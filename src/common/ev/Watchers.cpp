#define TLOG_COMPONENT "ev"
#include "common/ev/Watchers.hpp"

#include "common/log/Logger.hpp"

#include <exception>

namespace talk::ev {

namespace {

// Every trampoline funnels through here: a throwing listener is logged, never propagated.
template <typename Fn>
void guarded(const char* what, Fn&& fn) noexcept
{
  try {
    fn();
  }
  catch (const std::exception& e) {
    TLOG_ERROR("uncaught exception in %s callback: %s", what, e.what());
  }
  catch (...) {
    TLOG_ERROR("uncaught non-standard exception in %s callback", what);
  }
}

}

IoWatcher::IoWatcher(EventLoop& loop, Listener* listener) :
  d_loop(loop), d_listener(listener)
{
  ev_init(&d_watcher, &IoWatcher::trampoline);
  d_watcher.data = this;
  d_watcher.fd = -1;
}

IoWatcher::~IoWatcher()
{
  stop();
}

void IoWatcher::set(int fd, int events)
{
  if (ev_is_active(&d_watcher) != 0 && d_watcher.fd == fd && d_events == events) {
    return;
  }
  ev_io_stop(d_loop.raw(), &d_watcher);
  d_events = events;
  ev_io_set(&d_watcher, fd, events);
  if (events != 0 && fd >= 0) {
    ev_io_start(d_loop.raw(), &d_watcher);
  }
}

void IoWatcher::stop()
{
  ev_io_stop(d_loop.raw(), &d_watcher);
  d_events = 0;
}

void IoWatcher::trampoline(struct ev_loop* /*loop*/, ev_io* watcher, int revents)
{
  auto* self = static_cast<IoWatcher*>(watcher->data);
  guarded("io", [&] { self->d_listener->onIo(*self, revents & (EV_READ | EV_WRITE)); });
}

Timer::Timer(EventLoop& loop, Listener* listener) :
  d_loop(loop), d_listener(listener)
{
  ev_init(&d_watcher, &Timer::trampoline);
  d_watcher.data = this;
}

Timer::~Timer()
{
  stop();
}

void Timer::start(double after, double repeat)
{
  ev_timer_stop(d_loop.raw(), &d_watcher);
  ev_timer_set(&d_watcher, after, repeat);
  ev_timer_start(d_loop.raw(), &d_watcher);
}

void Timer::stop()
{
  ev_timer_stop(d_loop.raw(), &d_watcher);
}

void Timer::trampoline(struct ev_loop* /*loop*/, ev_timer* watcher, int /*revents*/)
{
  auto* self = static_cast<Timer*>(watcher->data);
  guarded("timer", [&] { self->d_listener->onTimer(*self); });
}

SignalWatcher::SignalWatcher(EventLoop& loop, Listener* listener, int signal) :
  d_loop(loop), d_listener(listener)
{
  ev_signal_init(&d_watcher, &SignalWatcher::trampoline, signal);
  d_watcher.data = this;
  ev_signal_start(d_loop.raw(), &d_watcher);
  // Signal watchers must not keep the loop alive on their own.
  ev_unref(d_loop.raw());
}

SignalWatcher::~SignalWatcher()
{
  ev_ref(d_loop.raw());
  ev_signal_stop(d_loop.raw(), &d_watcher);
}

void SignalWatcher::trampoline(struct ev_loop* /*loop*/, ev_signal* watcher, int /*revents*/)
{
  auto* self = static_cast<SignalWatcher*>(watcher->data);
  guarded("signal", [&] { self->d_listener->onSignal(*self, watcher->signum); });
}

AsyncWatcher::AsyncWatcher(EventLoop& loop, Listener* listener) :
  d_loop(loop), d_listener(listener)
{
  ev_async_init(&d_watcher, &AsyncWatcher::trampoline);
  d_watcher.data = this;
  ev_async_start(d_loop.raw(), &d_watcher);
  ev_unref(d_loop.raw());
}

AsyncWatcher::~AsyncWatcher()
{
  ev_ref(d_loop.raw());
  ev_async_stop(d_loop.raw(), &d_watcher);
}

void AsyncWatcher::send()
{
  ev_async_send(d_loop.raw(), &d_watcher);
}

void AsyncWatcher::trampoline(struct ev_loop* /*loop*/, ev_async* watcher, int /*revents*/)
{
  auto* self = static_cast<AsyncWatcher*>(watcher->data);
  guarded("async", [&] { self->d_listener->onAsync(*self); });
}

PrepareWatcher::PrepareWatcher(EventLoop& loop, Listener* listener) :
  d_loop(loop), d_listener(listener)
{
  ev_prepare_init(&d_watcher, &PrepareWatcher::trampoline);
  d_watcher.data = this;
  ev_prepare_start(d_loop.raw(), &d_watcher);
  ev_unref(d_loop.raw());
}

PrepareWatcher::~PrepareWatcher()
{
  ev_ref(d_loop.raw());
  ev_prepare_stop(d_loop.raw(), &d_watcher);
}

void PrepareWatcher::trampoline(struct ev_loop* /*loop*/, ev_prepare* watcher, int /*revents*/)
{
  auto* self = static_cast<PrepareWatcher*>(watcher->data);
  guarded("prepare", [&] { self->d_listener->onPrepare(*self); });
}

}
