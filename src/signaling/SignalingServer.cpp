#include "signaling/SignalingServer.hpp"

#define TLOG_COMPONENT "signaling"
#include "common/http/Server.hpp"

#include "common/crypto/Crypto.hpp"
#include "common/log/Logger.hpp"
#include "common/util/Clock.hpp"
#include "common/util/Error.hpp"
#include "nats/BusFactory.hpp"
#include "signaling/ClientAddress.hpp"
#include "signaling/EvScheduler.hpp"
#include "signaling/Hub.hpp"
#include "signaling/NextcloudGateway.hpp"
#include "signaling/SignalingSettings.hpp"
#include "signaling/backend/BackendApi.hpp"
#include "signaling/backend/Throttler.hpp"
#include "signaling/protocol/MessageCodec.hpp"

#include <map>

namespace talk::signaling {

namespace {

#ifdef PACKAGE_VERSION
constexpr const char* Version = PACKAGE_VERSION;
#else
constexpr const char* Version = "0";
#endif

std::string joinFeatures(const std::vector<std::string>& features)
{
  std::string out;
  for (const std::string& feature : features) {
    if (!out.empty()) {
      out += ", ";
    }
    out += feature;
  }
  return out;
}

nats::BusConfig busConfig(const config::Settings& common)
{
  nats::BusConfig config;
  config.url = common.getString("nats.url");
  config.name = "talk-signaling";
  if (!common.getString("nats.token_file").empty()) {
    config.token = common.readSecret("nats.token_file");
  }
  config.user = common.getString("nats.user");
  if (!common.getString("nats.password_file").empty()) {
    config.password = common.readSecret("nats.password_file");
  }
  config.credentialsFile = common.secretPath("nats.credentials_file");
  config.tlsCa = common.getString("nats.tls_ca");
  config.tls = !config.tlsCa.empty();
  return config;
}

HubConfig hubConfig(const SignalingRuntime& runtime)
{
  HubConfig config;
  config.version = Version;
  config.helloTimeout = runtime.helloTimeout;
  config.roomJoinTimeout = runtime.roomJoinTimeout;
  config.resumeWindow = runtime.resumeWindow;
  config.internalSecret = runtime.internalSecret;
  config.hashKey = runtime.hashKey;
  config.blockKey = runtime.blockKey;
  return config;
}

http::HttpClientOptions clientOptions(const backend::BackendRegistry& registry)
{
  http::HttpClientOptions options;
  options.maxConnectionsPerHost = registry.options().connectionsPerHost;
  options.timeout = registry.options().timeout;
  options.verifyTls = !registry.options().skipVerify;
  options.userAgent = std::string("nextcloud-spreed-signaling/") + Version;
  return options;
}

// One client WebSocket: the Hub's ClientLink on top of http::WebSocket.
class ClientConnection final : public ClientLink, public http::WebSocket::Listener
{
public:
  ClientConnection(SignalingServer::Impl& server, http::WebSocket& socket) : d_server(server), d_socket(socket) {}

  void attach(uint64_t id) { d_id = id; }
  void send(std::string frame) override { d_socket.sendText(frame); }
  void close(uint16_t code, const std::string& reason) override { d_socket.close(code, reason); }
  void onMessage(http::WebSocket& socket, std::string_view payload, bool binary) override;
  void onClose(http::WebSocket& socket) override;

private:
  SignalingServer::Impl& d_server;
  http::WebSocket& d_socket;
  uint64_t d_id{0};
};

}

struct SignalingServer::Impl
{
  explicit Impl(daemon::Context& daemonContext) :
    context(daemonContext),
    config(parseSignalingConfig(daemonContext.own)),
    runtime(parseSignalingRuntime(daemonContext.common, daemonContext.own)),
    scheduler(context.loop),
    throttler(clock)
  {
  }

