#define TLOG_COMPONENT "http"
#include "common/http/Server.hpp"

#include "common/ev/Watchers.hpp"
#include "common/http/LwsContext.hpp"
#include "common/http/WsChannel.hpp"
#include "common/log/Logger.hpp"
#include "common/net/SocketAddress.hpp"
#include "common/net/UniqueFd.hpp"
#include "common/util/Error.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <list>
#include <sys/socket.h>
#include <unistd.h>
#include <unordered_set>

namespace talk::http {

namespace {

// Response bodies go out in pieces of this size, one per writable callback.
constexpr size_t BodyChunk = 16 * 1024;
// Accepts per readable event on the listening socket (then other work gets a turn).
constexpr int AcceptBurst = 64;
// After EMFILE/ENFILE, accepting pauses this long instead of spinning on the readable socket.
constexpr double AcceptPauseSeconds = 0.1;
// The protocol name lws binds HTTP connections and WebSockets without a subprotocol to.
constexpr const char* DefaultProtocol = "http";

int lwsCallback(struct lws* wsi, enum lws_callback_reasons reason, void* user, void* in, size_t len);

SocketAddress parseListen(const std::string& listen, const std::string& name)
{
  auto address = SocketAddress::parse(listen);
  if (!address) {
    throw ConfigError(name + ": expected an IP address and port such as 127.0.0.1:8080 or [::1]:8080, not \"" + listen + "\"");
  }
  return *address;
}

bool hasLineBreak(std::string_view text)
{
  return text.find_first_of("\r\n") != std::string_view::npos;
}

std::string lowerCase(std::string_view text)
{
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string copyHeader(struct lws* wsi, enum lws_token_indexes token)
{
  int length = lws_hdr_total_length(wsi, token);
  if (length <= 0) {
    return {};
  }
  std::string value(static_cast<size_t>(length) + 1, '\0');
  int n = lws_hdr_copy(wsi, value.data(), length + 1, token);
  value.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return value;
}

struct MethodToken
{
  enum lws_token_indexes token;
  const char* method;
};

const MethodToken MethodTokens[] = {
    {WSI_TOKEN_GET_URI, "GET"},
    {WSI_TOKEN_POST_URI, "POST"},
    {WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
    {WSI_TOKEN_PUT_URI, "PUT"},
    {WSI_TOKEN_PATCH_URI, "PATCH"},
    {WSI_TOKEN_DELETE_URI, "DELETE"},
    {WSI_TOKEN_HEAD_URI, "HEAD"},
};

bool isUriToken(int token)
{
  for (const auto& m : MethodTokens) {
    if (m.token == token) {
      return true;
    }
  }
  return false;
}

}

namespace detail {

struct HttpConnection;

// One request's way back (see Responder). Both sides clear their pointer to the other
// when they go.
struct Exchange
{
  HttpConnection* conn{nullptr};
  bool sent{false};

  ~Exchange();
  void send(Response response);
};

struct Peer
{
  enum class Kind
  {
    Http,
    WebSocket,
  };
  explicit Peer(Kind k) :
    kind(k) {}
  Kind kind;
};

}

using detail::Exchange;
using detail::Peer;

namespace {

struct Route
{
  std::string method;
  std::string path;
  bool prefix;
  Server::Handler handler;
};

struct WsRoute
{
  std::string path;
  std::string subprotocol;
  Server::WebSocketAcceptor acceptor;
};

}

// An accepted WebSocket (server side).
class ServerWebSocket final : public Peer, public WebSocket
{
public:
  ServerWebSocket(Request request, size_t maxMessageBytes, size_t maxQueuedBytes, detail::Reaper& reaper, std::string subprotocol) :
    Peer(Kind::WebSocket), d_channel(maxMessageBytes, maxQueuedBytes, reaper), d_request(std::move(request)), d_subprotocol(std::move(subprotocol))
  {
  }

  void setListener(Listener* listener) override { d_listener = listener; }
  Listener* listener() const { return d_listener; }
  bool sendText(std::string_view payload) override { return d_channel.send(payload, false); }
  bool sendBinary(std::string_view payload) override { return d_channel.send(payload, true); }
  void close(uint16_t code, std::string_view reason) override { d_channel.close(code, reason); }
  const Request& upgradeRequest() const override { return d_request; }
  size_t queuedBytes() const override { return d_channel.queuedBytes(); }
  bool isOpen() const override { return d_channel.isOpen(); }
  uint16_t closeCode() const override { return d_channel.closeCode(); }
  const std::string& closeReason() const override { return d_channel.closeReason(); }

  detail::WsChannel& channel() { return d_channel; }
  const std::string& subprotocol() const { return d_subprotocol; }
  bool accepted{false}; // the acceptor returned a listener: onClose is owed

private:
  detail::WsChannel d_channel;
  Request d_request;
  std::string d_subprotocol; // the route's ("" = none)
  Listener* d_listener{nullptr};
};

namespace detail {

struct HttpConnection final : Peer, ev::IoWatcher::Listener
{
  HttpConnection(Server::Impl& s, ev::EventLoop& loop, const SocketAddress& p) :
    Peer(Kind::Http), server(s), peer(p), peerWatcher(loop, this) {}

  // The socket became readable while a handler works: the client left (EOF, error) or
  // sent its next request early (lws reads that after the response).
  void onIo(ev::IoWatcher& watcher, int /*events*/) override
  {
    char byte;
    ssize_t n = ::recv(watcher.fd(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))) {
      watcher.stop();
      return;
    }
    watcher.stop();
    if (wsi != nullptr) {
      // Not inside an lws callback: close now; WSI_DESTROY releases this object.
      lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, LWS_TO_KILL_SYNC);
    }
  }

  Server::Impl& server;
  struct lws* wsi{nullptr};
  SocketAddress peer;
  // The request being read or handled
  Request request;
  const Route* route{nullptr};
  bool awaitingBody{false};
  bool bodyRejected{false}; // over maxBodyBytes: discard what arrives
  Exchange* exchange{nullptr};
  // The response being written
  bool responding{false};
  bool headersSent{false};
  bool headOnly{false};
  bool closeAfterResponse{false};
  Response response;
  size_t bodySent{0};
  // Position in Server::Impl::deadlines while a request is awaited
  bool hasDeadline{false};
  double deadline{0};
  std::list<HttpConnection*>::iterator deadlineIt;
  // Watches for the client leaving while a handler holds the Responder
  ev::IoWatcher peerWatcher;
  // Between the upgrade request and ESTABLISHED
  std::unique_ptr<ServerWebSocket> upgrading;
};

}

using detail::HttpConnection;

struct Server::Impl : ev::IoWatcher::Listener, ev::Timer::Listener
{
  Impl(ev::EventLoop& l, ServerOptions o) :
    loop(l), options(std::move(o)), acceptWatcher(l, this), deadlineTimer(l, this), acceptPauseTimer(l, this), reaper(l), kick(l)
  {
  }

