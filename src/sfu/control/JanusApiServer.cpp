#include "sfu/control/JanusApiServer.hpp"

#define TLOG_COMPONENT "janus-ws"
#include "common/log/Logger.hpp"

namespace talk::sfu::control {

// One WebSocket: text in → JanusApi, JanusApi out → queued text frames.
class JanusApiServer::Connection final : public ClientConnection, public http::WebSocket::Listener
{
public:
  Connection(JanusApiServer& owner, http::WebSocket& socket) : d_owner(owner), d_socket(socket) {}

  void sendText(std::string text) override
  {
    // A client that stopped reading is dropped by the WebSocket (onClose follows from the
    // loop), so this never re-enters JanusApi.
    if (!d_socket.sendText(text)) {
      TLOG_DEBUG("ws", "dropped a reply for a closing or lagging client");
    }
  }
  void onMessage(http::WebSocket&, std::string_view payload, bool) override { d_owner.d_api.onFrame(*this, payload); }
  void onClose(http::WebSocket& socket) override
  {
    TLOG_INFO("client disconnected code=%u", socket.closeCode());
    d_owner.closed(*this);
  }

private:
  // Passed by argument (not owned)
  JanusApiServer& d_owner;
  http::WebSocket& d_socket;
};

namespace {

http::ServerOptions serverOptions(const JanusApiServerOptions& options)
{
  http::ServerOptions out;
  out.listen = options.listen;
  out.serverHeader = "talk-sfu";
  out.maxMessageBytes = options.maxMessageBytes;
  out.maxQueuedBytes = options.maxQueuedBytes;
  return out;
}

constexpr double ExpiryIntervalSeconds = 5.0;

}

JanusApiServer::JanusApiServer(ev::EventLoop& loop, JanusApi& api, const JanusApiServerOptions& options)
  : d_api(api), d_server(loop, serverOptions(options)), d_expiry(loop, this)
{
  d_server.webSocket("/", "janus-protocol", [this](http::WebSocket& socket) -> http::WebSocket::Listener* {
    auto connection = std::make_unique<Connection>(*this, socket);
    Connection* raw = connection.get();
    d_connections.emplace(raw, std::move(connection));
    TLOG_INFO("client connected peer=%s", socket.upgradeRequest().peer.toString().c_str());
    return raw;
  });
}

JanusApiServer::~JanusApiServer()
{
  for (auto& [raw, connection] : d_connections) {
    d_api.onConnectionClosed(*raw);
  }
}

void JanusApiServer::start()
{
  d_server.start();
  d_expiry.start(ExpiryIntervalSeconds, ExpiryIntervalSeconds);
}

void JanusApiServer::drain()
{
  d_api.setAcceptingSessions(false);
  d_server.closeAllWebSockets(http::close_code::GoingAway, "talk-sfu is stopping");
}

void JanusApiServer::onTimer(ev::Timer&) { d_api.expireSessions(); }

void JanusApiServer::closed(Connection& connection)
{
  d_api.onConnectionClosed(connection);
  d_connections.erase(&connection);
}

}