  void start()
  {
    bus = nats::makeBus(context.loop, busConfig(context.common));
    httpClient = std::make_unique<http::HttpClient>(context.loop, clientOptions(*runtime.backends));
    gateway = std::make_unique<NextcloudGateway>(*httpClient, clock, runtime.backends, Version, "");
    hub = std::make_unique<Hub>(hubConfig(runtime), *gateway, *bus, scheduler);
    hub->setThrottler(&throttler);
    gateway->setFeatures(joinFeatures(hub->clientFeatures()));
    backendApi = std::make_unique<backend::BackendApi>(runtime.backends, throttler);

    http::ServerOptions options;
    options.listen = config.listen;
    options.serverHeader = std::string("nextcloud-spreed-signaling/") + Version;
    options.maxBodyBytes = 256 * 1024;
    options.maxMessageBytes = static_cast<size_t>(runtime.maxMessageBytes);
    options.maxQueuedBytes = static_cast<size_t>(runtime.sendQueueBytes);
    options.customHeaders = {"spreed-signaling-random", "spreed-signaling-checksum", "spreed-signaling-backend", "x-real-ip"};
    options.pingIntervalSeconds = 54;
    server = std::make_unique<http::Server>(context.loop, options);
    routes();
    server->start();
    registerMetrics();
    TLOG_NOTICE("listening on %s (port %d), bus %s", config.listen.c_str(), server->port(), context.common.getString("nats.url").c_str());
  }

  // Every response names the features Talk checks (spec §1, §4).
  http::Response withHeaders(http::Response response) const
  {
    response.headers.emplace_back("X-Spreed-Signaling-Features", joinFeatures(hub->clientFeatures()));
    return response;
  }

  std::string clientIp(const http::Request& request) const
  {
    const std::string* realIp = request.header("x-real-ip");
    const std::string* forwarded = request.header("x-forwarded-for");
    return effectiveClientIp(request.peer.ip(), realIp ? *realIp : std::string(), forwarded ? *forwarded : std::string(),
      runtime.trustedProxies);
  }

  bool statsAllowed(const http::Request& request) const
  {
    return ipInList(clientIp(request), runtime.statsAllowedIps);
  }

  void routes()
  {
    server->handle("GET", "/api/v1/welcome", [this](const http::Request&, http::Responder responder) {
      Json body = {{"nextcloud-spreed-signaling", "Welcome"}, {"version", Version}};
      responder.send(withHeaders(http::Response::json(200, protocol::MessageCodec::encode(body) + "\n")));
    });
    server->handlePrefix("*", std::string(backend::BackendApi::PathPrefix),
      [this](const http::Request& request, http::Responder responder) { backendRequest(request, std::move(responder)); });
    server->handle("GET", "/api/v1/stats", [this](const http::Request& request, http::Responder responder) {
      if (!statsAllowed(request)) {
        responder.send(withHeaders(http::Response::text(403, "Authentication check failed\n")));
        return;
      }
      HubStats stats = hub->stats();
      Json body = {{"rooms", stats.rooms}, {"sessions", stats.sessions}, {"connections", stats.connections}};
      responder.send(withHeaders(http::Response::json(200, body.dump(2, ' ', false, Json::error_handler_t::replace))));
    });
    server->handle("GET", "/api/v1/serverinfo", [this](const http::Request& request, http::Responder responder) {
      if (!statsAllowed(request)) {
        responder.send(withHeaders(http::Response::text(403, "Authentication check failed\n")));
        return;
      }
      Json body = {{"version", Version}, {"features", hub->clientFeatures()},
        {"nats", {{"urls", Json::array({context.common.getString("nats.url")})}, {"connected", bus->connected()}}},
        {"dialout", Json::array()}};
      responder.send(withHeaders(http::Response::json(200, protocol::MessageCodec::encode(body))));
    });
    server->handle("GET", "/metrics", [this](const http::Request& request, http::Responder responder) {
      if (!statsAllowed(request)) {
        responder.send(withHeaders(http::Response::text(403, "Authentication check failed\n")));
        return;
      }
      http::Response response = http::Response::text(200, context.metrics.render());
      response.contentType = "text/plain; version=0.0.4";
      responder.send(withHeaders(std::move(response)));
    });
    server->handle("GET", "/turn/credentials", [this](const http::Request& request, http::Responder responder) {
      responder.send(withHeaders(turnCredentials(request)));
    });
    server->webSocket("/spreed", "", [this](http::WebSocket& socket) -> http::WebSocket::Listener* {
      auto connection = std::make_unique<ClientConnection>(*this, socket);
      ClientConnection* raw = connection.get();
      connections[&socket] = std::move(connection);
      raw->attach(hub->connect(raw, clientIp(socket.upgradeRequest())));
      return raw;
    });
  }