  ~Impl() override
  {
    destroying = true;
    kick.stop();
    // lws closes every connection; WSI_DESTROY frees our side without calling anyone.
    context.reset();
    for (HttpConnection* c : httpConnections) {
      releaseHttp(c);
    }
    for (ServerWebSocket* ws : webSockets) {
      delete ws;
    }
  }

  // Passed by argument (not owned)
  ev::EventLoop& loop;
  // Settings
  ServerOptions options;
  std::vector<std::string> customHeaderKeys; // "name:" as lws wants them
  std::vector<Route> routes;
  std::vector<WsRoute> wsRoutes;
  std::vector<std::string> protocolNames;
  std::vector<struct lws_protocols> protocols;
  lws_retry_bo_t retryPolicy{};
  // State
  SocketAddress bound;
  bool started{false};
  bool destroying{false};
  bool tls{false};
  // Our objects behind lws's opaque user pointers (we own them)
  std::unordered_set<HttpConnection*> httpConnections;
  std::unordered_set<ServerWebSocket*> webSockets;
  std::list<HttpConnection*> deadlines; // in deadline order (one fixed timeout)
  long long dateSecond{-1};
  std::string dateValue;
  // Owned
  UniqueFd listenFd;
  ev::IoWatcher acceptWatcher;
  ev::Timer deadlineTimer;
  ev::Timer acceptPauseTimer;
  detail::Reaper reaper;
  detail::TimerKick kick;
  struct lws_vhost* vhost{nullptr}; // owned by context
  // Last, so it goes first: lws callbacks touch the state above while it closes.
  detail::LwsContextHandle context;

  // --- accepting -------------------------------------------------------------------

