#define TLOG_COMPONENT "ev"
#include "common/ev/GlibContextBridge.hpp"

#include "common/log/Logger.hpp"
#include "common/util/Error.hpp"

#include <exception>
#include <glib.h>

namespace talk::ev {

// The watchers live here, in raw libev form: the check watcher must read the mirrored io
// watchers' pending events with ev_clear_pending before libev would invoke them, which the
// Listener-style handles in Watchers.hpp do not expose.
struct GlibContextBridge::Impl
{
  struct PollSlot
  {
    ev_io watcher{};
    bool started{false};
  };

  Impl(struct ev_loop* evLoop, GMainContext* ctx) :
    loop(evLoop), context(ctx)
  {
    ev_prepare_init(&prepare, &Impl::onPrepare);
    prepare.data = this;
    ev_set_priority(&prepare, EV_MINPRI);
    ev_prepare_start(loop, &prepare);
    ev_unref(loop);

    // Highest priority: the check callback must run before the io watchers' (no-op)
    // callbacks so it can take their pending events (libev(3), "ev_prepare and ev_check").
    ev_check_init(&check, &Impl::onCheck);
    check.data = this;
    ev_set_priority(&check, EV_MAXPRI);
    ev_check_start(loop, &check);
    ev_unref(loop);

    ev_init(&timeout, &Impl::onWake);
    timeout.data = this;
    ev_set_priority(&timeout, EV_MINPRI);
  }

  ~Impl()
  {
    for (auto& slot : slots) {
      ev_io_stop(loop, &slot->watcher);
    }
    ev_timer_stop(loop, &timeout);
    ev_ref(loop);
    ev_check_stop(loop, &check);
    ev_ref(loop);
    ev_prepare_stop(loop, &prepare);
  }

  static void onWake(struct ev_loop* /*loop*/, ev_timer* /*w*/, int /*revents*/) {}
  static void onIo(struct ev_loop* /*loop*/, ev_io* /*w*/, int /*revents*/) {}

  static void onPrepare(struct ev_loop* /*loop*/, ev_prepare* w, int /*revents*/)
  {
    auto* self = static_cast<Impl*>(w->data);
    try {
      self->beforePoll();
    }
    catch (const std::exception& e) {
      TLOG_ERROR("glib bridge prepare failed: %s", e.what());
    }
    catch (...) {
      TLOG_ERROR("glib bridge prepare failed");
    }
  }

  static void onCheck(struct ev_loop* /*loop*/, ev_check* w, int /*revents*/)
  {
    auto* self = static_cast<Impl*>(w->data);
    try {
      self->afterPoll();
    }
    catch (const std::exception& e) {
      TLOG_ERROR("glib bridge check failed: %s", e.what());
    }
    catch (...) {
      TLOG_ERROR("glib bridge check failed");
    }
  }

  // glib says what to wait for; mirror it. Watchers are only touched when glib's set
  // changed, so a steady set of sockets costs no epoll_ctl per iteration.
  void beforePoll()
  {
    g_main_context_prepare(context, &maxPriority);
    gint timeoutMs = -1;
    int wanted = static_cast<int>(fds.size());
    for (;;) {
      const gint needed = g_main_context_query(context, maxPriority, &timeoutMs, fds.data(), wanted);
      if (needed <= wanted) {
        active = needed;
        break;
      }
      fds.resize(static_cast<size_t>(needed));
      wanted = needed;
    }
    while (slots.size() < static_cast<size_t>(active)) {
      auto slot = std::make_unique<PollSlot>();
      ev_init(&slot->watcher, &Impl::onIo);
      slot->watcher.data = this;
      slots.push_back(std::move(slot));
    }
    for (size_t i = 0; i < slots.size(); ++i) {
      auto& slot = *slots[i];
      if (i >= static_cast<size_t>(active)) {
        if (slot.started) {
          ev_io_stop(loop, &slot.watcher);
          slot.started = false;
        }
        continue;
      }
      GPollFD& pfd = fds[i];
      pfd.revents = 0;
      const int events = ((pfd.events & (G_IO_IN | G_IO_HUP | G_IO_ERR)) != 0 ? EV_READ : 0) |
                         ((pfd.events & G_IO_OUT) != 0 ? EV_WRITE : 0);
      if (slot.started && slot.watcher.fd == pfd.fd && (slot.watcher.events & (EV_READ | EV_WRITE)) == events) {
        continue;
      }
      if (slot.started) {
        ev_io_stop(loop, &slot.watcher);
        slot.started = false;
      }
      if (events != 0) {
        ev_io_set(&slot.watcher, pfd.fd, events);
        ev_io_start(loop, &slot.watcher);
        slot.started = true;
      }
    }
    ev_timer_stop(loop, &timeout);
    if (timeoutMs >= 0) {
      ev_timer_set(&timeout, timeoutMs / 1000.0, 0.0);
      ev_timer_start(loop, &timeout);
    }
  }

  // Hand the poll results to glib and run whatever is ready.
  void afterPoll()
  {
    for (int i = 0; i < active; ++i) {
      auto& slot = *slots[static_cast<size_t>(i)];
      if (!slot.started) {
        continue;
      }
      const int revents = ev_clear_pending(loop, &slot.watcher);
      GPollFD& pfd = fds[static_cast<size_t>(i)];
      pfd.revents = 0;
      if ((revents & EV_READ) != 0) {
        pfd.revents |= G_IO_IN;
      }
      if ((revents & EV_WRITE) != 0) {
        pfd.revents |= G_IO_OUT;
      }
      if ((revents & EV_ERROR) != 0) {
        pfd.revents |= G_IO_ERR;
      }
      pfd.revents &= pfd.events | G_IO_ERR | G_IO_HUP;
    }
    ev_clear_pending(loop, &timeout);
    if (g_main_context_check(context, maxPriority, fds.data(), active) != 0) {
      g_main_context_dispatch(context);
    }
  }

  struct ev_loop* loop;
  GMainContext* context;
  ev_prepare prepare{};
  ev_check check{};
  ev_timer timeout{};
  gint maxPriority{0};
  int active{0};
  std::vector<GPollFD> fds = std::vector<GPollFD>(8);
  std::vector<std::unique_ptr<PollSlot>> slots;
};

GlibContextBridge::GlibContextBridge(EventLoop& loop) :
  d_loop(loop)
{
  GMainContext* context = g_main_context_new();
  if (g_main_context_acquire(context) == 0) {
    g_main_context_unref(context);
    throw Error("cannot acquire a new GMainContext");
  }
  d_impl = std::make_unique<Impl>(loop.raw(), context);
}

GlibContextBridge::GlibContextBridge(EventLoop& loop, GMainContext* context) :
  d_loop(loop)
{
  if (g_main_context_acquire(context) == 0) {
    throw Error("GMainContext is owned by another thread");
  }
  g_main_context_ref(context);
  d_impl = std::make_unique<Impl>(loop.raw(), context);
}

GlibContextBridge::~GlibContextBridge()
{
  GMainContext* context = d_impl->context;
  d_impl.reset();
  g_main_context_release(context);
  g_main_context_unref(context);
}

GMainContext* GlibContextBridge::context() const
{
  return d_impl->context;
}

}