  http::Response turnCredentials(const http::Request& request) const
  {
    auto service = request.queryParameter("service");
    auto key = request.queryParameter("key");
    if (!key) {
      key = request.queryParameter("api");
    }
    if (!service || *service != "turn" || !key || key->empty()) {
      return http::Response::text(400, "Invalid service or key\n");
    }
    if (runtime.turnApiKey.empty() || !crypto::constantTimeEquals(*key, runtime.turnApiKey)) {
      return http::Response::text(403, "Not allowed\n");
    }
    if (runtime.turnServers.empty() || runtime.turnSecret.empty()) {
      return http::Response::text(404, "No TURN servers available\n");
    }
    auto user = request.queryParameter("username");
    std::string name = user && !user->empty() ? std::string(*user) : crypto::randomToken(32);
    constexpr int64_t Ttl = 86400;
    const std::string username = std::to_string(clock.unixSeconds() + Ttl) + ":" + name;
    auto mac = crypto::hmacSha1(crypto::bytes(runtime.turnSecret), crypto::bytes(username));
    Json body = {{"username", username}, {"password", crypto::base64Encode(mac)}, {"ttl", Ttl}, {"uris", runtime.turnServers}};
    return http::Response::json(200, protocol::MessageCodec::encode(body));
  }

  static std::string headerValue(const http::Request& request, std::string_view name)
  {
    const std::string* value = request.header(name);
    return value ? *value : std::string();
  }

  void backendRequest(const http::Request& request, http::Responder responder)
  {
    http::Headers headers;
    for (const auto& [name, value] : request.headers) {
      headers.push_back({name, value});
    }
    // lws does not report Content-Length for every request; the body is complete here.
    bool hasLength = false;
    for (const auto& header : headers) {
      hasLength = hasLength || header.name == "content-length";
    }
    if (!hasLength && request.method == "POST") {
      headers.push_back({"content-length", std::to_string(request.body.size())});
    }
    backend::BackendApiResult result = backendApi->parse(request.method, request.path, headers, request.body, clientIp(request));
    if (auto* error = std::get_if<backend::HttpResponse>(&result)) {
      send(std::move(responder), *error);
      return;
    }
    auto& parsed = std::get<backend::BackendRoomRequest>(result);
    BackendInfo info{parsed.backend->id, parsed.backend->urls.empty() ? std::string() : parsed.backend->urls.front(),
      parsed.backend->sessionLimit, parsed.backend->maxStreamBitrate, parsed.backend->maxScreenBitrate};
    if (auto* dialout = std::get_if<backend::DialoutRequest>(&parsed.payload)) {
      if (auto normalized = backend::normalizeBackendUrl(headerValue(request, "spreed-signaling-backend"))) {
        info.url = normalized->url;
      }
      hub->dialout(info, parsed.roomId, *dialout, [this, responder](Hub::DialoutResult answer) mutable {
        if (answer.status == 200) {
          send(std::move(responder), backend::BackendApi::dialoutSuccess(answer.callId));
        } else {
          send(std::move(responder), backend::BackendApi::dialoutError(answer.status, answer.code, answer.message));
        }
      });
      return;
    }
    try {
      hub->applyBackendRequest(info, parsed.roomId, parsed.payload);
      send(std::move(responder), backend::BackendApi::okResponse());
    } catch (const std::exception& e) {
      TLOG_WARN("backend request failed room=%s type=%s: %s", parsed.roomId.c_str(), parsed.type.c_str(), e.what());
      send(std::move(responder), backend::BackendApi::processingError(e.what()));
    }
  }

  void send(http::Responder responder, const backend::HttpResponse& answer)
  {
    http::Response response;
    response.status = answer.status;
    response.contentType = answer.contentType.empty() ? "text/plain; charset=utf-8" : answer.contentType;
    response.body = answer.body;
    response = withHeaders(std::move(response));
    if (answer.delayMs <= 0) {
      responder.send(std::move(response));
      return;
    }
    scheduler.after(static_cast<double>(answer.delayMs) / 1000.0,
      [responder, response]() mutable { responder.send(std::move(response)); });
  }