  void onIo(ev::IoWatcher& /*watcher*/, int /*events*/) override
  {
    for (int i = 0; i < AcceptBurst; ++i) {
      SocketAddress peer;
      socklen_t len = SocketAddress::capacity();
      int fd = ::accept4(listenFd.get(), peer.sockaddrPtr(), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          TLOG_WARN("accept failed, pausing error=\"%s\" connections=%zu", std::strerror(errno), httpConnections.size() + webSockets.size());
          acceptWatcher.stop();
          acceptPauseTimer.start(AcceptPauseSeconds);
        }
        else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED) {
          TLOG_WARN("accept failed error=\"%s\"", std::strerror(errno));
        }
        return;
      }
      adopt(fd, peer);
    }
  }

  void adopt(int fd, const SocketAddress& peer)
  {
    auto conn = std::make_unique<HttpConnection>(*this, loop, peer);
    HttpConnection* raw = conn.get();
    httpConnections.insert(conn.release());
    lws_adopt_desc_t desc{};
    desc.vh = vhost;
    desc.type = static_cast<lws_adoption_type>(LWS_ADOPT_SOCKET | LWS_ADOPT_HTTP | (tls ? LWS_ADOPT_ALLOW_SSL : 0));
    desc.fd.sockfd = fd;
    desc.opaque = static_cast<Peer*>(raw);
    struct lws* wsi = lws_adopt_descriptor_vhost_via_info(&desc);
    if (wsi == nullptr) {
      // lws closed the socket; it may or may not have reported WSI_DESTROY.
      if (httpConnections.erase(raw) != 0) {
        releaseHttp(raw);
      }
      TLOG_WARN("cannot adopt connection peer=%s", peer.toString().c_str());
      return;
    }
    raw->wsi = wsi;
    armDeadline(*raw);
  }

  // --- request deadlines (slow clients) ----------------------------------------------

  void armDeadline(HttpConnection& c)
  {
    disarmDeadline(c);
    c.deadline = loop.now() + options.requestTimeoutSeconds;
    c.deadlineIt = deadlines.insert(deadlines.end(), &c);
    c.hasDeadline = true;
    if (!deadlineTimer.active()) {
      deadlineTimer.start(options.requestTimeoutSeconds);
    }
  }

  void disarmDeadline(HttpConnection& c)
  {
    if (c.hasDeadline) {
      deadlines.erase(c.deadlineIt);
      c.hasDeadline = false;
    }
  }

  // --- requests answered later ------------------------------------------------------
  // While a request is being handled, lws 4.1 does not read the socket (state
  // DOING_TRANSACTION), so it would not notice the client leaving. We watch the socket
  // ourselves meanwhile (see HttpConnection::onIo).

  void startHandling(HttpConnection& c)
  {
    if (c.wsi != nullptr) {
      c.peerWatcher.set(lws_get_socket_fd(c.wsi), EV_READ);
    }
  }

  void stopHandling(HttpConnection& c) { c.peerWatcher.stop(); }

  void onTimer(ev::Timer& timer) override
  {
    if (&timer == &acceptPauseTimer) {
      acceptWatcher.set(listenFd.get(), EV_READ);
      return;
    }
    double now = loop.now();
    while (!deadlines.empty() && deadlines.front()->deadline <= now + 1e-3) {
      HttpConnection* c = deadlines.front();
      disarmDeadline(*c);
      TLOG_DEBUG("http", "request timeout peer=%s", c->peer.toString().c_str());
      if (c->wsi != nullptr) {
        // Synchronously: lws re-arms its own timeout with every body byte, which would
        // replace an asynchronous kill. We are not inside an lws callback here.
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_HTTP_CONTENT, LWS_TO_KILL_SYNC);
      }
    }
    if (!deadlines.empty()) {
      deadlineTimer.start(std::max(0.001, deadlines.front()->deadline - now));
    }
  }

  // --- lifecycle of our per-connection objects ----------------------------------------

  void releaseHttp(HttpConnection* c)
  {
    disarmDeadline(*c);
    stopHandling(*c);
    if (c->exchange != nullptr) {
      c->exchange->conn = nullptr;
      c->exchange = nullptr;
    }
    if (c->upgrading && c->upgrading->accepted) {
      notifyClosed(*c->upgrading);
    }
    delete c;
  }

  void notifyClosed(ServerWebSocket& ws)
  {
    if (!ws.channel().markClosed() || !ws.accepted || destroying) {
      return;
    }
    if (WebSocket::Listener* l = ws.listener()) {
      l->onClose(ws);
    }
  }

  void onDestroy(Peer* peer)
  {
    if (peer->kind == Peer::Kind::Http) {
      auto* c = static_cast<HttpConnection*>(peer);
      if (httpConnections.erase(c) != 0) {
        releaseHttp(c);
      }
      return;
    }
    auto* ws = static_cast<ServerWebSocket*>(peer);
    if (webSockets.erase(ws) != 0) {
      ws->channel().detach();
      notifyClosed(*ws);
      delete ws;
    }
  }

  // --- HTTP ----------------------------------------------------------------------

  const std::string& date()
  {
    long long second = static_cast<long long>(std::time(nullptr));
    if (second != dateSecond) {
      dateSecond = second;
      dateValue = httpDate(second);
    }
    return dateValue;
  }

  void readRequestHead(HttpConnection& c, struct lws* wsi, const char* method, const char* path)
  {
    Request& r = c.request;
    r = Request{};
    r.method = method;
    r.path = path != nullptr ? path : "";
    r.peer = c.peer;
    for (int i = 0;; ++i) {
      int length = lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, i);
      if (length <= 0) {
        break;
      }
      std::string arg(static_cast<size_t>(length) + 1, '\0');
      int n = lws_hdr_copy_fragment(wsi, arg.data(), length + 1, WSI_TOKEN_HTTP_URI_ARGS, i);
      if (n < 0) {
        break;
      }
      arg.resize(static_cast<size_t>(n));
      if (!r.query.empty()) {
        r.query += '&';
      }
      r.query += arg;
      r.queryArgs.push_back(std::move(arg));
    }
    for (int t = 0; t < WSI_TOKEN_COUNT; ++t) {
      auto token = static_cast<enum lws_token_indexes>(t);
      if (isUriToken(t) || token == WSI_TOKEN_HTTP_URI_ARGS || token == WSI_TOKEN_HTTP || lws_hdr_total_length(wsi, token) <= 0) {
        continue;
      }
      const char* name = reinterpret_cast<const char*>(lws_token_to_string(token));
      if (name == nullptr || name[0] == ':' || name[0] == '\0') {
        continue;
      }
      std::string_view n(name);
      if (n.back() != ':') {
        continue; // pseudo tokens such as "get " or "http/1.0 "
      }
      r.headers.emplace_back(lowerCase(n.substr(0, n.size() - 1)), copyHeader(wsi, token));
    }
    for (const std::string& key : customHeaderKeys) {
      int length = lws_hdr_custom_length(wsi, key.c_str(), static_cast<int>(key.size()));
      if (length < 0) {
        continue;
      }
      std::string value(static_cast<size_t>(length) + 1, '\0');
      int n = lws_hdr_custom_copy(wsi, value.data(), length + 1, key.c_str(), static_cast<int>(key.size()));
      value.resize(n > 0 ? static_cast<size_t>(n) : 0);
      r.headers.emplace_back(key.substr(0, key.size() - 1), std::move(value));
    }
  }

  // Finds the handler, or sets status to 404/405 (allow: the methods the path has).
  const Route* findRoute(const std::string& method, const std::string& path, int& status, std::string& allow) const
  {
    const std::string& lookup = method == "HEAD" ? std::string("GET") : method;
    const Route* found = nullptr;
    size_t bestPrefix = 0;
    bool exact = false;
    allow.clear();
    auto consider = [&](const Route& r) {
      if (r.method == lookup || r.method == "*" || r.method == method) {
        found = &r;
      }
      if (allow.find(r.method) == std::string::npos) {
        allow += (allow.empty() ? "" : ", ") + r.method;
      }
    };
    for (const Route& r : routes) {
      if (!r.prefix && r.path == path) {
        exact = true;
      }
    }
    if (exact) {
      for (const Route& r : routes) {
        if (!r.prefix && r.path == path && found == nullptr) {
          consider(r);
        }
      }
    }
    else {
      for (const Route& r : routes) {
        if (r.prefix && path.compare(0, r.path.size(), r.path) == 0 && r.path.size() > bestPrefix) {
          bestPrefix = r.path.size();
        }
      }
      for (const Route& r : routes) {
        if (r.prefix && r.path.size() == bestPrefix && bestPrefix > 0 && path.compare(0, r.path.size(), r.path) == 0 && found == nullptr) {
          consider(r);
        }
      }
    }
    if (found != nullptr) {
      status = 200;
      return found;
    }
    status = allow.empty() ? 404 : 405;
    return nullptr;
  }

  int onHttp(HttpConnection& c, struct lws* wsi, const char* path)
  {
    const char* method = nullptr;
    for (const auto& m : MethodTokens) {
      if (lws_hdr_total_length(wsi, m.token) > 0) {
        method = m.method;
        break;
      }
    }
    if (method == nullptr) {
      return -1; // lws only gets here with one of the methods above
    }
    readRequestHead(c, wsi, method, path);
    c.headOnly = c.request.method == "HEAD";

    std::string contentLength = copyHeader(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    long long length = -1;
    bool lengthValid = true;
    if (!contentLength.empty()) {
      char* end = nullptr;
      errno = 0;
      length = std::strtoll(contentLength.c_str(), &end, 10);
      lengthValid = errno == 0 && end != contentLength.c_str() && *end == '\0' && length >= 0;
    }
    const std::string& m = c.request.method;
    bool bodyMethod = m == "POST" || m == "PUT" || m == "PATCH";
    bool chunked = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;
    int status = 0;
    std::string allow;
    c.route = findRoute(c.request.method, c.request.path, status, allow);
    if (c.route == nullptr) {
      TLOG_DEBUG("http", "no route method=%s path=%.100s status=%d", method, c.request.path.c_str(), status);
      Response r = Response::text(status, status == 404 ? "not found\n" : "method not allowed\n");
      if (status == 405) {
        r.headers.emplace_back("allow", allow);
      }
      // A body we will not read (or whose end lws cannot know) ends the connection.
      c.closeAfterResponse = bodyMethod || length > 0 || chunked || !lengthValid;
      startResponse(c, std::move(r));
      return 0;
    }
    if (!lengthValid) {
      return reject(c, 400, "invalid Content-Length\n", true);
    }
    if (chunked || (bodyMethod && length < 0)) {
      // lws 4.1 does not decode chunked request bodies; our clients send lengths.
      return reject(c, 411, "a Content-Length is required\n", true);
    }
    if (length > static_cast<long long>(options.maxBodyBytes)) {
      TLOG_NOTICE("request body too large peer=%s path=%.100s bytes=%lld limit=%zu", c.peer.toString().c_str(), c.request.path.c_str(), length,
                  options.maxBodyBytes);
      c.bodyRejected = true;
      return reject(c, 413, "request body too large\n", true);
    }
    if (length > 0 || (m == "POST" && length == 0)) {
      // lws calls HTTP_BODY (also once, empty, for POST with Content-Length: 0), then
      // HTTP_BODY_COMPLETION.
      c.awaitingBody = true;
      c.request.body.reserve(static_cast<size_t>(length));
      std::string expect = copyHeader(wsi, WSI_TOKEN_HTTP_EXPECT);
      if (length > 0 && lowerCase(expect) == "100-continue") {
        sendContinue(wsi);
      }
      return 0;
    }
    dispatch(c);
    return 0;
  }

  // lws 4.1 does not answer "Expect: 100-continue"; without this, curl waits a second.
  static void sendContinue(struct lws* wsi)
  {
    static const char Continue[] = "HTTP/1.1 100 Continue\r\n\r\n";
    unsigned char buffer[LWS_PRE + sizeof(Continue)];
    std::memcpy(buffer + LWS_PRE, Continue, sizeof(Continue) - 1);
    lws_write(wsi, buffer + LWS_PRE, sizeof(Continue) - 1, LWS_WRITE_HTTP_HEADERS);
  }

  int reject(HttpConnection& c, int status, const char* body, bool close)
  {
    c.closeAfterResponse = close;
    startResponse(c, Response::text(status, body));
    return 0;
  }

  int onBody(HttpConnection& c, const void* in, size_t len)
  {
    if (c.bodyRejected || !c.awaitingBody) {
      return 0;
    }
    if (c.request.body.size() + len > options.maxBodyBytes) {
      c.bodyRejected = true; // cannot happen with a checked Content-Length; kept as a guard
      c.awaitingBody = false;
      return reject(c, 413, "request body too large\n", true);
    }
    if (len > 0) {
      c.request.body.append(static_cast<const char*>(in), len);
    }
    return 0;
  }

  int onBodyComplete(HttpConnection& c)
  {
    if (!c.awaitingBody) {
      return 0;
    }
    c.awaitingBody = false;
    dispatch(c);
    return 0;
  }

  void dispatch(HttpConnection& c)
  {
    disarmDeadline(c);
    auto exchange = std::make_shared<Exchange>();
    exchange->conn = &c;
    c.exchange = exchange.get();
    const Route* route = c.route;
    try {
      route->handler(c.request, Responder(exchange));
    }
    catch (const std::exception& e) {
      TLOG_ERROR("handler failed method=%s path=%.100s error=\"%s\"", c.request.method.c_str(), c.request.path.c_str(), e.what());
      exchange->send(Response::text(500, "internal error\n"));
    }
    catch (...) {
      TLOG_ERROR("handler failed method=%s path=%.100s", c.request.method.c_str(), c.request.path.c_str());
      exchange->send(Response::text(500, "internal error\n"));
    }
    if (exchange.use_count() > 1 && !exchange->sent) {
      startHandling(c); // the handler kept the Responder and answers later
    }
    // If nobody kept it, this sends the 500 for a dropped request.
    exchange.reset();
  }

  void startResponse(HttpConnection& c, Response response)
  {
    // The response must be written (read by the client) within the request timeout too.
    armDeadline(c);
    stopHandling(c);
    c.response = std::move(response);
    c.responding = true;
    c.headersSent = false;
    c.bodySent = 0;
    if (c.wsi != nullptr) {
      lws_callback_on_writable(c.wsi);
    }
  }

  bool writeHeaders(HttpConnection& c, struct lws* wsi)
  {
    const Response& r = c.response;
    size_t size = LWS_PRE + 512 + r.contentType.size() + options.serverHeader.size();
    for (const auto& [name, value] : r.headers) {
      size += name.size() + value.size() + 4;
    }
    std::vector<unsigned char> buffer(size);
    unsigned char* start = buffer.data() + LWS_PRE;
    unsigned char* p = start;
    unsigned char* end = buffer.data() + buffer.size() - 1;
    const std::string& now = date();
    if (lws_add_http_header_status(wsi, static_cast<unsigned>(r.status), &p, end) != 0 ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_DATE, reinterpret_cast<const unsigned char*>(now.data()), static_cast<int>(now.size()), &p, end) != 0) {
      return false;
    }
    if (!r.contentType.empty() && !hasLineBreak(r.contentType) &&
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, reinterpret_cast<const unsigned char*>(r.contentType.data()),
                                     static_cast<int>(r.contentType.size()), &p, end) != 0) {
      return false;
    }
    if (c.headOnly) {
      // Announce the length a GET would have, without lws expecting a body.
      std::string length = std::to_string(r.body.size());
      if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, reinterpret_cast<const unsigned char*>(length.data()), static_cast<int>(length.size()), &p,
                                       end) != 0) {
        return false;
      }
    }
    else if (lws_add_http_header_content_length(wsi, r.body.size(), &p, end) != 0) {
      return false;
    }
    if (c.closeAfterResponse &&
        lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, reinterpret_cast<const unsigned char*>("close"), 5, &p, end) != 0) {
      return false;
    }
    for (const auto& [name, value] : r.headers) {
      if (name.empty() || hasLineBreak(name) || hasLineBreak(value) || name.find(':') != std::string::npos) {
        TLOG_WARN("dropping malformed response header name=%.60s", name.c_str());
        continue;
      }
      std::string key = name + ":";
      if (lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>(key.c_str()), reinterpret_cast<const unsigned char*>(value.data()),
                                      static_cast<int>(value.size()), &p, end) != 0) {
        return false;
      }
    }
    return lws_finalize_write_http_header(wsi, start, &p, end) == 0;
  }

  int onHttpWritable(HttpConnection& c, struct lws* wsi)
  {
    if (!c.responding) {
      return 0;
    }
    if (!c.headersSent) {
      if (!writeHeaders(c, wsi)) {
        TLOG_WARN("cannot write response headers status=%d", c.response.status);
        return -1;
      }
      c.headersSent = true;
      if (!c.headOnly && !c.response.body.empty()) {
        lws_callback_on_writable(wsi);
        return 0;
      }
      return finishResponse(c, wsi);
    }
    const std::string& body = c.response.body;
    size_t n = std::min(BodyChunk, body.size() - c.bodySent);
    bool last = c.bodySent + n == body.size();
    std::vector<unsigned char> frame(LWS_PRE + n);
    std::memcpy(frame.data() + LWS_PRE, body.data() + c.bodySent, n);
    if (lws_write(wsi, frame.data() + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < static_cast<int>(n)) {
      return -1;
    }
    c.bodySent += n;
    if (!last) {
      lws_callback_on_writable(wsi);
      return 0;
    }
    return finishResponse(c, wsi);
  }

  int finishResponse(HttpConnection& c, struct lws* wsi)
  {
    if (c.closeAfterResponse) {
      return -1; // lws flushes what is buffered, then closes
    }
    // Reset before lws_http_transaction_completed: it may parse a pipelined request and
    // call us back right away.
    if (c.exchange != nullptr) {
      c.exchange->conn = nullptr;
      c.exchange = nullptr;
    }
    c.responding = false;
    c.headersSent = false;
    c.response = Response{};
    c.request = Request{};
    c.route = nullptr;
    c.awaitingBody = false;
    c.bodyRejected = false;
    c.headOnly = false;
    armDeadline(c);
    return lws_http_transaction_completed(wsi) != 0 ? -1 : 0;
  }

  // --- WebSocket upgrade ---------------------------------------------------------------

  // Writes a refusal right away (inside HTTP_CONFIRM_UPGRADE, where lws expects it).
  int refuseUpgrade(struct lws* wsi, int status, const char* body)
  {
    std::string text(body);
    unsigned char buffer[LWS_PRE + 512];
    unsigned char* start = buffer + LWS_PRE;
    unsigned char* p = start;
    unsigned char* end = buffer + sizeof(buffer) - 1;
    const std::string& now = date();
    if (lws_add_http_header_status(wsi, static_cast<unsigned>(status), &p, end) != 0 ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_DATE, reinterpret_cast<const unsigned char*>(now.data()), static_cast<int>(now.size()), &p, end) != 0 ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, reinterpret_cast<const unsigned char*>("text/plain; charset=utf-8"), 25, &p, end) != 0 ||
        lws_add_http_header_content_length(wsi, text.size(), &p, end) != 0 || lws_finalize_write_http_header(wsi, start, &p, end) != 0) {
      return -1;
    }
    std::vector<unsigned char> frame(LWS_PRE + text.size());
    std::memcpy(frame.data() + LWS_PRE, text.data(), text.size());
    if (lws_write(wsi, frame.data() + LWS_PRE, text.size(), LWS_WRITE_HTTP_FINAL) < static_cast<int>(text.size())) {
      return -1;
    }
    return 1;
  }

  static bool offers(const std::string& list, const std::string& protocol)
  {
    size_t at = 0;
    while (at <= list.size()) {
      size_t comma = list.find(',', at);
      std::string_view item(list.data() + at, (comma == std::string::npos ? list.size() : comma) - at);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
        item.remove_prefix(1);
      }
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) {
        item.remove_suffix(1);
      }
      if (item == protocol) {
        return true;
      }
      if (comma == std::string::npos) {
        break;
      }
      at = comma + 1;
    }
    return false;
  }

  int onConfirmUpgrade(HttpConnection& c, struct lws* wsi, const char* upgrade)
  {
    disarmDeadline(c);
    if (upgrade == nullptr || lowerCase(upgrade) != "websocket") {
      return refuseUpgrade(wsi, 400, "only websocket upgrades are served\n");
    }
    std::string path = copyHeader(wsi, WSI_TOKEN_GET_URI);
    if (path.empty()) {
      return refuseUpgrade(wsi, 400, "websocket upgrade needs GET\n");
    }
    const WsRoute* route = nullptr;
    for (const WsRoute& r : wsRoutes) {
      if (r.path == path) {
        route = &r;
        break;
      }
    }
    if (route == nullptr) {
      TLOG_DEBUG("http", "no websocket route path=%.100s", path.c_str());
      return refuseUpgrade(wsi, 404, "not found\n");
    }
    std::string offered = copyHeader(wsi, WSI_TOKEN_PROTOCOL);
    if (!route->subprotocol.empty() && !offers(offered, route->subprotocol)) {
      return refuseUpgrade(wsi, 400, "the required websocket subprotocol was not offered\n");
    }
    readRequestHead(c, wsi, "GET", path.c_str());
    auto ws = std::make_unique<ServerWebSocket>(c.request, options.maxMessageBytes, options.maxQueuedBytes, reaper, route->subprotocol);
    WebSocket::Listener* listener = nullptr;
    try {
      listener = route->acceptor(*ws);
    }
    catch (const std::exception& e) {
      TLOG_ERROR("websocket acceptor failed path=%.100s error=\"%s\"", path.c_str(), e.what());
    }
    catch (...) {
      TLOG_ERROR("websocket acceptor failed path=%.100s", path.c_str());
    }
    if (listener == nullptr) {
      return refuseUpgrade(wsi, 403, "forbidden\n");
    }
    ws->setListener(listener);
    ws->accepted = true;
    ws->channel().attach(wsi);
    c.upgrading = std::move(ws);
    return 0;
  }

  int onFilterProtocol(HttpConnection& c, struct lws* wsi)
  {
    if (!c.upgrading) {
      return 1;
    }
    const struct lws_protocols* selected = lws_get_protocol(wsi);
    const std::string& wanted = c.upgrading->subprotocol();
    const char* expected = wanted.empty() ? DefaultProtocol : wanted.c_str();
    if (selected == nullptr || selected->name == nullptr || std::strcmp(selected->name, expected) != 0) {
      TLOG_DEBUG("http", "websocket subprotocol does not match the route path=%.100s", c.upgrading->upgradeRequest().path.c_str());
      return 1;
    }
    return 0;
  }

  int onEstablished(HttpConnection& c, struct lws* wsi)
  {
    if (!c.upgrading) {
      return -1;
    }
    ServerWebSocket* ws = c.upgrading.release();
    webSockets.insert(ws);
    lws_set_opaque_user_data(wsi, static_cast<Peer*>(ws));
    if (httpConnections.erase(&c) != 0) {
      releaseHttp(&c);
    }
    ws->channel().attach(wsi);
    ws->channel().setOpen();
    if (WebSocket::Listener* l = ws->listener()) {
      l->onOpen(*ws);
    }
    return 0;
  }

  // --- the lws callback ------------------------------------------------------------

  // Returns what the callback returns, or NotHandled to let lws's defaults run.
  static constexpr int NotHandled = -1000;

  int dispatchCallback(struct lws* wsi, enum lws_callback_reasons reason, void* in, size_t len)
  {
    auto* peer = static_cast<Peer*>(lws_get_opaque_user_data(wsi));
    if (reason == LWS_CALLBACK_WSI_DESTROY) {
      reaper.forget(wsi);
      if (peer != nullptr) {
        lws_set_opaque_user_data(wsi, nullptr);
        onDestroy(peer);
      }
      return 0;
    }
    if (peer == nullptr || destroying) {
      return NotHandled;
    }
    if (peer->kind == Peer::Kind::WebSocket) {
      auto& ws = *static_cast<ServerWebSocket*>(peer);
      switch (reason) {
      case LWS_CALLBACK_RECEIVE:
        return ws.channel().onReceive(ws, ws.listener(), in, len);
      case LWS_CALLBACK_SERVER_WRITEABLE:
        return ws.channel().onWritable();
      case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        ws.channel().onPeerClose(in, len);
        return 0;
      case LWS_CALLBACK_CLOSED:
        notifyClosed(ws);
        return 0;
      default:
        return NotHandled;
      }
    }
    auto& c = *static_cast<HttpConnection*>(peer);
    switch (reason) {
    case LWS_CALLBACK_HTTP:
      return onHttp(c, wsi, static_cast<const char*>(in));
    case LWS_CALLBACK_HTTP_BODY:
      return onBody(c, in, len);
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
      return onBodyComplete(c);
    case LWS_CALLBACK_HTTP_WRITEABLE:
      return onHttpWritable(c, wsi);
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
      return onConfirmUpgrade(c, wsi, static_cast<const char*>(in));
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
      return onFilterProtocol(c, wsi);
    case LWS_CALLBACK_ESTABLISHED:
      return onEstablished(c, wsi);
    default:
      return NotHandled;
    }
  }
};

