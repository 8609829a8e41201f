#include "turn/auth/StaticUsers.hpp"

#include "common/util/Error.hpp"

namespace talk::turn::auth {

namespace {

int hexValue(char c) noexcept
{
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}

void StaticUsers::add(std::string_view entry)
{
  const size_t colon = entry.find(':');
  if (colon == std::string_view::npos) {
    throw ConfigError("static TURN user entry has no ':' (expected user:password or user:0x<32 hex digits>)");
  }
  const std::string_view user = entry.substr(0, colon);
  const std::string_view value = entry.substr(colon + 1);
  if (user.empty()) {
    throw ConfigError("static TURN user entry has an empty user name");
  }
  if (value.size() >= 2 && value[0] == '0' && (value[1] == 'x' || value[1] == 'X')) {
    const std::string_view hex = value.substr(2);
    crypto::Md5Digest key{};
    if (hex.size() != 2 * key.size()) {
      throw ConfigError("static TURN user '" + std::string(user) + "': key must be 0x followed by 32 hex digits");
    }
    for (size_t i = 0; i < key.size(); ++i) {
      const int hi = hexValue(hex[2 * i]);
      const int lo = hexValue(hex[2 * i + 1]);
      if (hi < 0 || lo < 0) {
        throw ConfigError("static TURN user '" + std::string(user) + "': key has a non-hex digit");
      }
      key[i] = static_cast<uint8_t>(hi * 16 + lo);
    }
    addKey(user, key);
    return;
  }
  if (value.empty()) {
    throw ConfigError("static TURN user '" + std::string(user) + "' has an empty password");
  }
  addPassword(user, value);
}

void StaticUsers::addPassword(std::string_view user, std::string_view password)
{
  Entry entry;
  entry.password = std::string(password);
  d_users.insert_or_assign(std::string(user), std::move(entry));
}

void StaticUsers::addKey(std::string_view user, const crypto::Md5Digest& key)
{
  Entry entry;
  entry.md5Key = key;
  d_users.insert_or_assign(std::string(user), std::move(entry));
}

const StaticUsers::Entry* StaticUsers::find(std::string_view user) const noexcept
{
  // Heterogeneous lookup needs a transparent hash; the copy only happens on authenticated
  // requests for non-REST users.
  auto it = d_users.find(std::string(user));
  return it == d_users.end() ? nullptr : &it->second;
}

}
