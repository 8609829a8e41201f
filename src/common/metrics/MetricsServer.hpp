#pragma once
// Serves GET /metrics (text/plain; version=0.0.4) and GET /status (application/json from a
// callback) on an http::Server (libwebsockets on our libev loop; see common/http). Every
// other path is 404, every other method 405. Runs entirely on the loop thread; callbacks
// are invoked there.
#include "common/ev/EventLoop.hpp"
#include "common/metrics/Registry.hpp"

#include <functional>
#include <memory>
#include <string>

namespace talk::metrics {

class MetricsServer
{
public:
  // listen: "127.0.0.1:9090", "[::1]:9090", "0.0.0.0:9090"; port 0 picks a free port
  // (see port()). Throws ConfigError for a malformed address, talk::Error when it cannot
  // listen.
  MetricsServer(ev::EventLoop& loop, const Registry& registry, std::string listen, std::function<std::string()> statusJson);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Throws ConfigError ("metrics.listen: expected address:port") when listen is malformed.
  static void validateListen(const std::string& listen);

  // The bound TCP port.
  int port() const;

  struct Impl;

private:
  std::unique_ptr<Impl> d_impl;
};

}