namespace detail {

Exchange::~Exchange()
{
  if (conn == nullptr) {
    return;
  }
  HttpConnection* c = conn;
  conn = nullptr;
  c->exchange = nullptr;
  if (!sent) {
    TLOG_ERROR("handler dropped a request without answering method=%s path=%.100s", c->request.method.c_str(), c->request.path.c_str());
    c->server.startResponse(*c, Response::text(500, "internal error\n"));
  }
}

void Exchange::send(Response response)
{
  if (sent) {
    return;
  }
  sent = true;
  if (conn != nullptr) {
    conn->server.startResponse(*conn, std::move(response));
  }
}

}

namespace {

int lwsCallback(struct lws* wsi, enum lws_callback_reasons reason, void* user, void* in, size_t len)
{
  // No exception may cross back into lws: a failure closes this one connection.
  try {
    auto* impl = static_cast<Server::Impl*>(lws_context_user(lws_get_context(wsi)));
    if (impl != nullptr) {
      int result = impl->dispatchCallback(wsi, reason, in, len);
      if (result != Server::Impl::NotHandled) {
        return result;
      }
    }
  }
  catch (const std::exception& e) {
    TLOG_ERROR("connection failed error=\"%s\"", e.what());
    return -1;
  }
  catch (...) {
    TLOG_ERROR("connection failed");
    return -1;
  }
  return lws_callback_http_dummy(wsi, reason, user, in, len);
}

}

