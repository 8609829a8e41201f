#pragma once
// The Janus WebSocket API of talk-sfu: an http::Server endpoint ("/", subprotocol
// janus-protocol) whose connections feed a JanusApi, plus the timer that expires idle
// sessions. Transport glue only; every decision is JanusApi's.
#include "common/ev/EventLoop.hpp"
#include "common/ev/Watchers.hpp"
#include "common/http/Server.hpp"
#include "sfu/control/JanusApi.hpp"

#include <map>
#include <memory>
#include <string>

namespace talk::sfu::control {

struct JanusApiServerOptions
{
  std::string listen;
  size_t maxMessageBytes{1 << 20};
  size_t maxQueuedBytes{4 << 20};
};

class JanusApiServer final : private ev::Timer::Listener
{
public:
  JanusApiServer(ev::EventLoop& loop, JanusApi& api, const JanusApiServerOptions& options);
  ~JanusApiServer() override;
  JanusApiServer(const JanusApiServer&) = delete;
  JanusApiServer& operator=(const JanusApiServer&) = delete;

  // Binds (throws talk::Error on failure) and starts the expiry timer.
  void start();
  int port() const { return d_server.port(); }
  size_t connectionCount() const { return d_connections.size(); }
  // SIGTERM: refuse new sessions and close every WebSocket with 1001.
  void drain();

private:
  class Connection;

  void onTimer(ev::Timer& timer) override;
  void closed(Connection& connection);

  // Passed by argument (not owned)
  JanusApi& d_api;
  // Owned
  http::Server d_server;
  ev::Timer d_expiry;
  // State
  std::map<Connection*, std::unique_ptr<Connection>> d_connections;
};

}
