#define TLOG_COMPONENT "backend"
#include "signaling/backend/Capabilities.hpp"

#include "common/log/Logger.hpp"
#include "signaling/backend/Ocs.hpp"

#include <algorithm>
#include <charconv>
#include <climits>
#include <strings.h>

namespace talk::signaling::backend {

namespace {

constexpr size_t MaxEntries = 1024;

struct CacheControl
{
  int64_t maxAgeMs{-1};
  bool mustRevalidate{false};
};

CacheControl parseCacheControl(const std::string* header)
{
  CacheControl out;
  if (header == nullptr) {
    return out;
  }
  std::string_view rest(*header);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') {
      item.remove_prefix(1);
    }
    while (!item.empty() && item.back() == ' ') {
      item.remove_suffix(1);
    }
    if (item.size() > 8 && strncasecmp(item.data(), "max-age=", 8) == 0) {
      int64_t seconds = 0;
      auto [end, ec] = std::from_chars(item.data() + 8, item.data() + item.size(), seconds);
      if (ec == std::errc() && end == item.data() + item.size() && seconds >= 0 && seconds < INT64_MAX / 1000) {
        out.maxAgeMs = seconds * 1000;
      }
    }
    else if ((item.size() == 8 && strncasecmp(item.data(), "no-cache", 8) == 0) ||
             (item.size() == 8 && strncasecmp(item.data(), "no-store", 8) == 0) ||
             (item.size() == 15 && strncasecmp(item.data(), "must-revalidate", 15) == 0)) {
      out.mustRevalidate = true;
    }
  }
  return out;
}

}

struct CapabilitiesCache::Entry
{
  std::shared_ptr<const Capabilities> data;
  std::string etag;
  int64_t expiresMs{0};
  bool mustRevalidate{false};
  int64_t lastInvalidatedMs{INT64_MIN / 2};
  http::HttpClient::RequestId request{0}; // 0 = no fetch running
  std::vector<Callback> waiters;
};

bool Capabilities::hasFeature(std::string_view feature) const
{
  return std::find(features.begin(), features.end(), feature) != features.end();
}

Capabilities Capabilities::fromOcsData(const nlohmann::json& data)
{
  Capabilities out;
  if (!data.is_object()) {
    return out;
  }
  auto caps = data.find("capabilities");
  if (caps == data.end() || !caps->is_object()) {
    return out;
  }
  auto spreed = caps->find("spreed");
  if (spreed == caps->end() || !spreed->is_object()) {
    return out;
  }
  if (auto features = spreed->find("features"); features != spreed->end() && features->is_array()) {
    for (const nlohmann::json& feature : *features) {
      if (feature.is_string()) {
        out.features.push_back(feature.get<std::string>());
      }
    }
  }
  auto config = spreed->find("config");
  if (config == spreed->end() || !config->is_object()) {
    return out;
  }
  auto signaling = config->find("signaling");
  if (signaling == config->end() || !signaling->is_object()) {
    return out;
  }
  out.signalingConfig = *signaling;
  if (auto key = signaling->find("hello-v2-token-key"); key != signaling->end() && key->is_string()) {
    out.helloV2TokenKey = key->get<std::string>();
    if (std::optional<PublicKey> parsed = PublicKey::parse(out.helloV2TokenKey)) {
      out.helloV2Key = std::make_shared<const PublicKey>(std::move(*parsed));
    }
  }
  if (auto limit = signaling->find("session-ping-limit"); limit != signaling->end() && limit->is_number_integer()) {
    out.sessionPingLimit = std::max<int64_t>(0, limit->get<int64_t>());
  }
  return out;
}

CapabilitiesCache::CapabilitiesCache(http::HttpClient& client, const Clock& clock, Options options) :
  d_client(client), d_clock(clock), d_options(options)
{
}

CapabilitiesCache::~CapabilitiesCache()
{
  for (auto& [url, entry] : d_entries) {
    if (entry->request != 0) {
      d_client.cancel(entry->request);
    }
  }
}

std::string CapabilitiesCache::capabilitiesUrl(std::string_view baseUrl)
{
  std::string url(baseUrl);
  if (url.empty() || url.back() != '/') {
    url.push_back('/');
  }
  return url + "ocs/v2.php/cloud/capabilities";
}