// --- Responder ----------------------------------------------------------------------

Responder::Responder(std::shared_ptr<detail::Exchange> exchange) :
  d_exchange(std::move(exchange))
{
}

void Responder::send(Response response)
{
  if (d_exchange) {
    d_exchange->send(std::move(response));
  }
}

bool Responder::alive() const
{
  return d_exchange && !d_exchange->sent && d_exchange->conn != nullptr;
}

// --- Server -------------------------------------------------------------------------

Server::Server(ev::EventLoop& loop, ServerOptions options) :
  d_impl(std::make_unique<Impl>(loop, std::move(options)))
{
  parseListen(d_impl->options.listen, "listen");
  for (const std::string& name : d_impl->options.customHeaders) {
    d_impl->customHeaderKeys.push_back(lowerCase(name) + ":");
  }
}

Server::~Server() = default;

void Server::handle(std::string method, std::string path, Handler handler)
{
  d_impl->routes.push_back(Route{std::move(method), std::move(path), false, std::move(handler)});
}

void Server::handlePrefix(std::string method, std::string prefix, Handler handler)
{
  d_impl->routes.push_back(Route{std::move(method), std::move(prefix), true, std::move(handler)});
}

void Server::webSocket(std::string path, std::string subprotocol, WebSocketAcceptor acceptor)
{
  d_impl->wsRoutes.push_back(WsRoute{std::move(path), std::move(subprotocol), std::move(acceptor)});
}

