#define TLOG_COMPONENT "http-client"
#include "common/http/HttpClient.hpp"

#include "common/log/Logger.hpp"
#include "common/util/CHandle.hpp"
#include "common/util/Error.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>
#include <strings.h>
#include <utility>

namespace talk::http {

namespace {

using EasyHandle = CHandle<CURL, curl_easy_cleanup>;
using MultiHandle = CHandle<CURLM, curl_multi_cleanup>;
using HeaderList = CHandle<curl_slist, curl_slist_free_all>;
using UrlHandle = CHandle<CURLU, curl_url_cleanup>;

void globalInit()
{
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw Error("curl_global_init failed");
    }
  });
}

std::string lower(std::string text)
{
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool startsWithNoCase(std::string_view text, std::string_view prefix)
{
  return text.size() >= prefix.size() && strncasecmp(text.data(), prefix.data(), prefix.size()) == 0;
}

ErrorKind classify(CURLcode code)
{
  switch (code) {
  case CURLE_OK:
    return ErrorKind::None;
  case CURLE_OPERATION_TIMEDOUT:
    return ErrorKind::Timeout;
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
  case CURLE_COULDNT_CONNECT:
    return ErrorKind::Connect;
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_INVALIDCERTSTATUS:
  case CURLE_SSL_CRL_BADFILE:
  case CURLE_SSL_ENGINE_INITFAILED:
  case CURLE_USE_SSL_FAILED:
    return ErrorKind::Tls;
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_URL_MALFORMAT:
    return ErrorKind::BadRequest;
  case CURLE_OUT_OF_MEMORY:
  case CURLE_BAD_FUNCTION_ARGUMENT:
  case CURLE_FAILED_INIT:
    return ErrorKind::Internal;
  default:
    return ErrorKind::Protocol;
  }
}

bool isRedirect(long status)
{
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}

const char* methodName(Method method)
{
  switch (method) {
  case Method::Get:
    return "GET";
  case Method::Post:
    return "POST";
  case Method::Put:
    return "PUT";
  case Method::Delete:
    return "DELETE";
  case Method::Head:
    return "HEAD";
  }
  return "GET";
}

const char* errorKindName(ErrorKind kind)
{
  switch (kind) {
  case ErrorKind::None:
    return "none";
  case ErrorKind::BadRequest:
    return "bad-request";
  case ErrorKind::Timeout:
    return "timeout";
  case ErrorKind::Connect:
    return "connect";
  case ErrorKind::Tls:
    return "tls";
  case ErrorKind::TooLarge:
    return "too-large";
  case ErrorKind::Redirect:
    return "redirect";
  case ErrorKind::Protocol:
    return "protocol";
  case ErrorKind::Internal:
    return "internal";
  }
  return "unknown";
}

const std::string* HttpResponse::header(std::string_view name) const
{
  for (const Header& h : headers) {
    if (h.name.size() == name.size() && strncasecmp(h.name.data(), name.data(), name.size()) == 0) {
      return &h.value;
    }
  }
  return nullptr;
}

std::string originOf(std::string_view url)
{
  UrlHandle handle(curl_url());
  std::string text(url);
  if (!handle || curl_url_set(handle.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return {};
  }
  auto part = [&](CURLUPart which, unsigned flags) {
    char* value = nullptr;
    std::string out;
    if (curl_url_get(handle.get(), which, &value, flags) == CURLUE_OK && value != nullptr) {
      out = value;
    }
    curl_free(value);
    return out;
  };
  std::string scheme = lower(part(CURLUPART_SCHEME, 0));
  std::string host = lower(part(CURLUPART_HOST, 0));
  std::string port = part(CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (scheme.empty() || host.empty()) {
    return {};
  }
  return scheme + "://" + host + ":" + port;
}

class HttpClient::Impl : private ev::Timer::Listener
{
public:
  Impl(ev::EventLoop& loop, const HttpClientOptions& options);
  ~Impl() override;

  RequestId start(HttpRequest request, Callback callback);
  void cancel(RequestId id);
  size_t pending() const { return d_transfers.size(); }
  uint64_t connectionsOpened() const { return d_connectionsOpened; }

private:
  struct Transfer
  {
    RequestId id{0};
    EasyHandle easy;
    HeaderList headerList;
    HttpRequest request;
    Callback callback;
    HttpResponse response;
    Method method{Method::Get}; // current method (a 303 turns POST into GET)
    bool sendBody{false};
    int redirects{0};
    double deadline{0};
    bool tooLarge{false};
    bool added{false};
    char errorBuffer[CURL_ERROR_SIZE]{};
    Impl* impl{nullptr};
  };

  class Socket : public ev::IoWatcher::Listener
  {
  public:
    Socket(Impl& impl, curl_socket_t fd) : d_impl(impl), d_fd(fd), d_watcher(impl.d_loop, this) {}
    void watch(int events) { d_watcher.set(d_fd, events); }
    void stop() { d_watcher.stop(); }

  private:
    void onIo(ev::IoWatcher& /*watcher*/, int events) override { d_impl.onSocketReady(d_fd, events); }

    Impl& d_impl;
    curl_socket_t d_fd;
    ev::IoWatcher d_watcher;
  };

  // libcurl callbacks (C trampolines: they never throw).
  static int socketCallback(CURL* easy, curl_socket_t fd, int what, void* userp, void* socketp) noexcept;
  static int timerCallback(CURLM* multi, long timeoutMs, void* userp) noexcept;
  static size_t writeCallback(char* data, size_t size, size_t count, void* userp) noexcept;
  static size_t headerCallback(char* data, size_t size, size_t count, void* userp) noexcept;

  void onTimer(ev::Timer& timer) override;
  void onSocketReady(curl_socket_t fd, int events);
  void socketAction(curl_socket_t fd, int mask);
  void collectDone();
  void finish(Transfer& transfer, CURLcode code);
  bool configure(Transfer& transfer, std::string& error);
  bool launch(Transfer& transfer);
  void complete(RequestId id);
  void fail(Transfer& transfer, ErrorKind kind, std::string error);

  // Passed by argument (not owned)
  ev::EventLoop& d_loop;
  const HttpClientOptions& d_options;
  // Owned
  MultiHandle d_multi;
  ev::Timer d_curlTimer;
  ev::Timer d_deferTimer;
  // State
  std::map<RequestId, std::unique_ptr<Transfer>> d_transfers;
  std::map<curl_socket_t, std::unique_ptr<Socket>> d_sockets;
  std::vector<std::unique_ptr<Socket>> d_retiredSockets; // freed outside their own callback
  std::vector<RequestId> d_deferred;                      // failed before reaching libcurl
  RequestId d_nextId{1};
  uint64_t d_connectionsOpened{0};
};

HttpClient::Impl::Impl(ev::EventLoop& loop, const HttpClientOptions& options) :
  d_loop(loop), d_options(options), d_curlTimer(loop, this), d_deferTimer(loop, this)
{
  globalInit();
  d_multi.reset(curl_multi_init());
  if (!d_multi) {
    throw Error("curl_multi_init failed");
  }
  curl_multi_setopt(d_multi.get(), CURLMOPT_SOCKETFUNCTION, &Impl::socketCallback);
  curl_multi_setopt(d_multi.get(), CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(d_multi.get(), CURLMOPT_TIMERFUNCTION, &Impl::timerCallback);
  curl_multi_setopt(d_multi.get(), CURLMOPT_TIMERDATA, this);
  curl_multi_setopt(d_multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS, options.maxConnectionsPerHost);
}

HttpClient::Impl::~Impl()
{
  for (auto& [id, transfer] : d_transfers) {
    if (transfer->added) {
      curl_multi_remove_handle(d_multi.get(), transfer->easy.get());
    }
  }
  d_transfers.clear();
  // curl_multi_cleanup may still report sockets as removed; the map must exist until then.
  d_multi.reset();
  d_sockets.clear();
  d_retiredSockets.clear();
}

int HttpClient::Impl::socketCallback(CURL* /*easy*/, curl_socket_t fd, int what, void* userp, void* /*socketp*/) noexcept
{
  auto* self = static_cast<Impl*>(userp);
  try {
    if (what == CURL_POLL_REMOVE) {
      auto it = self->d_sockets.find(fd);
      if (it != self->d_sockets.end()) {
        it->second->stop();
        self->d_retiredSockets.push_back(std::move(it->second));
        self->d_sockets.erase(it);
      }
      return 0;
    }
    int events = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) {
      events |= EV_READ;
    }
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) {
      events |= EV_WRITE;
    }
    auto& socket = self->d_sockets[fd];
    if (!socket) {
      socket = std::make_unique<Socket>(*self, fd);
    }
    socket->watch(events);
    return 0;
  }
  catch (const std::exception& e) {
    TLOG_ERROR("socket callback failed: %s", e.what());
    return -1;
  }
  catch (...) {
    return -1;
  }
}

int HttpClient::Impl::timerCallback(CURLM* /*multi*/, long timeoutMs, void* userp) noexcept
{
  auto* self = static_cast<Impl*>(userp);
  if (timeoutMs < 0) {
    self->d_curlTimer.stop();
  }
  else {
    // 0 means "as soon as possible": the next loop iteration, never from inside libcurl.
    self->d_curlTimer.start(static_cast<double>(timeoutMs) / 1000.0);
  }
  return 0;
}

size_t HttpClient::Impl::writeCallback(char* data, size_t size, size_t count, void* userp) noexcept
{
  auto* transfer = static_cast<Transfer*>(userp);
  size_t bytes = size * count;
  if (transfer->response.body.size() + bytes > transfer->impl->d_options.maxResponseBytes) {
    transfer->tooLarge = true;
    return 0; // aborts with CURLE_WRITE_ERROR
  }
  try {
    transfer->response.body.append(data, bytes);
  }
  catch (...) {
    return 0;
  }
  return bytes;
}

size_t HttpClient::Impl::headerCallback(char* data, size_t size, size_t count, void* userp) noexcept
{
  auto* transfer = static_cast<Transfer*>(userp);
  size_t bytes = size * count;
  try {
    std::string_view line(data, bytes);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
      line.remove_suffix(1);
    }
    if (startsWithNoCase(line, "HTTP/")) {
      transfer->response.headers.clear(); // a new response (after 1xx)
      return bytes;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return bytes;
    }
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
      value.remove_suffix(1);
    }
    // Bounded like the body: a server cannot grow our memory with endless headers.
    if (transfer->response.headers.size() >= 200) {
      transfer->tooLarge = true;
      return 0;
    }
    transfer->response.headers.push_back(Header{lower(std::string(line.substr(0, colon))), std::string(value)});
  }
  catch (...) {
    return 0;
  }
  return bytes;
}

