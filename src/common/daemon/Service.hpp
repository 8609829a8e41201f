#pragma once
// What a daemon's composition root implements, and what it receives from runDaemon.
#include "common/config/Settings.hpp"
#include "common/ev/EventLoop.hpp"
#include "common/metrics/Registry.hpp"

#include <functional>
#include <string>

namespace talk::daemon {

struct Context
{
  ev::EventLoop& loop;
  // The current settings: talk.cfg and <daemon>.cfg. runDaemon replaces the objects these
  // refer to (on the loop thread) only after Service::reload() accepted new ones, so
  // reading them through the Context always gives the values in force.
  const config::Settings& common;
  const config::Settings& own;
  metrics::Registry& metrics;
};

class Service
{
public:
  virtual ~Service() = default;
  // Bind listeners; throwing fails startup (ConfigError → exit 78, anything else → 1).
  virtual void start() = 0;
  // SIGHUP: new, already validated settings; apply what may change at run time, throw to
  // keep the old ones (the error is logged, the daemon keeps running).
  virtual void reload(const config::Settings& common, const config::Settings& own) = 0;
  // Graceful stop; call done() when drained (runDaemon bounds the wait with a timer).
  // done() may be called synchronously from stop().
  virtual void stop(std::function<void()> done) = 0;
  // One line for sd_notify STATUS= and the "status" field of /status.
  virtual std::string status() const { return {}; }
  // Optional JSON value (object) embedded as "service" in /status; "" = none.
  virtual std::string statusJson() const { return {}; }
};

}