  void registerMetrics()
  {
    context.metrics.gaugeCallback("signaling_sessions", "Signaling sessions (connected or waiting for resume)",
      [this] { return static_cast<double>(hub ? hub->stats().sessions : 0); });
    context.metrics.gaugeCallback("signaling_rooms", "Rooms with at least one session",
      [this] { return static_cast<double>(hub ? hub->stats().rooms : 0); });
    context.metrics.gaugeCallback("signaling_connections", "Open client WebSockets",
      [this] { return static_cast<double>(hub ? hub->stats().connections : 0); });
    context.metrics.gaugeCallback("signaling_messages_relayed", "Client messages routed to other sessions",
      [this] { return static_cast<double>(hub ? hub->stats().messagesRelayed : 0); });
  }

  void closed(http::WebSocket& socket, uint64_t id)
  {
    hub->disconnect(id);
    auto it = connections.find(&socket);
    if (it != connections.end()) {
      // The WebSocket is destroyed right after onClose; drop our listener with it, later.
      retired.push_back(std::move(it->second));
      connections.erase(it);
      scheduler.after(0, [this] { retired.clear(); });
    }
    if (stopping && connections.empty() && stopDone) {
      auto done = std::move(stopDone);
      stopDone = nullptr;
      done();
    }
  }

  daemon::Context& context;
  SignalingConfig config;
  SignalingRuntime runtime;
  SystemClock clock;
  EvScheduler scheduler;
  backend::Throttler throttler;
  std::unique_ptr<nats::Bus> bus;
  std::unique_ptr<http::HttpClient> httpClient;
  std::unique_ptr<NextcloudGateway> gateway;
  std::unique_ptr<Hub> hub;
  std::unique_ptr<backend::BackendApi> backendApi;
  std::unique_ptr<http::Server> server;
  std::map<http::WebSocket*, std::unique_ptr<ClientConnection>> connections;
  std::vector<std::unique_ptr<ClientConnection>> retired;
  bool stopping{false};
  std::function<void()> stopDone;
};

namespace {

void ClientConnection::onMessage(http::WebSocket&, std::string_view payload, bool binary)
{
  if (binary) {
    send(protocol::MessageCodec::encode(protocol::MessageCodec::error({}, {"invalid_format", "Binary messages are not supported.", nullptr})));
    return;
  }
  d_server.hub->receive(d_id, payload);
}

void ClientConnection::onClose(http::WebSocket& socket) { d_server.closed(socket, d_id); }

}

SignalingServer::SignalingServer(daemon::Context& context) : d_impl(std::make_unique<Impl>(context)) {}

SignalingServer::~SignalingServer() = default;

void SignalingServer::start() { d_impl->start(); }

void SignalingServer::reload(const config::Settings& common, const config::Settings& own)
{
  SignalingRuntime runtime = parseSignalingRuntime(common, own);
  d_impl->runtime = runtime;
  d_impl->gateway->setRegistry(runtime.backends);
  d_impl->backendApi->setRegistry(runtime.backends);
  d_impl->hub->reconfigure(hubConfig(runtime));
  TLOG_NOTICE("reloaded: %zu backends", runtime.backends->backends().size());
}

void SignalingServer::stop(std::function<void()> done)
{
  d_impl->stopping = true;
  if (!d_impl->hub || d_impl->connections.empty()) {
    done();
    return;
  }
  d_impl->stopDone = std::move(done);
  d_impl->hub->shutdown();
}

std::string SignalingServer::status() const
{
  if (!d_impl->hub) {
    return "starting";
  }
  HubStats stats = d_impl->hub->stats();
  return std::to_string(stats.sessions) + " sessions, " + std::to_string(stats.rooms) + " rooms";
}

std::string SignalingServer::statusJson() const
{
  if (!d_impl->hub) {
    return {};
  }
  HubStats stats = d_impl->hub->stats();
  return protocol::MessageCodec::encode({{"sessions", stats.sessions}, {"rooms", stats.rooms}, {"connections", stats.connections}});
}

int SignalingServer::port() const { return d_impl->server ? d_impl->server->port() : 0; }

}
