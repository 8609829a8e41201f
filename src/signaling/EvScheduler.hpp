#pragma once
// Scheduler on a libev loop: a time-ordered map of callbacks served by one ev::Timer.
#include "common/ev/Watchers.hpp"
#include "signaling/Scheduler.hpp"

#include <map>
#include <utility>

namespace talk::signaling {

class EvScheduler final : public Scheduler, private ev::Timer::Listener
{
public:
  explicit EvScheduler(ev::EventLoop& loop);

  Id after(double seconds, std::function<void()> callback) override;
  void cancel(Id id) override;
  double now() const override;
  int64_t unixSeconds() const override;

private:
  void onTimer(ev::Timer& timer) override;
  void rearm();

  // Passed by argument (not owned)
  ev::EventLoop& d_loop;
  // Owned
  ev::Timer d_timer;
  // State
  Id d_nextId{1};
  std::map<std::pair<double, Id>, std::function<void()>> d_due;
  std::map<Id, double> d_when;
};

}