bool HttpClient::Impl::configure(Transfer& transfer, std::string& error)
{
  CURL* easy = transfer.easy.get();
  curl_easy_reset(easy);
  double remaining = transfer.deadline - d_loop.now();
  if (remaining <= 0) {
    error = "timeout elapsed before the request could be sent";
    return false;
  }
  bool ok = true;
  auto set = [&](CURLcode code) { ok = ok && code == CURLE_OK; };
  set(curl_easy_setopt(easy, CURLOPT_URL, transfer.response.effectiveUrl.c_str()));
  set(curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https"));
  set(curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L));
  set(curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L));
  set(curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, std::max(1L, static_cast<long>(remaining * 1000.0))));
  set(curl_easy_setopt(easy, CURLOPT_PRIVATE, &transfer));
  set(curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer.errorBuffer));
  set(curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Impl::writeCallback));
  set(curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer));
  set(curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Impl::headerCallback));
  set(curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer));
  set(curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, d_options.verifyTls ? 1L : 0L));
  set(curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, d_options.verifyTls ? 2L : 0L));
  if (!d_options.caFile.empty()) {
    set(curl_easy_setopt(easy, CURLOPT_CAINFO, d_options.caFile.c_str()));
  }
  if (d_options.maxResponseBytes > 0) {
    set(curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(d_options.maxResponseBytes)));
  }
  set(curl_easy_setopt(easy, CURLOPT_USERAGENT, d_options.userAgent.c_str()));

  switch (transfer.method) {
  case Method::Get:
    set(curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L));
    break;
  case Method::Head:
    set(curl_easy_setopt(easy, CURLOPT_NOBODY, 1L));
    break;
  case Method::Post:
    set(curl_easy_setopt(easy, CURLOPT_POST, 1L));
    break;
  case Method::Put:
  case Method::Delete:
    set(curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, methodName(transfer.method)));
    break;
  }
  if (transfer.sendBody) {
    set(curl_easy_setopt(easy, CURLOPT_POSTFIELDS, transfer.request.body.data()));
    set(curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(transfer.request.body.size())));
  }
  else if (transfer.method == Method::Post) {
    set(curl_easy_setopt(easy, CURLOPT_POSTFIELDS, ""));
    set(curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(0)));
  }

  curl_slist* list = nullptr;
  auto append = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(list, line.c_str());
    if (next == nullptr) {
      ok = false;
      return;
    }
    list = next;
  };
  for (const Header& header : transfer.request.headers) {
    if (header.name.find_first_of(":\r\n") != std::string::npos || header.value.find_first_of("\r\n") != std::string::npos) {
      curl_slist_free_all(list);
      error = "header " + header.name + " contains a line break or colon";
      return false;
    }
    if (!transfer.sendBody && strcasecmp(header.name.c_str(), "Content-Type") == 0) {
      continue;
    }
    // "Name;" sends an empty header; "Name:" would tell libcurl to remove it.
    append(header.value.empty() ? header.name + ";" : header.name + ": " + header.value);
  }
  append("Expect:");
  transfer.headerList.reset(list);
  set(curl_easy_setopt(easy, CURLOPT_HTTPHEADER, list));
  if (!ok) {
    error = "libcurl refused an option";
  }
  return ok;
}

