#define TLOG_COMPONENT "http"
#include "common/http/WebSocketClient.hpp"

#include "common/ev/Watchers.hpp"
#include "common/http/LwsContext.hpp"
#include "common/http/WsChannel.hpp"
#include "common/log/Logger.hpp"
#include "common/util/Error.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <mutex>

namespace talk::http {

namespace {

constexpr const char* ClientProtocol = "talk-ws-client";

int clientCallback(struct lws* wsi, enum lws_callback_reasons reason, void* user, void* in, size_t len);

const struct lws_protocols ClientProtocols[] = {
    {ClientProtocol, clientCallback, 0, 4096, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

struct ParsedUrl
{
  bool tls{false};
  std::string host; // without brackets
  int port{0};
  std::string path; // with the query, starts with '/'
  std::string hostHeader;
};

ParsedUrl parseUrl(const std::string& url)
{
  auto fail = [&]() -> ParsedUrl { throw ConfigError("websocket url: expected ws://host[:port]/path or wss://..., not \"" + url + "\""); };
  ParsedUrl out;
  std::string_view rest(url);
  if (rest.substr(0, 5) == "ws://") {
    rest.remove_prefix(5);
  }
  else if (rest.substr(0, 6) == "wss://") {
    out.tls = true;
    rest.remove_prefix(6);
  }
  else {
    return fail();
  }
  size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
  std::string_view portText;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return fail();
    }
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return fail();
      }
      portText = after.substr(1);
    }
  }
  else {
    size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      portText = authority.substr(colon + 1);
    }
  }
  if (out.host.empty() || out.host.find_first_of(" \t\r\n@") != std::string::npos) {
    return fail();
  }
  out.port = out.tls ? 443 : 80;
  if (!portText.empty()) {
    int port = 0;
    auto [end, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
    if (ec != std::errc() || end != portText.data() + portText.size() || port <= 0 || port > 65535) {
      return fail();
    }
    out.port = port;
  }
  out.path = path.front() == '/' ? std::string(path) : "/" + std::string(path);
  if (out.path.find_first_of(" \r\n") != std::string::npos) {
    return fail();
  }
  bool v6 = out.host.find(':') != std::string::npos;
  out.hostHeader = (v6 ? "[" + out.host + "]" : out.host);
  if (out.port != (out.tls ? 443 : 80)) {
    out.hostHeader += ":" + std::to_string(out.port);
  }
  return out;
}

// One lws client context per loop and CA file, shared by every client on that loop.
class ClientContext
{
public:
  static std::shared_ptr<ClientContext> get(ev::EventLoop& loop, const std::string& caFile)
  {
    static std::mutex mutex;
    static std::map<std::pair<struct ev_loop*, std::string>, std::weak_ptr<ClientContext>> contexts;
    std::lock_guard<std::mutex> lock(mutex);
    auto key = std::make_pair(loop.raw(), caFile);
    if (auto existing = contexts[key].lock()) {
      return existing;
    }
    for (auto it = contexts.begin(); it != contexts.end();) {
      it = it->second.expired() ? contexts.erase(it) : std::next(it);
    }
    auto created = std::make_shared<ClientContext>(loop, caFile);
    contexts[key] = created;
    return created;
  }

  ClientContext(ev::EventLoop& loop, const std::string& caFile) :
    d_caFile(caFile), d_reaper(loop), d_kick(loop)
  {
    struct lws_context_creation_info info
    {
    };
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = ClientProtocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_VALIDATE_UTF8;
    if (!d_caFile.empty()) {
      info.client_ssl_ca_filepath = d_caFile.c_str();
    }
    info.timeout_secs = 10;
    info.user = this;
    d_context = detail::createContext(loop, info, "websocket client");
    d_kick.start(d_context.get());
  }

  ~ClientContext() { d_kick.stop(); }

  struct lws_context* get() const { return d_context.get(); }
  detail::Reaper& reaper() { return d_reaper; }

  // Callbacks of this context now running: it must not be destroyed under them.
  int depth{0};