void Server::start()
{
  Impl& d = *d_impl;
  if (d.started) {
    throw Error("http: server already started");
  }
  SocketAddress address = parseListen(d.options.listen, "listen");
  UniqueFd fd(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    throwSystemError("http: socket");
  }
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (address.isV6()) {
    ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  }
  if (::bind(fd.get(), address.sockaddrPtr(), address.length()) != 0) {
    throwSystemError("http: cannot listen on " + d.options.listen);
  }
  if (::listen(fd.get(), 511) != 0) {
    throwSystemError("http: listen on " + d.options.listen);
  }
  socklen_t len = SocketAddress::capacity();
  if (::getsockname(fd.get(), d.bound.sockaddrPtr(), &len) != 0) {
    throwSystemError("http: getsockname");
  }

  // Protocol 0 serves HTTP and WebSockets without a subprotocol; then one per subprotocol.
  d.protocolNames.clear();
  d.protocolNames.emplace_back(DefaultProtocol);
  for (const WsRoute& r : d.wsRoutes) {
    if (!r.subprotocol.empty() && std::find(d.protocolNames.begin(), d.protocolNames.end(), r.subprotocol) == d.protocolNames.end()) {
      d.protocolNames.push_back(r.subprotocol);
    }
  }
  d.protocols.clear();
  for (const std::string& name : d.protocolNames) {
    struct lws_protocols p
    {
    };
    p.name = name.c_str();
    p.callback = lwsCallback;
    // lws reads WebSocket data in pieces of this size; we reassemble messages ourselves.
    p.rx_buffer_size = 4096;
    d.protocols.push_back(p);
  }
  d.protocols.push_back(lws_protocols{});

  if (d.options.pingIntervalSeconds > 0) {
    d.retryPolicy.secs_since_valid_ping = static_cast<uint16_t>(std::min(d.options.pingIntervalSeconds, 30000u));
    d.retryPolicy.secs_since_valid_hangup = static_cast<uint16_t>(std::min(2 * d.options.pingIntervalSeconds, 60000u));
  }

  struct lws_context_creation_info info
  {
  };
  info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
  info.protocols = d.protocols.data();
  info.vhost_name = "talk-http";
  info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
  info.user = &d;
  info.server_string = d.options.serverHeader.empty() ? nullptr : d.options.serverHeader.c_str();
  info.max_http_header_data = static_cast<unsigned short>(std::clamp<size_t>(d.options.maxHeaderBytes, 1024, 65535));
  unsigned timeout = static_cast<unsigned>(std::max(1.0, d.options.requestTimeoutSeconds));
  info.timeout_secs = timeout;
  info.keepalive_timeout = static_cast<int>(timeout);
  if (d.options.pingIntervalSeconds > 0) {
    info.retry_and_idle_policy = &d.retryPolicy;
  }
  d.tls = !d.options.tlsCertificateFile.empty() || !d.options.tlsPrivateKeyFile.empty();
  if (d.tls) {
    if (d.options.tlsCertificateFile.empty() || d.options.tlsPrivateKeyFile.empty()) {
      throw ConfigError("http: TLS needs both a certificate and a private key file");
    }
    for (const std::string* file : {&d.options.tlsCertificateFile, &d.options.tlsPrivateKeyFile}) {
      if (::access(file->c_str(), R_OK) != 0) {
        throwSystemError("http: cannot read " + *file);
      }
    }
    info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.ssl_cert_filepath = d.options.tlsCertificateFile.c_str();
    info.ssl_private_key_filepath = d.options.tlsPrivateKeyFile.c_str();
    // HTTP/1.1 only: h2 streams would be child connections our routing does not serve.
    info.alpn = "http/1.1";
  }
  d.context = detail::createContext(d.loop, info, d.tls ? "https (check the certificate and key)" : "http");
  d.vhost = lws_get_vhost_by_name(d.context.get(), info.vhost_name);
  if (d.vhost == nullptr) {
    d.context.reset();
    throw Error("http: the server has no vhost");
  }
  d.kick.start(d.context.get());
  d.listenFd = std::move(fd);
  d.acceptWatcher.set(d.listenFd.get(), EV_READ);
  d.started = true;
  TLOG_INFO("listening address=%s", d.bound.toString().c_str());
}

int Server::port() const
{
  return d_impl->bound.port();
}

void Server::closeAllWebSockets(uint16_t code, std::string_view reason)
{
  for (ServerWebSocket* ws : d_impl->webSockets) {
    ws->close(code, reason);
  }
}

size_t Server::webSocketCount() const
{
  return d_impl->webSockets.size();
}

size_t Server::httpConnectionCount() const
{
  return d_impl->httpConnections.size();
}

void Server::validateListen(const std::string& listen, const std::string& name)
{
  parseListen(listen, name);
}

}
