#include "signaling/EvScheduler.hpp"

#include <ctime>

namespace talk::signaling {

EvScheduler::EvScheduler(ev::EventLoop& loop) : d_loop(loop), d_timer(loop, this) {}

Scheduler::Id EvScheduler::after(double seconds, std::function<void()> callback)
{
  const Id id = d_nextId++;
  const double when = now() + seconds;
  d_due.emplace(std::make_pair(when, id), std::move(callback));
  d_when.emplace(id, when);
  rearm();
  return id;
}

void EvScheduler::cancel(Id id)
{
  auto it = d_when.find(id);
  if (it == d_when.end()) {
    return;
  }
  d_due.erase(std::make_pair(it->second, id));
  d_when.erase(it);
  rearm();
}

double EvScheduler::now() const { return d_loop.now(); }

int64_t EvScheduler::unixSeconds() const { return static_cast<int64_t>(std::time(nullptr)); }

void EvScheduler::onTimer(ev::Timer&)
{
  const double current = now();
  // Callbacks may schedule or cancel; take one due entry at a time.
  while (!d_due.empty() && d_due.begin()->first.first <= current) {
    auto node = d_due.extract(d_due.begin());
    d_when.erase(node.key().second);
    node.mapped()();
  }
  rearm();
}

void EvScheduler::rearm()
{
  d_timer.stop();
  if (!d_due.empty()) {
    double delay = d_due.begin()->first.first - now();
    d_timer.start(delay > 0 ? delay : 0.0);
  }
}

}