bool HttpClient::Impl::launch(Transfer& transfer)
{
  std::string error;
  if (!configure(transfer, error)) {
    fail(transfer, transfer.deadline <= d_loop.now() ? ErrorKind::Timeout : ErrorKind::BadRequest, std::move(error));
    return false;
  }
  CURLMcode code = curl_multi_add_handle(d_multi.get(), transfer.easy.get());
  if (code != CURLM_OK) {
    fail(transfer, ErrorKind::Internal, curl_multi_strerror(code));
    return false;
  }
  transfer.added = true;
  return true;
}

void HttpClient::Impl::fail(Transfer& transfer, ErrorKind kind, std::string error)
{
  transfer.response.status = 0;
  transfer.response.errorKind = kind;
  transfer.response.error = std::move(error);
  d_deferred.push_back(transfer.id);
  d_deferTimer.start(0.0);
}

HttpClient::RequestId HttpClient::Impl::start(HttpRequest request, Callback callback)
{
  auto transfer = std::make_unique<Transfer>();
  transfer->id = d_nextId++;
  transfer->impl = this;
  transfer->callback = std::move(callback);
  transfer->method = request.method;
  transfer->sendBody = !request.body.empty() || request.method == Method::Post || request.method == Method::Put;
  if (request.method == Method::Get || request.method == Method::Head) {
    transfer->sendBody = false;
  }
  double timeout = request.timeout > 0 ? request.timeout : d_options.timeout;
  transfer->deadline = d_loop.now() + timeout;
  transfer->response.effectiveUrl = request.url;
  transfer->request = std::move(request);
  Transfer& ref = *transfer;
  d_transfers.emplace(ref.id, std::move(transfer));

  const std::string& url = ref.request.url;
  if (!startsWithNoCase(url, "http://") && !startsWithNoCase(url, "https://")) {
    fail(ref, ErrorKind::BadRequest, "only http:// and https:// URLs are supported");
    return ref.id;
  }
  ref.easy.reset(curl_easy_init());
  if (!ref.easy) {
    fail(ref, ErrorKind::Internal, "curl_easy_init failed");
    return ref.id;
  }
  launch(ref);
  return ref.id;
}