void CapabilitiesCache::get(const std::string& baseUrl, Callback callback)
{
  auto it = d_entries.find(baseUrl);
  int64_t now = d_clock.monotonicMs();
  if (it == d_entries.end()) {
    if (d_entries.size() >= MaxEntries) {
      // With backend.allow_all any URL may come by: forget expired, idle entries first.
      std::erase_if(d_entries, [now](const auto& item) { return item.second->request == 0 && item.second->expiresMs <= now; });
    }
    it = d_entries.emplace(baseUrl, std::make_unique<Entry>()).first;
  }
  Entry& entry = *it->second;
  if (entry.data && now < entry.expiresMs) {
    callback(entry.data, true);
    return;
  }
  entry.waiters.push_back(std::move(callback));
  if (entry.request == 0) {
    fetch(baseUrl, entry);
  }
}

void CapabilitiesCache::fetch(const std::string& baseUrl, Entry& entry)
{
  http::HttpRequest request;
  request.method = http::Method::Get;
  request.url = capabilitiesUrl(baseUrl);
  request.headers = {{"Accept", "application/json"}, {"OCS-APIRequest", "true"}};
  if (entry.data && !entry.etag.empty()) {
    request.headers.push_back({"If-None-Match", entry.etag});
  }
  entry.request = d_client.request(std::move(request), [this, baseUrl](http::HttpResponse&& response) {
    onResponse(baseUrl, std::move(response));
  });
}

void CapabilitiesCache::onResponse(const std::string& baseUrl, http::HttpResponse&& response)
{
  auto it = d_entries.find(baseUrl);
  if (it == d_entries.end()) {
    return;
  }
  Entry& entry = *it->second;
  entry.request = 0;
  std::vector<Callback> waiters;
  waiters.swap(entry.waiters);
  int64_t now = d_clock.monotonicMs();

  auto remember = [&]() {
    CacheControl control = parseCacheControl(response.header("cache-control"));
    entry.expiresMs = now + std::max(d_options.minTtlMs, control.maxAgeMs);
    entry.mustRevalidate = control.mustRevalidate;
  };

  std::optional<ClientError> error;
  if (!response.ok()) {
    error = makeError(codes::InternalError, std::string("capabilities of ") + baseUrl + ": " +
                                                http::errorKindName(response.errorKind) + ": " + response.error);
  }
  else if (response.status == 304 && entry.data) {
    remember();
  }
  else if (response.status == 200) {
    const std::string* contentType = response.header("content-type");
    Result<nlohmann::json> data = parseOcsResponse(response.status, contentType ? *contentType : "", response.body);
    if (!data) {
      error = data.error();
      error->message = "capabilities of " + baseUrl + ": " + error->message;
    }
    else {
      entry.data = std::make_shared<const Capabilities>(Capabilities::fromOcsData(data.value()));
      const std::string* etag = response.header("etag");
      entry.etag = etag != nullptr ? *etag : "";
      remember();
    }
  }
  else {
    error = makeError(codes::InternalError,
                      "capabilities of " + baseUrl + ": HTTP " + std::to_string(response.status));
  }

  if (error) {
    TLOG_WARN("capabilities url=%s error=\"%s\"", baseUrl.c_str(), error->message.c_str());
  }
  // Stale data beats no data unless Nextcloud asked for revalidation.
  bool serveStale = error && entry.data && !entry.mustRevalidate;
  std::shared_ptr<const Capabilities> data = entry.data;
  for (Callback& waiter : waiters) {
    if (!error) {
      waiter(data, false);
    }
    else if (serveStale) {
      waiter(data, true);
    }
    else {
      waiter(*error, false);
    }
  }
}

bool CapabilitiesCache::invalidate(const std::string& baseUrl)
{
  auto it = d_entries.find(baseUrl);
  if (it == d_entries.end()) {
    return false;
  }
  Entry& entry = *it->second;
  int64_t now = d_clock.monotonicMs();
  if (now - entry.lastInvalidatedMs < d_options.invalidateIntervalMs) {
    return false;
  }
  entry.lastInvalidatedMs = now;
  entry.data.reset();
  entry.etag.clear();
  entry.expiresMs = 0;
  return true;
}

}
