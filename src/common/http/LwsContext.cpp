#include "common/http/LwsContext.hpp"

#include "common/util/Error.hpp"

#include <algorithm>
#include <string>

namespace talk::http::detail {

LwsContextHandle createContext(ev::EventLoop& loop, struct lws_context_creation_info& info, const char* what)
{
  void* foreignLoops[1] = {loop.raw()};
  info.options |= LWS_SERVER_OPTION_LIBEV;
  info.foreign_loops = foreignLoops;
  LwsContextHandle context(lws_create_context(&info));
  info.foreign_loops = nullptr;
  if (!context) {
    throw Error(std::string(what) + ": cannot create the libwebsockets context (is libwebsockets-evlib-ev installed?)");
  }
  return context;
}

TimerKick::TimerKick(ev::EventLoop& loop) :
  d_timer(loop, this)
{
}

void TimerKick::start(struct lws_context* context)
{
  d_context = context;
  d_timer.start(1.0, 1.0);
}

void TimerKick::stop()
{
  d_timer.stop();
  d_context = nullptr;
}

void TimerKick::onTimer(ev::Timer& /*timer*/)
{
  if (d_context != nullptr) {
    lws_cancel_service(d_context);
  }
}

Reaper::Reaper(ev::EventLoop& loop) :
  d_loop(loop), d_timer(loop, this)
{
}

void Reaper::kill(struct lws* wsi, double afterSeconds)
{
  double at = d_loop.now() + afterSeconds;
  for (auto& entry : d_entries) {
    if (entry.first == wsi) {
      entry.second = std::min(entry.second, at);
      rearm();
      return;
    }
  }
  d_entries.emplace_back(wsi, at);
  rearm();
}

void Reaper::forget(struct lws* wsi)
{
  for (size_t i = 0; i < d_entries.size(); ++i) {
    if (d_entries[i].first == wsi) {
      d_entries[i] = d_entries.back();
      d_entries.pop_back();
      break;
    }
  }
  if (d_entries.empty()) {
    d_timer.stop();
  }
}

void Reaper::rearm()
{
  if (d_entries.empty()) {
    d_timer.stop();
    return;
  }
  double first = d_entries.front().second;
  for (const auto& entry : d_entries) {
    first = std::min(first, entry.second);
  }
  d_timer.stop();
  d_timer.start(std::max(0.0, first - d_loop.now()));
}

void Reaper::onTimer(ev::Timer& /*timer*/)
{
  // One at a time, searching again after each: closing one calls listeners, which may
  // schedule or end other connections.
  for (;;) {
    double now = d_loop.now();
    struct lws* due = nullptr;
    for (size_t i = 0; i < d_entries.size(); ++i) {
      if (d_entries[i].second <= now + 1e-3) {
        due = d_entries[i].first;
        d_entries[i] = d_entries.back();
        d_entries.pop_back();
        break;
      }
    }
    if (due == nullptr) {
      break;
    }
    lws_set_timeout(due, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
  }
  rearm();
}

}
