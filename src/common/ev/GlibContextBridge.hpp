#pragma once
// Drives a GMainContext from the owning libev loop, the way EV::Glib embeds glib in EV:
// a prepare watcher asks glib which fds to poll and how long it may sleep and mirrors that
// as ev_io watchers plus one ev_timer; a check watcher (highest priority, so it runs before
// the mirrored watchers' own callbacks) hands the poll results back to glib and dispatches
// the ready sources. No GMainLoop and no extra thread: glib callbacks (libnice signals,
// timeouts, socket sources) run on the loop thread, between libev callbacks.
//
// The bridge acquires the context for the loop thread for its whole lifetime; nothing else
// may iterate that context. While the bridge exists its poll fds (at least glib's wakeup
// fd) keep the loop running, so programs end it with EventLoop::stop().
#include "common/ev/EventLoop.hpp"

#include <memory>
#include <vector>

typedef struct _GMainContext GMainContext;
typedef struct _GPollFD GPollFD;

namespace talk::ev {

class GlibContextBridge
{
public:
  // Drives a new private context (the usual case: one per loop, shared by its NiceAgents).
  explicit GlibContextBridge(EventLoop& loop);
  // Drives an existing context (takes a reference). Throws talk::Error if another thread
  // already owns it.
  GlibContextBridge(EventLoop& loop, GMainContext* context);
  ~GlibContextBridge();
  GlibContextBridge(const GlibContextBridge&) = delete;
  GlibContextBridge& operator=(const GlibContextBridge&) = delete;

  // The context to give to glib users (nice_agent_new_full, g_source_attach, …). Not owned
  // by the caller; valid as long as the bridge.
  GMainContext* context() const;

  EventLoop& loop() const { return d_loop; }

private:
  struct Impl;

  // Passed by argument (not owned)
  EventLoop& d_loop;
  // Owned
  std::unique_ptr<Impl> d_impl;
};

}