void HttpClient::Impl::cancel(RequestId id)
{
  auto it = d_transfers.find(id);
  if (it == d_transfers.end()) {
    return;
  }
  if (it->second->added) {
    curl_multi_remove_handle(d_multi.get(), it->second->easy.get());
  }
  d_transfers.erase(it);
}

void HttpClient::Impl::onTimer(ev::Timer& timer)
{
  if (&timer == &d_deferTimer) {
    std::vector<RequestId> ids;
    ids.swap(d_deferred);
    for (RequestId id : ids) {
      complete(id);
    }
    return;
  }
  socketAction(CURL_SOCKET_TIMEOUT, 0);
}

void HttpClient::Impl::onSocketReady(curl_socket_t fd, int events)
{
  int mask = 0;
  if ((events & EV_READ) != 0) {
    mask |= CURL_CSELECT_IN;
  }
  if ((events & EV_WRITE) != 0) {
    mask |= CURL_CSELECT_OUT;
  }
  socketAction(fd, mask);
}

void HttpClient::Impl::socketAction(curl_socket_t fd, int mask)
{
  int running = 0;
  CURLMcode code = curl_multi_socket_action(d_multi.get(), fd, mask, &running);
  if (code != CURLM_OK) {
    TLOG_ERROR("curl_multi_socket_action failed: %s", curl_multi_strerror(code));
  }
  collectDone();
  d_retiredSockets.clear();
}

