#include "signaling/backend/HelloTokenAuthenticator.hpp"

namespace talk::signaling::backend {

HelloTokenAuthenticator::HelloTokenAuthenticator(CapabilitiesCache& capabilities, const Clock& clock) :
  d_capabilities(capabilities), d_clock(clock), d_alive(std::make_shared<bool>(true))
{
}

HelloTokenAuthenticator::~HelloTokenAuthenticator()
{
  *d_alive = false;
}

void HelloTokenAuthenticator::verify(std::string baseUrl, std::string token, Kind kind, Callback done)
{
  attempt(std::move(baseUrl), std::move(token), kind, false, std::move(done));
}

void HelloTokenAuthenticator::attempt(std::string baseUrl, std::string token, Kind kind, bool retried, Callback done)
{
  std::weak_ptr<bool> alive = d_alive;
  std::string url = baseUrl;
  d_capabilities.get(url, [this, alive, baseUrl = std::move(baseUrl), token = std::move(token), kind, retried,
                           done = std::move(done)](Result<std::shared_ptr<const Capabilities>> caps,
                                                   bool fromCache) mutable {
    auto flag = alive.lock();
    if (!flag || !*flag) {
      return;
    }
    if (!caps) {
      done(makeError(codes::InvalidToken, "Could not get the capabilities of the Nextcloud: " + caps.error().message));
      return;
    }
    const Capabilities& capabilities = *caps.value();
    bool missing = !capabilities.helloV2Key ||
                   (kind == Kind::Federation && !capabilities.hasFeature(FeatureFederationV2));
    if (missing && fromCache && !retried && d_capabilities.invalidate(baseUrl)) {
      // The key (or the federation feature) may be new since we cached: fetch once more.
      attempt(std::move(baseUrl), std::move(token), kind, true, std::move(done));
      return;
    }
    if (kind == Kind::Federation && !capabilities.hasFeature(FeatureFederationV2)) {
      done(makeError(codes::FederationUnsupported, "The remote Nextcloud does not support federation."));
      return;
    }
    if (!capabilities.helloV2Key) {
      done(makeError(codes::InvalidToken, capabilities.helloV2TokenKey.empty()
                                              ? "The Nextcloud publishes no hello-v2-token-key."
                                              : "The Nextcloud's hello-v2-token-key is not a usable public key."));
      return;
    }
    done(verifyHelloToken(token, *capabilities.helloV2Key, d_clock.unixSeconds()));
  });
}

}