  // Drops a reference; if callbacks are running, from the loop's next iteration instead.
  static void release(ev::EventLoop& loop, std::shared_ptr<ClientContext> context)
  {
    if (!context || context->depth == 0) {
      return; // the reference goes here
    }
    auto holder = std::make_unique<std::shared_ptr<ClientContext>>(std::move(context));
    ev_once(
        loop.raw(), -1, 0, 0, [](int /*revents*/, void* arg) { std::unique_ptr<std::shared_ptr<ClientContext>> drop(static_cast<std::shared_ptr<ClientContext>*>(arg)); },
        holder.release());
  }

private:
  std::string d_caFile;
  detail::Reaper d_reaper;
  detail::TimerKick d_kick;
  // Last, so it goes first: its closing connections still reach the reaper.
  detail::LwsContextHandle d_context;
};

}

struct WebSocketClient::Impl : ev::Timer::Listener
{
  Impl(WebSocketClient& o, ev::EventLoop& l, ClientOptions opts, WebSocket::Listener* li) :
    owner(o), loop(l), options(std::move(opts)), url(parseUrl(options.url)), listener(li), connectTimer(l, this), deferTimer(l, this)
  {
    for (const auto& [name, value] : options.headers) {
      if (name.empty() || name.find_first_of(":\r\n ") != std::string::npos || value.find_first_of("\r\n") != std::string::npos) {
        throw ConfigError("websocket client: malformed header \"" + name + "\"");
      }
    }
    if (options.pingIntervalSeconds > 0) {
      retryPolicy.secs_since_valid_ping = static_cast<uint16_t>(std::min(options.pingIntervalSeconds, 30000u));
      retryPolicy.secs_since_valid_hangup = static_cast<uint16_t>(std::min(2 * options.pingIntervalSeconds, 60000u));
    }
  }

  ~Impl() override
  {
    abandon();
    ClientContext::release(loop, std::move(context)); // we may be inside its callback
  }

  // Passed by argument (not owned)
  WebSocketClient& owner;
  ev::EventLoop& loop;
  // Settings
  const ClientOptions options;
  const ParsedUrl url;
  WebSocket::Listener* listener;
  lws_retry_bo_t retryPolicy{};
  // State
  Request request; // the upgrade request as we send it
  std::unique_ptr<detail::WsChannel> channel;
  bool connecting{false};
  bool inConnect{false};   // inside lws_client_connect_via_info
  bool closePending{false}; // a close to report from deferTimer
  std::string pendingReason;
  // Owned
  ev::Timer connectTimer;
  ev::Timer deferTimer;
  std::shared_ptr<ClientContext> context;

  // Cuts the connection without telling the listener.
  void abandon()
  {
    connectTimer.stop();
    deferTimer.stop();
    if (channel && channel->wsi() != nullptr) {
      struct lws* wsi = channel->wsi();
      lws_set_opaque_user_data(wsi, nullptr);
      channel->detach();
      context->reaper().kill(wsi, 0);
    }
  }

