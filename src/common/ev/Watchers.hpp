#pragma once
// RAII handles over libev watchers. Each one calls a non-owned Listener from its C
// trampoline; no exception ever crosses back into libev (it is logged and swallowed).
// Destroying a handle stops its watcher.
#include "common/ev/EventLoop.hpp"

namespace talk::ev {

class IoWatcher
{
public:
  class Listener
  {
  public:
    virtual ~Listener() = default;
    // events is a mask of EV_READ / EV_WRITE.
    virtual void onIo(IoWatcher& watcher, int events) = 0;
  };

  IoWatcher(EventLoop& loop, Listener* listener);
  ~IoWatcher();
  IoWatcher(const IoWatcher&) = delete;
  IoWatcher& operator=(const IoWatcher&) = delete;

  // (Re)arms the watcher for fd with an EV_READ/EV_WRITE mask; 0 stops it.
  void set(int fd, int events);
  void stop();
  int fd() const { return d_watcher.fd; }
  int events() const { return d_events; }

private:
  static void trampoline(struct ev_loop* loop, ev_io* watcher, int revents);

  // Passed by argument (not owned)
  EventLoop& d_loop;
  Listener* d_listener;
  // State
  ev_io d_watcher{};
  int d_events{0};
};

class Timer
{
public:
  class Listener
  {
  public:
    virtual ~Listener() = default;
    virtual void onTimer(Timer& timer) = 0;
  };

  Timer(EventLoop& loop, Listener* listener);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Fires after `after` seconds, then every `repeat` seconds if repeat > 0.
  void start(double after, double repeat = 0.0);
  void stop();
  bool active() const { return ev_is_active(&d_watcher) != 0; }

private:
  static void trampoline(struct ev_loop* loop, ev_timer* watcher, int revents);

  EventLoop& d_loop;
  Listener* d_listener;
  ev_timer d_watcher{};
};

class SignalWatcher
{
public:
  class Listener
  {
  public:
    virtual ~Listener() = default;
    virtual void onSignal(SignalWatcher& watcher, int signal) = 0;
  };

  SignalWatcher(EventLoop& loop, Listener* listener, int signal);
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

private:
  static void trampoline(struct ev_loop* loop, ev_signal* watcher, int revents);

  EventLoop& d_loop;
  Listener* d_listener;
  ev_signal d_watcher{};
};

// Wakes the loop from any thread. The only cross-thread entry (see AsyncInbox).
class AsyncWatcher
{
public:
  class Listener
  {
  public:
    virtual ~Listener() = default;
    virtual void onAsync(AsyncWatcher& watcher) = 0;
  };

  AsyncWatcher(EventLoop& loop, Listener* listener);
  ~AsyncWatcher();
  AsyncWatcher(const AsyncWatcher&) = delete;
  AsyncWatcher& operator=(const AsyncWatcher&) = delete;

  // Thread-safe.
  void send();

private:
  static void trampoline(struct ev_loop* loop, ev_async* watcher, int revents);

  EventLoop& d_loop;
  Listener* d_listener;
  ev_async d_watcher{};
};

// Runs work once per loop iteration, before blocking (libraries that need a "prepare" hook).
class PrepareWatcher
{
public:
  class Listener
  {
  public:
    virtual ~Listener() = default;
    virtual void onPrepare(PrepareWatcher& watcher) = 0;
  };

  PrepareWatcher(EventLoop& loop, Listener* listener);
  ~PrepareWatcher();
  PrepareWatcher(const PrepareWatcher&) = delete;
  PrepareWatcher& operator=(const PrepareWatcher&) = delete;

private:
  static void trampoline(struct ev_loop* loop, ev_prepare* watcher, int revents);

  EventLoop& d_loop;
  Listener* d_listener;
  ev_prepare d_watcher{};
};

}
