#pragma once
// Static long-term users (spec §4.3 fallback, uclient -u/-w): "user:password" or, as coturn's
// `-a` user lines, "user:0x<32 hex digits>" holding the precomputed MD5 key
// MD5(user:realm:password) — that form is only valid for the realm it was computed with.
#include "common/crypto/Crypto.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace talk::turn::auth {

class StaticUsers
{
public:
  struct Entry
  {
    // Exactly one of the two is set.
    std::optional<std::string> password;
    std::optional<crypto::Md5Digest> md5Key;
  };

  // Parses one "user:password" / "user:0x…" line; throws ConfigError with a message that names
  // the problem (but never echoes the password) for an empty user, missing ':', or a bad key.
  void add(std::string_view entry);
  void addPassword(std::string_view user, std::string_view password);
  void addKey(std::string_view user, const crypto::Md5Digest& key);

  const Entry* find(std::string_view user) const noexcept;
  size_t size() const noexcept { return d_users.size(); }
  bool empty() const noexcept { return d_users.empty(); }

private:
  std::unordered_map<std::string, Entry> d_users;
};

}
