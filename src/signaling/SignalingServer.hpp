#pragma once
// The composition root of talk-signaling (style.md rule 3): owns the bus, the scheduler,
// the HTTP client and the Nextcloud gateway, the Hub and the HTTP/WebSocket server, and
// wires them. Routes: /spreed (WebSocket), /api/v1/welcome, POST /api/v1/room/{id},
// /api/v1/stats, /api/v1/serverinfo, /turn/credentials, /metrics.
#include "common/daemon/Service.hpp"

#include <memory>

namespace talk::signaling {

class SignalingServer final : public daemon::Service
{
public:
  explicit SignalingServer(daemon::Context& context);
  ~SignalingServer() override;

  void start() override;
  void reload(const config::Settings& common, const config::Settings& own) override;
  void stop(std::function<void()> done) override;
  std::string status() const override;
  std::string statusJson() const override;

  // The bound HTTP port (tests).
  int port() const;

  struct Impl;

private:
  std::unique_ptr<Impl> d_impl;
};

}
