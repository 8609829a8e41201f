#pragma once
// Nextcloud capabilities (signaling-protocol.md §12.6), fetched with a conditional GET and
// cached per Nextcloud base URL: at least 60 s, longer if Cache-Control max-age says so.
// After that time the data is revalidated (If-None-Match; a 304 keeps it). When a
// revalidation fails the old data is still served, unless Cache-Control said no-cache or
// must-revalidate. Failures are not cached. Concurrent gets for one URL share one request.
#include "common/http/HttpClient.hpp"
#include "common/util/Clock.hpp"
#include "signaling/backend/Jwt.hpp"
#include "signaling/backend/Result.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace talk::signaling::backend {

inline constexpr const char* FeatureSignalingV3 = "signaling-v3";
inline constexpr const char* FeatureFederationV2 = "federation-v2";

struct Capabilities
{
  std::vector<std::string> features;  // capabilities.spreed.features
  nlohmann::json signalingConfig;     // capabilities.spreed.config.signaling (object or null)
  std::string helloV2TokenKey;        // config.signaling.hello-v2-token-key, "" if absent
  std::shared_ptr<const PublicKey> helloV2Key; // parsed once; nullptr if absent/unusable
  int64_t sessionPingLimit{0};        // config.signaling.session-ping-limit, 0 = none

  bool hasFeature(std::string_view feature) const;
  // From the OCS `data` object of the capabilities response. Missing spreed section =
  // empty capabilities (a Nextcloud without Talk), not an error.
  static Capabilities fromOcsData(const nlohmann::json& data);
};

class CapabilitiesCache
{
public:
  struct Options
  {
    int64_t minTtlMs{60000};
    // invalidate() drops an entry at most this often per URL.
    int64_t invalidateIntervalMs{60000};
  };
  // fromCache = the data was served without contacting Nextcloud in this call.
  using Callback = std::function<void(Result<std::shared_ptr<const Capabilities>> result, bool fromCache)>;

  CapabilitiesCache(http::HttpClient& client, const Clock& clock, Options options);
  CapabilitiesCache(http::HttpClient& client, const Clock& clock) : CapabilitiesCache(client, clock, Options{}) {}
  ~CapabilitiesCache();
  CapabilitiesCache(const CapabilitiesCache&) = delete;
  CapabilitiesCache& operator=(const CapabilitiesCache&) = delete;

  // baseUrl: normalised Nextcloud base URL ending in '/'. The callback runs on the loop,
  // possibly before get() returns when the cache is fresh.
  void get(const std::string& baseUrl, Callback callback);
  // Forgets the cached data of baseUrl (e.g. the token key was missing), unless that was
  // done less than invalidateIntervalMs ago. Returns whether it was dropped.
  bool invalidate(const std::string& baseUrl);

  // The URL fetched for a base URL: <base>ocs/v2.php/cloud/capabilities.
  static std::string capabilitiesUrl(std::string_view baseUrl);

private:
  struct Entry;
  void fetch(const std::string& baseUrl, Entry& entry);
  void onResponse(const std::string& baseUrl, http::HttpResponse&& response);

  // Passed by argument (not owned)
  http::HttpClient& d_client;
  const Clock& d_clock;
  // State
  Options d_options;
  std::map<std::string, std::unique_ptr<Entry>, std::less<>> d_entries;
};

}
