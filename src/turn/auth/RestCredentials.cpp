#include "turn/auth/RestCredentials.hpp"

#include "common/crypto/Crypto.hpp"
#include "common/util/Error.hpp"

namespace talk::turn::auth {

namespace {

// At most 18 digits: the value always fits an int64_t, and no real expiry is longer.
std::optional<int64_t> parseDecimal(std::string_view text) noexcept
{
  if (text.empty() || text.size() > 18) {
    return std::nullopt;
  }
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + (c - '0');
  }
  return value;
}

}

std::optional<RestUsername> parseRestUsername(std::string_view username, char separator) noexcept
{
  const size_t first = username.find(separator);
  if (first == std::string_view::npos) {
    if (auto expiry = parseDecimal(username)) {
      return RestUsername{*expiry, {}};
    }
    return std::nullopt;
  }
  // "<expiry>:<id>" (Nextcloud, HPB, uclient -W): the id may itself contain the separator.
  if (auto expiry = parseDecimal(username.substr(0, first))) {
    return RestUsername{*expiry, username.substr(first + 1)};
  }
  // "<id>:<expiry>" (accepted by coturn): the number is after the last separator.
  const size_t last = username.rfind(separator);
  if (auto expiry = parseDecimal(username.substr(last + 1))) {
    return RestUsername{*expiry, username.substr(0, last)};
  }
  return std::nullopt;
}

std::string restPassword(std::string_view secret, std::string_view username)
{
  return crypto::base64Encode(crypto::hmacSha1(crypto::bytes(secret), crypto::bytes(username)));
}

RestCredentials::RestCredentials(Settings settings) :
  d_settings(std::move(settings))
{
  for (size_t i = 0; i < d_settings.secrets.size(); ++i) {
    if (d_settings.secrets[i].empty()) {
      throw ConfigError("TURN REST secret #" + std::to_string(i + 1) + " is empty");
    }
  }
  if (d_settings.separator == '\0') {
    throw ConfigError("TURN REST username separator must not be NUL");
  }
  if (d_settings.maxTtlSeconds < 0) {
    throw ConfigError("TURN REST maximum TTL must not be negative");
  }
}

RestCredentials::Check RestCredentials::check(std::string_view username, int64_t now, RestUsername* parsed) const noexcept
{
  auto rest = parseRestUsername(username, d_settings.separator);
  if (!rest) {
    return Check::NotRest;
  }
  if (rest->expiry < now) {
    return Check::Expired;
  }
  if (d_settings.maxTtlSeconds > 0 && rest->expiry - now > d_settings.maxTtlSeconds) {
    return Check::TooFarInFuture;
  }
  if (parsed != nullptr) {
    *parsed = *rest;
  }
  return Check::Valid;
}

const char* restCheckName(RestCredentials::Check check) noexcept
{
  switch (check) {
  case RestCredentials::Check::Valid:
    return "valid";
  case RestCredentials::Check::NotRest:
    return "not-rest";
  case RestCredentials::Check::Expired:
    return "expired";
  case RestCredentials::Check::TooFarInFuture:
    return "ttl-too-long";
  }
  return "?";
}

}
