#pragma once
// talk-sfu's composition root (style.md rule 1, 3): reads SfuSettings, owns the media
// engine, the Janus control plane (JanusApi) and its WebSocket server, and the metrics.
// One loop today; rooms are the unit a later sharding over several loops would move.
#include "common/daemon/Service.hpp"
#include "common/ev/Watchers.hpp"
#include "sfu/SfuSettings.hpp"

#include <functional>
#include <memory>
#include <string>

namespace talk::sfu {

class MediaEngine;
namespace control {
class JanusApi;
class JanusApiServer;
}

class SfuServer final : public daemon::Service, private ev::Timer::Listener
{
public:
  explicit SfuServer(daemon::Context& context, std::string version);
  ~SfuServer() override;

  void start() override;
  void reload(const config::Settings& common, const config::Settings& own) override;
  void stop(std::function<void()> done) override;
  std::string status() const override;
  std::string statusJson() const override;

  int port() const;

private:
  void onTimer(ev::Timer& timer) override;
  void registerMetrics();

  // Passed by argument (not owned)
  daemon::Context& d_context;
  // State
  std::string d_version;
  SfuConfig d_config;
  std::function<void()> d_stopped;
  // Owned (the API server goes before the API, the API before the engine)
  std::unique_ptr<MediaEngine> d_engine;
  std::unique_ptr<control::JanusApi> d_api;
  std::unique_ptr<control::JanusApiServer> d_server;
  ev::Timer d_drainPoll;
};

}
