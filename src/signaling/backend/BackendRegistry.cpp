#include "signaling/backend/BackendRegistry.hpp"

#include "common/util/CHandle.hpp"
#include "common/util/Error.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace talk::signaling::backend {

namespace {

using UrlHandle = CHandle<CURLU, curl_url_cleanup>;

std::string urlPart(CURLU* url, CURLUPart part, unsigned flags = 0)
{
  char* text = nullptr;
  if (curl_url_get(url, part, &text, flags) != CURLUE_OK || text == nullptr) {
    return {};
  }
  std::string out(text);
  curl_free(text);
  return out;
}

bool hasPart(CURLU* url, CURLUPart part)
{
  char* text = nullptr;
  CURLUcode rc = curl_url_get(url, part, &text, 0);
  if (text != nullptr) {
    curl_free(text);
  }
  return rc == CURLUE_OK;
}

std::string lower(std::string text)
{
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

constexpr std::string_view OcsMarker = "ocs/v2.php/apps/spreed/";

}

std::optional<NormalizedUrl> normalizeBackendUrl(std::string_view input)
{
  if (input.empty() || input.size() > 2048) {
    return std::nullopt;
  }
  std::string text(input);
  if (text.back() != '/') {
    text.push_back('/');
  }
  if (size_t pos = text.find(OcsMarker); pos != std::string::npos) {
    text.resize(pos);
  }
  // libcurl reads "https:///x" as host "x"; a URL parser à la Go sees an empty host.
  if (size_t scheme = text.find("://"); scheme == std::string::npos || text.compare(scheme + 3, 1, "/") == 0) {
    return std::nullopt;
  }
  UrlHandle url(curl_url());
  if (!url || curl_url_set(url.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return std::nullopt;
  }
  NormalizedUrl out;
  out.scheme = lower(urlPart(url.get(), CURLUPART_SCHEME));
  if (out.scheme != "http" && out.scheme != "https") {
    return std::nullopt;
  }
  if (hasPart(url.get(), CURLUPART_USER) || hasPart(url.get(), CURLUPART_PASSWORD) ||
      hasPart(url.get(), CURLUPART_QUERY) || hasPart(url.get(), CURLUPART_FRAGMENT)) {
    return std::nullopt;
  }
  std::string host = lower(urlPart(url.get(), CURLUPART_HOST));
  if (host.empty()) {
    return std::nullopt;
  }
  std::string port = urlPart(url.get(), CURLUPART_PORT, CURLU_NO_DEFAULT_PORT);
  out.host = port.empty() ? host : host + ":" + port;
  std::string path = urlPart(url.get(), CURLUPART_PATH);
  if (path.empty() || path.front() != '/') {
    path.insert(path.begin(), '/');
  }
  if (path.back() != '/') {
    path.push_back('/');
  }
  out.url = out.scheme + "://" + out.host + path;
  return out;
}

void BackendRegistry::describeSettings(config::Schema& schema)
{
  schema.boolean("backend.allow_all", false,
                 "Accept clients of any Nextcloud (one shared \"compat\" backend with\n"
                 "backend.secret_file). Insecure: for development only.");
  schema.secret("backend.secret_file", "",
                "Secret file of the compat backend used with backend.allow_all.");
  schema.boolean("backend.allow_http", false,
                 "Allow Nextcloud URLs with http:// (backends and client hellos).\n"
                 "Only for development or a Nextcloud on the same host.");
  schema.integer("backend.timeout", 10, 1, 300, "Timeout of requests to Nextcloud, in seconds.");
  schema.integer("backend.connections_per_host", 8, 1, 1024,
                 "Concurrent connections to one Nextcloud host.");
  schema.boolean("backend.skip_verify", false,
                 "Do not verify Nextcloud's TLS certificates. For development only.");

  config::Schema entry;
  entry.string("id", "", "Name of the backend (used in logs, metrics and the cluster).");
  entry.stringList("urls", {},
                   "Base URLs of this Nextcloud, e.g. [ \"https://cloud.example.com/\" ].\n"
                   "All of them share the same rooms.");
  entry.secret("secret_file", "",
               "Secret file holding the shared secret (Talk: \"Shared secret\" of the\n"
               "High-performance backend settings).");
  entry.integer("session_limit", 0, 0, INT32_MAX, "Maximum client sessions of this backend; 0 = no limit.");
  entry.integer("max_stream_bitrate", 0, 0, INT32_MAX, "Maximum bitrate of camera/microphone streams in bit/s; 0 = no limit.");
  entry.integer("max_screen_bitrate", 0, 0, INT32_MAX, "Maximum bitrate of screen shares in bit/s; 0 = no limit.");
  schema.groupList("backends", std::move(entry),
                   "The Nextcloud servers that may use this signaling server:\n"
                   "( { id = \"cloud\"; urls = [ \"https://cloud.example.com/\" ]; secret_file = \"cloud-secret\"; } )");
}

std::shared_ptr<const BackendRegistry> BackendRegistry::fromSettings(const config::Settings& settings)
{
  BackendOptions options;
  options.allowAll = settings.getBool("backend.allow_all");
  options.allowHttp = settings.getBool("backend.allow_http");
  options.timeout = static_cast<double>(settings.getInt("backend.timeout"));
  options.connectionsPerHost = static_cast<long>(settings.getInt("backend.connections_per_host"));
  options.skipVerify = settings.getBool("backend.skip_verify");
  if (options.allowAll) {
    if (settings.getString("backend.secret_file").empty()) {
      throw ConfigError(settings.where("backend.allow_all") +
                        ": backend.allow_all: expected backend.secret_file to name the compat backend's secret");
    }
    options.allowAllSecret = settings.readSecret("backend.secret_file");
  }

  std::vector<Backend> backends;
  std::set<std::string> ids;
  for (const config::Settings& entry : settings.getGroupList("backends")) {
    Backend backend;
    backend.id = entry.getString("id");
    if (backend.id.empty()) {
      throw ConfigError(entry.where("id") + ": backends.id: expected a non-empty name");
    }
    if (backend.id == "compat" || !ids.insert(backend.id).second) {
      throw ConfigError(entry.where("id") + ": backends.id: \"" + backend.id + "\" is used twice or reserved, expected a unique name");
    }
    backend.urls = entry.getStringList("urls");
    if (backend.urls.empty()) {
      throw ConfigError(entry.where("urls") + ": backends.urls: expected at least one URL");
    }
    for (const std::string& url : backend.urls) {
      std::optional<NormalizedUrl> normal = normalizeBackendUrl(url);
      if (!normal) {
        throw ConfigError(entry.where("urls") + ": backends.urls: \"" + url + "\" is not an absolute http(s) URL");
      }
      if (normal->scheme == "http" && !options.allowHttp) {
        throw ConfigError(entry.where("urls") + ": backends.urls: \"" + url +
                          "\" uses http://, expected https:// (or backend.allow_http = true)");
      }
    }
    backend.secret = entry.readSecret("secret_file");
    backend.sessionLimit = entry.getInt("session_limit");
    backend.maxStreamBitrate = entry.getInt("max_stream_bitrate");
    backend.maxScreenBitrate = entry.getInt("max_screen_bitrate");
    backends.push_back(std::move(backend));
  }
  return std::make_shared<const BackendRegistry>(std::move(backends), std::move(options));
}

BackendRegistry::BackendRegistry(std::vector<Backend> backends, BackendOptions options) : d_options(std::move(options))
{
  std::set<std::string> seenUrls;
  for (Backend& backend : backends) {
    std::vector<NormalizedUrl> normals;
    for (std::string& url : backend.urls) {
      std::optional<NormalizedUrl> normal = normalizeBackendUrl(url);
      if (!normal) {
        throw ConfigError("backend " + backend.id + ": \"" + url + "\" is not an absolute http(s) URL");
      }
      if (!seenUrls.insert(normal->url).second) {
        throw ConfigError("backend " + backend.id + ": URL " + normal->url + " belongs to two backends, expected each URL once");
      }
      url = normal->url;
      normals.push_back(std::move(*normal));
    }
    auto shared = std::make_shared<const Backend>(std::move(backend));
    for (NormalizedUrl& normal : normals) {
      d_urls.push_back(UrlEntry{std::move(normal.host), std::move(normal.url), shared});
    }
    d_backends.push_back(std::move(shared));
  }
  std::sort(d_urls.begin(), d_urls.end(), [](const UrlEntry& a, const UrlEntry& b) {
    if (a.host != b.host) {
      return a.host < b.host;
    }
    return a.url.size() > b.url.size();
  });
  if (d_options.allowAll) {
    Backend compat;
    compat.id = "compat";
    compat.secret = d_options.allowAllSecret;
    compat.compat = true;
    d_compat = std::make_shared<const Backend>(std::move(compat));
  }
}

std::shared_ptr<const Backend> BackendRegistry::forClientUrl(std::string_view url) const
{
  std::optional<NormalizedUrl> normal = normalizeBackendUrl(url);
  if (!normal) {
    return nullptr;
  }
  if (normal->scheme == "http" && !d_options.allowHttp) {
    return nullptr;
  }
  auto it = std::lower_bound(d_urls.begin(), d_urls.end(), normal->host,
                             [](const UrlEntry& entry, const std::string& host) { return entry.host < host; });
  if (it == d_urls.end() || it->host != normal->host) {
    return d_compat;
  }
  for (; it != d_urls.end() && it->host == normal->host; ++it) {
    if (normal->url.compare(0, it->url.size(), it->url) == 0) {
      return it->backend;
    }
  }
  return nullptr;
}

std::shared_ptr<const Backend> BackendRegistry::byId(std::string_view id) const
{
  for (const auto& backend : d_backends) {
    if (backend->id == id) {
      return backend;
    }
  }
  if (d_compat && id == d_compat->id) {
    return d_compat;
  }
  return nullptr;
}

}
