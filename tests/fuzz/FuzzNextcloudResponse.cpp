// libFuzzer target: what Nextcloud sends back (signaling-protocol.md §12.2, §12.6) and the
// URLs clients send in hello (§3.2): the OCS envelope parser, the capabilities reader and
// URL normalisation must never throw or crash on any input, and a normalised URL must be a
// fixed point of normalisation.
#include "signaling/backend/BackendRegistry.hpp"
#include "signaling/backend/Capabilities.hpp"
#include "signaling/backend/Ocs.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace talk::signaling::backend;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Result<nlohmann::json> ocs = parseOcsResponse(200, "application/json; charset=utf-8", input);
  if (ocs.ok()) {
    Capabilities caps = Capabilities::fromOcsData(ocs.value());
    (void)caps.hasFeature(FeatureSignalingV3);
  }
  if (auto url = normalizeBackendUrl(input)) {
    auto again = normalizeBackendUrl(url->url);
    if (!again || again->url != url->url || again->host != url->host) {
      std::abort();
    }
  }
  return 0;
}
