#pragma once
// An HTTP/1.1 + WebSocket server on libwebsockets, running on our libev loop (lws foreign
// loop; on Debian lws loads libev support from the libwebsockets-evlib-ev plugin, so
// packages using this list that package in Depends:). We bind and listen ourselves (the
// error carries errno) and hand accepted sockets to lws. Several Servers may share a loop
// and a process. HTTP/1.1 only (no h2). Loop thread only; handlers and listeners are called on it, never from
// inside a destructor. A handler or listener must not destroy the Server it was called by.
//
//   http::ServerOptions options;   // (g++ 12 -Wextra warns on partial designated initializers)
//   options.listen = "127.0.0.1:8080";
//   http::Server server(loop, options);
//   server.handle("GET", "/api/v1/welcome", [](const http::Request&, http::Responder r) {
//     r.send(http::Response::json(200, R"({"version":"1.0"})"));
//   });
//   server.webSocket("/spreed", "", [&](http::WebSocket& ws) { return makeSession(ws); });
//   server.start();
#include "common/ev/EventLoop.hpp"
#include "common/http/Message.hpp"
#include "common/http/Responder.hpp"
#include "common/http/WebSocket.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace talk::http {

struct ServerOptions
{
  // "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:0", "[::]:443"; port 0 picks a free one.
  std::string listen;
  // Sent as "Server:" on every response (lws's own error pages included). Our responses
  // also carry Date: and Content-Length:; lws's answers to unparseable requests lack Date:.
  std::string serverHeader{"talk-hpb"};
  // Request bodies above this get 413 (the body is not buffered) and the connection closes.
  size_t maxBodyBytes{1 << 20};
  // Request line plus headers; lws answers larger requests with an error itself.
  size_t maxHeaderBytes{8192};
  // Header names lws does not know (lower case, e.g. "spreed-signaling-random"): lws 4.1
  // cannot list unknown headers, so the ones handlers need are named here. Every header
  // lws knows (host, authorization, user-agent, x-forwarded-for, ...) is always included.
  std::vector<std::string> customHeaders;
  // WebSocket messages above this close the connection with 1009.
  size_t maxMessageBytes{64 * 1024};
  // Outbound WebSocket queue bound per connection; beyond it the peer is dropped.
  size_t maxQueuedBytes{1 << 20};
  // A request (headers and body) must arrive within this; also the keep-alive idle limit.
  double requestTimeoutSeconds{10};
  // Idle WebSockets get a PING after this long and are closed if nothing (not even the
  // PONG) arrives within as long again. 0 disables.
  unsigned pingIntervalSeconds{30};
  // PEM files for HTTPS/wss on this listener; both empty = plain TCP (the usual setup
  // behind a reverse proxy).
  std::string tlsCertificateFile;
  std::string tlsPrivateKeyFile;
};

class Server
{
public:
  // Throws ConfigError for a malformed listen address (start() binds).
  Server(ev::EventLoop& loop, ServerOptions options);
  // Closes every connection without calling handlers or listeners.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  using Handler = std::function<void(const Request& request, Responder responder)>;
  // Exact path. method "*" matches any method. A known path with an unregistered method
  // gets 405 (with Allow:), an unknown path 404. HEAD is served by the GET handler.
  void handle(std::string method, std::string path, Handler handler);
  // Paths starting with prefix; the longest matching prefix wins, exact routes first.
  void handlePrefix(std::string method, std::string prefix, Handler handler);

  // Returns the listener for an upgraded connection, or nullptr to refuse it (the client
  // gets 403). Called before the 101 response; the WebSocket may already queue messages.
  using WebSocketAcceptor = std::function<WebSocket::Listener*(WebSocket& socket)>;
  // subprotocol: the Sec-WebSocket-Protocol the client must offer ("janus-protocol"), or
  // "" for clients that offer none.
  void webSocket(std::string path, std::string subprotocol, WebSocketAcceptor acceptor);

  // Binds and starts serving. Throws talk::Error (SystemError with errno) on failure.
  void start();
  // The bound TCP port (after start()).
  int port() const;

  // Sends every open WebSocket a close frame (e.g. 1001 on SIGTERM drain); each one's
  // onClose follows as its peer answers or the close times out.
  void closeAllWebSockets(uint16_t code, std::string_view reason);

  size_t webSocketCount() const;
  size_t httpConnectionCount() const;

  // Throws ConfigError ("expected address:port") when listen is malformed; name is the
  // configuration key used in the message.
  static void validateListen(const std::string& listen, const std::string& name = "listen");

  struct Impl;

private:
  std::unique_ptr<Impl> d_impl;
};

}
