#pragma once
// An IPv4 or IPv6 prefix ("10.0.0.0/8", "fd00::/8", or a single address meaning /32 or /128),
// used for the relay allow/deny lists (spec §7).
#include "common/net/SocketAddress.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace talk::turn::policy {

class IpPrefix
{
public:
  // Parses a config string; throws ConfigError naming the string and the problem
  // (not an address, prefix length out of range, host bits set, stray characters).
  static IpPrefix parse(std::string_view text);
  // Same without exceptions; `error` receives the message.
  static std::optional<IpPrefix> tryParse(std::string_view text, std::string* error = nullptr);
  // From raw address bytes (4 or 16); bits beyond `length` are cleared.
  static IpPrefix fromBytes(int family, std::span<const uint8_t> address, unsigned length) noexcept;

  int family() const noexcept { return d_family; }
  unsigned length() const noexcept { return d_length; }

  // True when `address` has this family and its first length() bits match.
  bool contains(const SocketAddress& address) const noexcept;
  bool contains(int family, std::span<const uint8_t> address) const noexcept;

  // "10.0.0.0/8".
  std::string toString() const;

private:
  IpPrefix() = default;

  int d_family = 0;
  unsigned d_length = 0;
  std::array<uint8_t, 16> d_bytes{};
};

}
