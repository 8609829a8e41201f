#pragma once
// TURN REST API credentials (spec §4.3) as produced by Nextcloud and the HPB:
// username "<expiry>:<id>", "<expiry>" or (coturn compatibility) "<id>:<expiry>",
// password = base64(HMAC-SHA1(secret, username)). Several secrets may be configured so a
// secret can be rotated without breaking credentials already handed out.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace talk::turn::auth {

struct RestUsername
{
  int64_t expiry = 0;       // unix seconds
  std::string_view userId;  // the "real user" (empty when the username is only a number)
};

// Splits a REST username at `separator`. nullopt if no part is a plain decimal number (at most
// 18 digits, so it cannot overflow).
std::optional<RestUsername> parseRestUsername(std::string_view username, char separator = ':') noexcept;

// base64(HMAC-SHA1(secret, username)) — 28 characters.
std::string restPassword(std::string_view secret, std::string_view username);

class RestCredentials
{
public:
  struct Settings
  {
    // Shared secrets, tried in order; empty disables REST credentials.
    std::vector<std::string> secrets;
    char separator = ':';
    // Reject expiries more than this many seconds in the future (0 = no limit, like coturn).
    int64_t maxTtlSeconds = 0;
  };

  enum class Check
  {
    Valid,
    NotRest,        // no decimal timestamp in the username
    Expired,        // expiry < now
    TooFarInFuture, // expiry > now + maxTtlSeconds
  };

  RestCredentials() = default;
  // Throws ConfigError for an empty secret or a NUL separator.
  explicit RestCredentials(Settings settings);

  bool enabled() const noexcept { return !d_settings.secrets.empty(); }
  const Settings& settings() const noexcept { return d_settings; }

  // Checks the timestamp part of `username` against `now` (unix seconds). On Valid, `parsed`
  // (if given) receives the split username.
  Check check(std::string_view username, int64_t now, RestUsername* parsed = nullptr) const noexcept;

private:
  Settings d_settings;
};

const char* restCheckName(RestCredentials::Check check) noexcept;

}
