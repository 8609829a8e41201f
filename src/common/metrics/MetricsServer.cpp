#define TLOG_COMPONENT "metrics"
#include "common/metrics/MetricsServer.hpp"

#include "common/ev/Watchers.hpp"
#include "common/log/Logger.hpp"
#include "common/net/SocketAddress.hpp"
#include "common/net/UniqueFd.hpp"
#include "common/util/CHandle.hpp"
#include "common/util/Error.hpp"

#include <cerrno>
#include <cstring>
#include <libwebsockets.h>
#include <map>
#include <sys/socket.h>
#include <vector>

namespace talk::metrics {

namespace {

constexpr const char* VhostName = "metrics";
// Bodies go out in pieces of this size, one per writable callback.
constexpr size_t ChunkSize = 16 * 1024;

SocketAddress parseListen(const std::string& listen)
{
  auto address = SocketAddress::parse(listen);
  if (!address) {
    throw ConfigError("metrics.listen: expected an IP address and port such as 127.0.0.1:9090 or [::1]:9090, not \"" + listen + "\"");
  }
  return *address;
}

int httpCallback(struct lws* wsi, enum lws_callback_reasons reason, void* user, void* in, size_t len);

const struct lws_protocols Protocols[] = {
    {"http", httpCallback, 0, 0, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

}

struct MetricsServer::Impl : ev::IoWatcher::Listener
{
  struct Response
  {
    std::string body;
    size_t sent{0};
  };

  // Passed by argument (not owned)
  ev::EventLoop& loop;
  const Registry& registry;
  std::function<std::string()> statusJson;
  // State
  std::map<struct lws*, Response> responses;
  void* foreignLoops[1]{};
  int port{0};
  // Owned. We listen ourselves and hand accepted sockets to lws: the bind error is ours
  // to report (with errno), and lws never runs its listen code.
  UniqueFd listenFd;
  ev::IoWatcher acceptWatcher;
  struct lws_vhost* vhost{nullptr}; // owned by context
  // Last, so it goes first: lws callbacks may still touch the state above.
  CHandle<struct lws_context, lws_context_destroy> context;

  Impl(ev::EventLoop& l, const Registry& r, std::function<std::string()> s) :
    loop(l), registry(r), statusJson(std::move(s)), acceptWatcher(l, this) {}

  void onIo(ev::IoWatcher& /*watcher*/, int /*events*/) override
  {
    // Accept what is pending; lws closes the socket itself if it cannot adopt it.
    for (int i = 0; i < 16; ++i) {
      int fd = ::accept4(listenFd.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED) {
          TLOG_WARN("accept failed error=\"%s\"", std::strerror(errno));
        }
        return;
      }
      if (lws_adopt_socket_vhost(vhost, fd) == nullptr) {
        TLOG_WARN("cannot adopt connection");
      }
    }
  }

  int onHttp(struct lws* wsi, const char* path)
  {
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0) {
      return lws_return_http_status(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED, nullptr) != 0 ? -1 : (lws_http_transaction_completed(wsi) != 0 ? -1 : 0);
    }
    const char* contentType = nullptr;
    std::string body;
    if (std::strcmp(path, "/metrics") == 0) {
      contentType = "text/plain; version=0.0.4; charset=utf-8";
      body = registry.render();
    }
    else if (std::strcmp(path, "/status") == 0) {
      contentType = "application/json";
      body = statusJson ? statusJson() : std::string("{}");
      body += '\n';
    }
    else {
      TLOG_DEBUG("metrics", "not found path=%.100s", path);
      return lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, nullptr) != 0 ? -1 : (lws_http_transaction_completed(wsi) != 0 ? -1 : 0);
    }
    unsigned char buffer[LWS_PRE + 512];
    unsigned char* start = &buffer[LWS_PRE];
    unsigned char* p = start;
    unsigned char* end = &buffer[sizeof(buffer) - 1];
    if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, contentType, body.size(), &p, end) != 0 ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL, reinterpret_cast<const unsigned char*>("no-store"), 8, &p, end) != 0 ||
        lws_finalize_write_http_header(wsi, start, &p, end) != 0) {
      return -1;
    }
    responses[wsi] = Response{std::move(body), 0};
    lws_callback_on_writable(wsi);
    return 0;
  }

  int onWritable(struct lws* wsi)
  {
    auto it = responses.find(wsi);
    if (it == responses.end()) {
      return 0;
    }
    Response& r = it->second;
    size_t n = std::min(ChunkSize, r.body.size() - r.sent);
    bool last = r.sent + n == r.body.size();
    std::vector<unsigned char> frame(LWS_PRE + n);
    std::memcpy(frame.data() + LWS_PRE, r.body.data() + r.sent, n);
    if (lws_write(wsi, frame.data() + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < static_cast<int>(n)) {
      responses.erase(it);
      return -1;
    }
    r.sent += n;
    if (!last) {
      lws_callback_on_writable(wsi);
      return 0;
    }
    responses.erase(it);
    return lws_http_transaction_completed(wsi) != 0 ? -1 : 0;
  }
};