  void connect()
  {
    if (connecting || (channel && !channel->closed())) {
      throw Error("websocket client: already connected or connecting");
    }
    if (!context) {
      context = ClientContext::get(loop, options.caFile);
    }
    channel = std::make_unique<detail::WsChannel>(options.maxMessageBytes, options.maxQueuedBytes, context->reaper());
    request = Request{};
    request.method = "GET";
    size_t query = url.path.find('?');
    request.path = url.path.substr(0, query);
    request.query = query == std::string::npos ? "" : url.path.substr(query + 1);
    request.headers.emplace_back("host", url.hostHeader);
    if (!options.subprotocol.empty()) {
      request.headers.emplace_back("sec-websocket-protocol", options.subprotocol);
    }
    for (const auto& h : options.headers) {
      request.headers.push_back(h);
    }
    closePending = false;
    pendingReason.clear();
    reasonOverride.clear();
    connecting = true;

    struct lws_client_connect_info info
    {
    };
    info.context = context->get();
    info.address = url.host.c_str();
    info.port = url.port;
    info.path = url.path.c_str();
    info.host = url.hostHeader.c_str();
    info.protocol = options.subprotocol.empty() ? nullptr : options.subprotocol.c_str();
    info.local_protocol_name = ClientProtocol;
    info.ietf_version_or_minus_one = -1;
    info.opaque_user_data = this;
    if (url.tls) {
      info.ssl_connection = LCCSCF_USE_SSL;
      if (!options.verifyPeer) {
        info.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK | LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
      }
    }
    if (options.pingIntervalSeconds > 0) {
      info.retry_and_idle_policy = &retryPolicy;
    }
    connectTimer.start(options.connectTimeoutSeconds);
    inConnect = true;
    struct lws* created = lws_client_connect_via_info(&info);
    inConnect = false;
    if (created == nullptr && !closePending) {
      connecting = false;
      connectTimer.stop();
      closePending = true;
      pendingReason = "cannot start connecting to " + url.hostHeader;
    }
    if (closePending) {
      // Failed inside connect(): report from the loop, never from inside connect().
      if (created != nullptr) {
        lws_set_opaque_user_data(created, nullptr);
      }
      deferTimer.start(0);
      return;
    }
    channel->attach(created);
  }

  // The connection ended or never started: cut it and tell the listener once.
  void finish(std::string reason)
  {
    connecting = false;
    connectTimer.stop();
    if (channel) {
      if (struct lws* wsi = channel->wsi()) {
        lws_set_opaque_user_data(wsi, nullptr);
        channel->detach();
        // Harmless when lws is closing it already; needed when we give up (timeout).
        context->reaper().kill(wsi, 0);
      }
    }
    if (!channel || channel->closed() || closePending) {
      return;
    }
    closePending = true;
    pendingReason = std::move(reason);
    if (!inConnect) {
      deliverClose();
    }
  }

  void deliverClose()
  {
    if (!closePending || !channel) {
      return;
    }
    closePending = false;
    channel->markClosed();
    reasonOverride = channel->closeReason().empty() ? pendingReason : std::string();
    if (channel->closeCode() == close_code::Abnormal) {
      TLOG_INFO("websocket client closed url=%s reason=\"%s\"", options.url.c_str(), pendingReason.c_str());
    }
    if (listener != nullptr) {
      listener->onClose(owner); // may destroy us; nothing follows
    }
  }

  std::string reasonOverride; // why an abnormal close happened, when the peer gave none

  void onTimer(ev::Timer& timer) override
  {
    if (&timer == &deferTimer) {
      deliverClose();
      return;
    }
    if (connecting) {
      TLOG_NOTICE("websocket connect timeout url=%s after=%.1fs", options.url.c_str(), options.connectTimeoutSeconds);
      finish("connect timeout");
    }
  }

  int onCallback(struct lws* wsi, enum lws_callback_reasons reason, void* in, size_t len)
  {
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
      auto** p = static_cast<unsigned char**>(in);
      unsigned char* end = *p + len;
      for (const auto& [name, value] : options.headers) {
        std::string key = name + ":";
        if (lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>(key.c_str()), reinterpret_cast<const unsigned char*>(value.data()),
                                        static_cast<int>(value.size()), p, end) != 0) {
          return -1;
        }
      }
      return 0;
    }
    case LWS_CALLBACK_CLIENT_ESTABLISHED: {
      connecting = false;
      connectTimer.stop();
      channel->attach(wsi);
      channel->setOpen();
      if (listener != nullptr) {
        listener->onOpen(owner); // may destroy us; nothing follows
      }
      return 0;
    }
    case LWS_CALLBACK_CLIENT_RECEIVE:
      return channel->onReceive(owner, listener, in, len);
    case LWS_CALLBACK_CLIENT_WRITEABLE:
      return channel->onWritable();
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
      channel->onPeerClose(in, len);
      return 0;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
      std::string why = in != nullptr && len > 0 ? std::string(static_cast<const char*>(in), len) : std::string();
      if (in != nullptr && len == 0) {
        why = static_cast<const char*>(in);
      }
      finish("connect failed: " + (why.empty() ? std::string("unknown error") : why));
      return 0;
    }
    case LWS_CALLBACK_CLIENT_CLOSED:
      finish("connection closed");
      return 0;
    case LWS_CALLBACK_WSI_DESTROY:
      finish("connection closed");
      return 0;
    default:
      return 0;
    }
  }
};