void HttpClient::Impl::collectDone()
{
  // Gather first: callbacks may add or cancel transfers, which changes libcurl's queue.
  std::vector<std::pair<RequestId, CURLcode>> done;
  int left = 0;
  while (CURLMsg* message = curl_multi_info_read(d_multi.get(), &left)) {
    if (message->msg != CURLMSG_DONE) {
      continue;
    }
    Transfer* transfer = nullptr;
    curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&transfer));
    if (transfer != nullptr) {
      done.emplace_back(transfer->id, message->data.result);
    }
  }
  for (auto [id, code] : done) {
    auto it = d_transfers.find(id);
    if (it != d_transfers.end()) {
      finish(*it->second, code);
    }
  }
}

void HttpClient::Impl::finish(Transfer& transfer, CURLcode code)
{
  CURL* easy = transfer.easy.get();
  long connects = 0;
  curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
  d_connectionsOpened += static_cast<uint64_t>(std::max(0L, connects));
  curl_multi_remove_handle(d_multi.get(), easy);
  transfer.added = false;

  HttpResponse& response = transfer.response;
  if (code != CURLE_OK) {
    response.status = 0;
    if (transfer.tooLarge || code == CURLE_FILESIZE_EXCEEDED) {
      response.errorKind = ErrorKind::TooLarge;
      response.error = "response larger than " + std::to_string(d_options.maxResponseBytes) + " bytes";
    }
    else {
      response.errorKind = classify(code);
      response.error = transfer.errorBuffer[0] != '\0' ? transfer.errorBuffer : curl_easy_strerror(code);
    }
    response.body.clear();
    complete(transfer.id);
    return;
  }
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  response.status = status;
  char* location = nullptr;
  curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, &location);
  if (isRedirect(status) && location != nullptr) {
    std::string next(location);
    if (transfer.redirects >= d_options.maxRedirects) {
      response.errorKind = ErrorKind::Redirect;
      response.error = "more than " + std::to_string(d_options.maxRedirects) + " redirects";
    }
    else if (originOf(next).empty() || originOf(next) != originOf(response.effectiveUrl)) {
      response.errorKind = ErrorKind::Redirect;
      response.error = "redirect to another origin refused: " + next;
    }
    else {
      ++transfer.redirects;
      if (status != 307 && status != 308 && transfer.method != Method::Head) {
        transfer.method = Method::Get;
        transfer.sendBody = false;
      }
      response = HttpResponse{};
      response.effectiveUrl = std::move(next);
      transfer.tooLarge = false;
      transfer.errorBuffer[0] = '\0';
      launch(transfer);
      return;
    }
    response.status = 0;
    response.body.clear();
  }
  complete(transfer.id);
}

void HttpClient::Impl::complete(RequestId id)
{
  auto it = d_transfers.find(id);
  if (it == d_transfers.end()) {
    return;
  }
  std::unique_ptr<Transfer> transfer = std::move(it->second);
  d_transfers.erase(it);
  if (transfer->added) {
    curl_multi_remove_handle(d_multi.get(), transfer->easy.get());
  }
  Callback callback = std::move(transfer->callback);
  HttpResponse response = std::move(transfer->response);
  transfer.reset();
  if (!callback) {
    return;
  }
  try {
    callback(std::move(response));
  }
  catch (const std::exception& e) {
    TLOG_ERROR("HTTP response handler threw: %s", e.what());
  }
  catch (...) {
    TLOG_ERROR("HTTP response handler threw a non-standard exception");
  }
}

HttpClient::HttpClient(ev::EventLoop& loop, HttpClientOptions options) :
  d_options(std::move(options)), d_impl(std::make_unique<Impl>(loop, d_options))
{
}

HttpClient::~HttpClient() = default;

HttpClient::RequestId HttpClient::request(HttpRequest request, Callback callback)
{
  return d_impl->start(std::move(request), std::move(callback));
}

void HttpClient::cancel(RequestId id)
{
  d_impl->cancel(id);
}

size_t HttpClient::pending() const
{
  return d_impl->pending();
}

uint64_t HttpClient::connectionsOpened() const
{
  return d_impl->connectionsOpened();
}

}
