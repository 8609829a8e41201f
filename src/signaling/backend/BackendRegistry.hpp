#pragma once
// The configured Nextcloud backends (signaling-protocol.md §3.2, §5.4, §13.1), read from
// the `backend` group and the `backends` list of groups:
//
//   backend = { allow_all = false; secret_file = ""; allow_http = false; timeout = 10;
//               connections_per_host = 8; skip_verify = false; };
//   backends = ( { id = "cloud"; urls = [ "https://cloud.example.com/" ];
//                  secret_file = "cloud-secret"; session_limit = 0;
//                  max_stream_bitrate = 0; max_screen_bitrate = 0; } );
//
// Upstream's server.conf names the same things [backend] backends/allowall/secret/
// allowhttp/timeout/connectionsperhost/skipverify and [<id>] url(s)/secret/sessionlimit/
// maxstreambitrate/maxscreenbitrate.
//
// A BackendRegistry is an immutable snapshot. On SIGHUP the daemon builds a new one with
// fromSettings() and swaps the shared_ptr; sessions keep the shared_ptr<const Backend> they
// were authenticated with, so a reload never invalidates a live session's backend.
#include "common/config/Schema.hpp"
#include "common/config/Settings.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace talk::signaling::backend {

struct Backend
{
  // The configured id ("compat" for the allow_all backend). Part of room identity (§5.4)
  // and of NATS subjects (Appendix A).
  std::string id;
  // Normalised base URLs (see normalizeBackendUrl), each ending in '/'. Empty for compat.
  std::vector<std::string> urls;
  std::string secret;
  // Maximum client/federation sessions; 0 = no limit.
  int64_t sessionLimit{0};
  // Bits per second; 0 = no limit.
  int64_t maxStreamBitrate{0};
  int64_t maxScreenBitrate{0};
  // True for the allow_all backend that accepts any Nextcloud.
  bool compat{false};
};

// A client-supplied Nextcloud URL in canonical form (§3.2): '/' appended if missing, cut
// after the base when it contains "ocs/v2.php/apps/spreed/", scheme and host lower-cased,
// default port (:80 for http, :443 for https) dropped. nullopt when not an absolute
// http(s) URL with a host, or when it has user info, a query or a fragment.
struct NormalizedUrl
{
  std::string url;    // "https://cloud.example.com/nextcloud/"
  std::string scheme; // "https"
  std::string host;   // "cloud.example.com" or "cloud.example.com:8443" or "[::1]:8080"
};
std::optional<NormalizedUrl> normalizeBackendUrl(std::string_view url);

struct BackendOptions
{
  bool allowAll{false};
  std::string allowAllSecret; // the compat backend's secret (required with allowAll)
  bool allowHttp{false};
  double timeout{10.0};       // seconds, outgoing requests (§17)
  long connectionsPerHost{8}; // §17
  bool skipVerify{false};     // TLS verification off (development only)
};

class BackendRegistry
{
public:
  // Adds the `backend.*` keys and the `backends` list of groups to a daemon's schema.
  static void describeSettings(config::Schema& schema);
  // Reads them (and the secret files). Throws talk::ConfigError naming file:line: key for
  // duplicate ids, a URL that is not absolute http(s), http without backend.allow_http,
  // the same URL in two backends, a missing secret, allow_all without secret. Several
  // backends may share a host when their URL paths differ.
  static std::shared_ptr<const BackendRegistry> fromSettings(const config::Settings& settings);

  // For tests and fromSettings: backends with urls already given (normalised here; throws
  // talk::ConfigError on bad URLs like fromSettings).
  BackendRegistry(std::vector<Backend> backends, BackendOptions options);

  // Backend for the URL a client sent in hello (type client/federation, §3.2): configured
  // host + URL prefix match, else compat if allow_all. http URLs only with allow_http.
  // nullptr = invalid_backend.
  std::shared_ptr<const Backend> forClientUrl(std::string_view url) const;
  // Backend named by an incoming request's Spreed-Signaling-Backend header (§13.1 step 5).
  // Same rules as forClientUrl.
  std::shared_ptr<const Backend> forBackendHeader(std::string_view url) const { return forClientUrl(url); }
  std::shared_ptr<const Backend> byId(std::string_view id) const;
  // The allow_all backend, or nullptr.
  std::shared_ptr<const Backend> compat() const { return d_compat; }
  // Configured backends (without compat), in file order.
  const std::vector<std::shared_ptr<const Backend>>& backends() const { return d_backends; }

  const BackendOptions& options() const { return d_options; }

private:
  struct UrlEntry
  {
    std::string host; // NormalizedUrl::host
    std::string url;  // NormalizedUrl::url
    std::shared_ptr<const Backend> backend;
  };

  // State (immutable after construction)
  BackendOptions d_options;
  std::vector<std::shared_ptr<const Backend>> d_backends;
  std::vector<UrlEntry> d_urls; // sorted by host, longest URL first within a host
  std::shared_ptr<const Backend> d_compat;
};

}
