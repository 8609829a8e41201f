#include "common/metrics/MetricsServer.hpp"

#include "common/http/Server.hpp"

namespace talk::metrics {

struct MetricsServer::Impl
{
  Impl(ev::EventLoop& loop, http::ServerOptions options) :
    server(loop, std::move(options)) {}

  http::Server server;
};

namespace {

http::ServerOptions serverOptions(const std::string& listen)
{
  http::ServerOptions o;
  o.listen = listen;
  // Scrapers are few and send no bodies: keep the per-connection limits small.
  o.maxBodyBytes = 4096;
  o.maxHeaderBytes = 4096;
  o.requestTimeoutSeconds = 10;
  o.pingIntervalSeconds = 0;
  return o;
}

http::Response uncached(std::string contentType, std::string body)
{
  http::Response r;
  r.contentType = std::move(contentType);
  r.body = std::move(body);
  r.headers.emplace_back("cache-control", "no-store");
  return r;
}

}

MetricsServer::MetricsServer(ev::EventLoop& loop, const Registry& registry, std::string listen, std::function<std::string()> statusJson)
{
  validateListen(listen);
  d_impl = std::make_unique<Impl>(loop, serverOptions(listen));
  d_impl->server.handle("GET", "/metrics", [&registry](const http::Request&, http::Responder responder) {
    responder.send(uncached("text/plain; version=0.0.4; charset=utf-8", registry.render()));
  });
  d_impl->server.handle("GET", "/status", [status = std::move(statusJson)](const http::Request&, http::Responder responder) {
    std::string body = status ? status() : std::string("{}");
    body += '\n';
    responder.send(uncached("application/json", std::move(body)));
  });
  d_impl->server.start();
}

MetricsServer::~MetricsServer() = default;

void MetricsServer::validateListen(const std::string& listen)
{
  http::Server::validateListen(listen, "metrics.listen");
}

int MetricsServer::port() const
{
  return d_impl->server.port();
}

}