namespace {

int httpCallback(struct lws* wsi, enum lws_callback_reasons reason, void* user, void* in, size_t len)
{
  auto* impl = static_cast<MetricsServer::Impl*>(lws_context_user(lws_get_context(wsi)));
  // No exception may cross back into lws: a failure closes this one connection.
  try {
    switch (reason) {
    case LWS_CALLBACK_HTTP:
      return impl->onHttp(wsi, static_cast<const char*>(in));
    case LWS_CALLBACK_HTTP_WRITEABLE:
      return impl->onWritable(wsi);
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
      impl->responses.erase(wsi);
      break;
    default:
      break;
    }
  }
  catch (const std::exception& e) {
    TLOG_ERROR("request failed error=\"%s\"", e.what());
    impl->responses.erase(wsi);
    return -1;
  }
  catch (...) {
    impl->responses.erase(wsi);
    return -1;
  }
  return lws_callback_http_dummy(wsi, reason, user, in, len);
}

}

MetricsServer::MetricsServer(ev::EventLoop& loop, const Registry& registry, std::string listen, std::function<std::string()> statusJson) :
  d_impl(std::make_unique<Impl>(loop, registry, std::move(statusJson)))
{
  SocketAddress address = parseListen(listen);
  UniqueFd fd(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    throwSystemError("metrics: socket");
  }
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (address.isV6()) {
    ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  }
  if (::bind(fd.get(), address.sockaddrPtr(), address.length()) != 0) {
    throwSystemError("metrics: cannot listen on " + listen);
  }
  if (::listen(fd.get(), 64) != 0) {
    throwSystemError("metrics: listen on " + listen);
  }
  SocketAddress bound;
  socklen_t len = SocketAddress::capacity();
  if (::getsockname(fd.get(), bound.sockaddrPtr(), &len) != 0) {
    throwSystemError("metrics: getsockname");
  }
  d_impl->port = bound.port();
  d_impl->foreignLoops[0] = loop.raw();

  struct lws_context_creation_info info
  {
  };
  info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
  info.protocols = Protocols;
  info.vhost_name = VhostName;
  info.options = LWS_SERVER_OPTION_LIBEV;
  info.foreign_loops = d_impl->foreignLoops;
  info.user = d_impl.get();
  // Scrapers are few; keep lws's per-connection memory small.
  info.max_http_header_data = 2048;
  info.timeout_secs = 10;
  info.keepalive_timeout = 10;

  d_impl->context.reset(lws_create_context(&info));
  if (!d_impl->context) {
    throw Error("metrics: cannot create the HTTP server (is libwebsockets-evlib-ev installed?)");
  }
  d_impl->vhost = lws_get_vhost_by_name(d_impl->context.get(), VhostName);
  if (d_impl->vhost == nullptr) {
    throw Error("metrics: HTTP server has no vhost");
  }
  d_impl->listenFd = std::move(fd);
  d_impl->acceptWatcher.set(d_impl->listenFd.get(), EV_READ);
  TLOG_INFO("listening address=%s", bound.toString().c_str());
}

MetricsServer::~MetricsServer() = default;

void MetricsServer::validateListen(const std::string& listen)
{
  parseListen(listen);
}

int MetricsServer::port() const
{
  return d_impl->port;
}

}
