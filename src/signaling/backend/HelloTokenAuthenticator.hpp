#pragma once
// Hello 2.0 (type client) and federation hellos (signaling-protocol.md §3.2): the token is
// checked against the key from the Nextcloud's capabilities. If the key is missing and the
// capabilities came from the cache, they are invalidated and fetched once more. Federation
// additionally needs the capability feature `federation-v2` (else federation_unsupported).
#include "common/util/Clock.hpp"
#include "signaling/backend/Capabilities.hpp"
#include "signaling/backend/Jwt.hpp"
#include "signaling/backend/Result.hpp"

#include <functional>
#include <memory>
#include <string>

namespace talk::signaling::backend {

class HelloTokenAuthenticator
{
public:
  enum class Kind
  {
    Client,
    Federation,
  };
  using Callback = std::function<void(Result<TokenClaims>)>;

  HelloTokenAuthenticator(CapabilitiesCache& capabilities, const Clock& clock);
  ~HelloTokenAuthenticator();
  HelloTokenAuthenticator(const HelloTokenAuthenticator&) = delete;
  HelloTokenAuthenticator& operator=(const HelloTokenAuthenticator&) = delete;

  // baseUrl: the normalised Nextcloud URL of the hello. Callback runs on the loop; it may
  // run before verify() returns when the capabilities are cached. Dropped if this object
  // is destroyed first.
  void verify(std::string baseUrl, std::string token, Kind kind, Callback done);

private:
  void attempt(std::string baseUrl, std::string token, Kind kind, bool retried, Callback done);

  // Passed by argument (not owned)
  CapabilitiesCache& d_capabilities;
  const Clock& d_clock;
  // State
  std::shared_ptr<bool> d_alive;
};

}