namespace {

int clientCallback(struct lws* wsi, enum lws_callback_reasons reason, void* user, void* in, size_t len)
{
  auto* owner = static_cast<ClientContext*>(lws_context_user(lws_get_context(wsi)));
  struct Depth
  {
    ClientContext* c;
    explicit Depth(ClientContext* x) :
      c(x)
    {
      if (c != nullptr) {
        ++c->depth;
      }
    }
    ~Depth()
    {
      if (c != nullptr) {
        --c->depth;
      }
    }
    Depth(const Depth&) = delete;
    Depth& operator=(const Depth&) = delete;
  } depth(owner);
  try {
    if (reason == LWS_CALLBACK_WSI_DESTROY && owner != nullptr) {
      owner->reaper().forget(wsi);
    }
    auto* impl = static_cast<WebSocketClient::Impl*>(lws_get_opaque_user_data(wsi));
    if (impl != nullptr) {
      return impl->onCallback(wsi, reason, in, len);
    }
    if (reason == LWS_CALLBACK_CLIENT_RECEIVE || reason == LWS_CALLBACK_CLIENT_WRITEABLE) {
      return -1; // abandoned by its client: finish closing
    }
  }
  catch (const std::exception& e) {
    TLOG_ERROR("websocket client callback failed error=\"%s\"", e.what());
    return -1;
  }
  catch (...) {
    TLOG_ERROR("websocket client callback failed");
    return -1;
  }
  return lws_callback_http_dummy(wsi, reason, user, in, len);
}

}

WebSocketClient::WebSocketClient(ev::EventLoop& loop, ClientOptions options, WebSocket::Listener* listener) :
  d_impl(std::make_unique<Impl>(*this, loop, std::move(options), listener))
{
}

WebSocketClient::~WebSocketClient() = default;

void WebSocketClient::connect()
{
  d_impl->connect();
}

void WebSocketClient::setListener(Listener* listener)
{
  d_impl->listener = listener;
}

bool WebSocketClient::sendText(std::string_view payload)
{
  return d_impl->channel && d_impl->channel->send(payload, false);
}

bool WebSocketClient::sendBinary(std::string_view payload)
{
  return d_impl->channel && d_impl->channel->send(payload, true);
}

void WebSocketClient::close(uint16_t code, std::string_view reason)
{
  Impl& d = *d_impl;
  if (!d.channel || d.channel->closed()) {
    return;
  }
  if (d.connecting) {
    // Not open yet: there is no handshake to close, so give up the attempt.
    d.channel->close(code, reason);
    d.finish("closed before open");
    return;
  }
  d.channel->close(code, reason);
}

const Request& WebSocketClient::upgradeRequest() const
{
  return d_impl->request;
}

size_t WebSocketClient::queuedBytes() const
{
  return d_impl->channel ? d_impl->channel->queuedBytes() : 0;
}

bool WebSocketClient::isOpen() const
{
  return d_impl->channel && d_impl->channel->isOpen();
}

uint16_t WebSocketClient::closeCode() const
{
  return d_impl->channel ? d_impl->channel->closeCode() : close_code::Abnormal;
}

const std::string& WebSocketClient::closeReason() const
{
  if (d_impl->channel && d_impl->channel->closeReason().empty() && !d_impl->reasonOverride.empty()) {
    return d_impl->reasonOverride;
  }
  static const std::string None;
  return d_impl->channel ? d_impl->channel->closeReason() : None;
}

const ClientOptions& WebSocketClient::options() const
{
  return d_impl->options;
}

}
