#pragma once
// Asynchronous HTTP(S) client on our libev loop, built on libcurl's multi interface.
// libcurl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when to wake up
// (CURLMOPT_TIMERFUNCTION); we map those onto IoWatcher and Timer, so no call ever blocks
// the loop. Connections are kept alive and reused per host, up to a per-host limit.
//
// Redirects are never followed by libcurl itself: the client follows them only to the same
// scheme, host and port (at most maxRedirects), repeating the method and body for 307/308
// and degrading to a body-less GET for 301/302/303 (Go's net/http semantics, which
// Nextcloud deployments were tested with; signaling-protocol.md §12.1). A redirect to
// another origin fails the request with ErrorKind::Redirect.
//
// TLS writes may raise SIGPIPE on a dropped connection: the process must ignore SIGPIPE
// (daemon::LibraryScope does).
//
// Thread affinity: one HttpClient per loop; every method must be called on the loop thread.
// Callbacks run on the loop, never from inside request(); a callback may start new
// requests or cancel others, but must not destroy the HttpClient.
#include "common/ev/Watchers.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace talk::http {

struct Header
{
  std::string name;
  std::string value;
};
using Headers = std::vector<Header>;

enum class Method
{
  Get,
  Post,
  Put,
  Delete,
  Head,
};

const char* methodName(Method method);

struct HttpRequest
{
  Method method{Method::Get};
  // Absolute http:// or https:// URL; other schemes are refused (ErrorKind::BadRequest).
  std::string url;
  // Sent as given. "Content-Type" should be set for a body; "Expect: 100-continue" is
  // suppressed. A "User-Agent" here overrides HttpClientOptions::userAgent.
  Headers headers;
  std::string body;
  // Total time for the request including redirects, in seconds; <= 0 uses the client's.
  double timeout{0.0};
};

enum class ErrorKind
{
  None,       // a complete HTTP response arrived (any status)
  BadRequest, // the HttpRequest itself is unusable (bad URL or scheme)
  Timeout,    // total timeout elapsed
  Connect,    // DNS or TCP connection failed
  Tls,        // TLS handshake or certificate verification failed
  TooLarge,   // response body exceeded HttpClientOptions::maxResponseBytes
  Redirect,   // redirect to another origin, or too many redirects
  Protocol,   // malformed response, connection dropped mid-response, …
  Internal,   // libcurl refused the request (out of memory, bad option)
};

const char* errorKindName(ErrorKind kind);

struct HttpResponse
{
  // HTTP status of the final response; 0 when no response arrived (see errorKind).
  long status{0};
  // Headers of the final response; names are lower-cased, order kept.
  Headers headers;
  std::string body;
  ErrorKind errorKind{ErrorKind::None};
  // Human-readable reason when errorKind != None (libcurl's error text plus context).
  std::string error;
  // The URL that produced the final response (after same-origin redirects).
  std::string effectiveUrl;

  bool ok() const { return errorKind == ErrorKind::None; }
  // First header with that name (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
};

struct HttpClientOptions
{
  // CURLMOPT_MAX_HOST_CONNECTIONS: concurrent connections per host; further requests
  // queue inside libcurl until a connection is free. 0 = unlimited.
  long maxConnectionsPerHost{8};
  // Default total timeout per request in seconds.
  double timeout{10.0};
  // A response body larger than this fails the request with ErrorKind::TooLarge.
  size_t maxResponseBytes{1024 * 1024};
  int maxRedirects{10};
  // Certificate and host name verification. Only development setups turn this off.
  bool verifyTls{true};
  // PEM bundle to verify servers with; "" = the system trust store.
  std::string caFile;
  std::string userAgent{"talk-hpb"};
};

class HttpClient
{
public:
  using Callback = std::function<void(HttpResponse&&)>;
  using RequestId = uint64_t;

  // Throws talk::Error when libcurl cannot be initialised.
  HttpClient(ev::EventLoop& loop, HttpClientOptions options);
  // Outstanding requests are aborted without calling their callbacks.
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Starts a request; callback runs exactly once (unless cancel() is called first).
  RequestId request(HttpRequest request, Callback callback);
  // Aborts a request without calling its callback. Unknown ids are ignored.
  void cancel(RequestId id);
  // Requests started and not yet completed.
  size_t pending() const;

  const HttpClientOptions& options() const { return d_options; }

  // libcurl connection counters, for tests and metrics: connections opened so far.
  uint64_t connectionsOpened() const;

private:
  class Impl;
  const HttpClientOptions d_options;
  std::unique_ptr<Impl> d_impl;
};

// Canonical form used for origin comparisons: lower-case scheme and host, default port
// (80/443) made explicit. Returns "" for a URL libcurl cannot parse.
std::string originOf(std::string_view url);

}
