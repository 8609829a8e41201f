#pragma once
// Internal: the lws glue shared by Server and WebSocketClient. Not for use outside
// src/common/http.
#include "common/ev/EventLoop.hpp"
#include "common/util/CHandle.hpp"

#include "common/ev/Watchers.hpp"

#include <libwebsockets.h>
#include <utility>
#include <vector>

namespace talk::http::detail {

using LwsContextHandle = CHandle<struct lws_context, lws_context_destroy>;

// Creates an lws context whose sockets and timers run on loop (lws foreign libev loop).
// The caller fills protocols, options, user, limits; this adds the loop. Throws
// talk::Error if lws cannot start (most often: libwebsockets-evlib-ev is missing).
LwsContextHandle createContext(ev::EventLoop& loop, struct lws_context_creation_info& info, const char* what);

// Closes connections at a time of our choosing, from our own libev timer. lws 4.1's
// libev glue does not move its timer earlier once armed (it calls ev_timer_set on an
// active watcher), so an lws timeout set later than others may fire late; and closing a
// wsi synchronously is unsafe inside its own callbacks. This does it outside any lws
// callback with LWS_TO_KILL_SYNC. The owner of the lws context calls forget() from
// LWS_CALLBACK_WSI_DESTROY, so no dead wsi is ever touched.
// Wakes lws once a second (through its event pipe), which makes it run every lws timeout
// that is due: the same libev-glue flaw as above would otherwise delay lws's own
// timeouts (close handshakes, keep-alive, ping hang-ups) until its timer fires for
// something else.
class TimerKick : ev::Timer::Listener
{
public:
  explicit TimerKick(ev::EventLoop& loop);
  TimerKick(const TimerKick&) = delete;
  TimerKick& operator=(const TimerKick&) = delete;

  void start(struct lws_context* context);
  void stop();

private:
  void onTimer(ev::Timer& timer) override;

  ev::Timer d_timer;
  struct lws_context* d_context{nullptr}; // not owned
};

class Reaper : ev::Timer::Listener
{
public:
  explicit Reaper(ev::EventLoop& loop);
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;

  // Closes wsi after that many seconds (0: on the next loop iteration), unless it goes
  // first. A second call keeps the earlier time.
  void kill(struct lws* wsi, double afterSeconds);
  void forget(struct lws* wsi);

private:
  void onTimer(ev::Timer& timer) override;
  void rearm();

  ev::EventLoop& d_loop;
  ev::Timer d_timer;
  std::vector<std::pair<struct lws*, double>> d_entries; // few: closing connections only
};

}
