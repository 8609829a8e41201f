#include "turn/policy/IpPrefix.hpp"

#include "common/util/Error.hpp"

#include <arpa/inet.h>
#include <cstring>

namespace talk::turn::policy {

namespace {

bool matches(std::span<const uint8_t> a, std::span<const uint8_t> b, unsigned length) noexcept
{
  const unsigned fullBytes = length / 8;
  if (std::memcmp(a.data(), b.data(), fullBytes) != 0) {
    return false;
  }
  const unsigned bits = length % 8;
  if (bits == 0) {
    return true;
  }
  const uint8_t mask = static_cast<uint8_t>(0xFF << (8 - bits));
  return (a[fullBytes] & mask) == (b[fullBytes] & mask);
}

}

IpPrefix IpPrefix::fromBytes(int family, std::span<const uint8_t> address, unsigned length) noexcept
{
  IpPrefix p;
  const size_t size = family == AF_INET ? 4 : 16;
  p.d_family = family;
  p.d_length = std::min<unsigned>(length, static_cast<unsigned>(size * 8));
  std::memcpy(p.d_bytes.data(), address.data(), std::min(size, address.size()));
  for (unsigned bit = p.d_length; bit < size * 8; ++bit) {
    p.d_bytes[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
  }
  return p;
}

std::optional<IpPrefix> IpPrefix::tryParse(std::string_view text, std::string* error)
{
  auto fail = [&](const std::string& why) -> std::optional<IpPrefix> {
    if (error != nullptr) {
      *error = "bad address or CIDR '" + std::string(text) + "': " + why;
    }
    return std::nullopt;
  };
  const size_t slash = text.find('/');
  const std::string address(text.substr(0, slash));
  if (address.empty()) {
    return fail("missing address");
  }
  uint8_t bytes[16] = {};
  int family = 0;
  if (inet_pton(AF_INET, address.c_str(), bytes) == 1) {
    family = AF_INET;
  }
  else if (inet_pton(AF_INET6, address.c_str(), bytes) == 1) {
    family = AF_INET6;
  }
  else {
    return fail("not an IPv4 or IPv6 address (expected e.g. 10.0.0.0/8, fd00::/8 or 192.0.2.7)");
  }
  const unsigned maxLength = family == AF_INET ? 32 : 128;
  unsigned length = maxLength;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) {
      return fail("prefix length must be a number from 0 to " + std::to_string(maxLength));
    }
    length = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') {
        return fail("prefix length must be a number from 0 to " + std::to_string(maxLength));
      }
      length = length * 10 + static_cast<unsigned>(c - '0');
    }
    if (length > maxLength) {
      return fail("prefix length " + std::to_string(length) + " exceeds " + std::to_string(maxLength));
    }
  }
  IpPrefix p = fromBytes(family, std::span<const uint8_t>(bytes, family == AF_INET ? 4 : 16), length);
  if (std::memcmp(p.d_bytes.data(), bytes, family == AF_INET ? 4 : 16) != 0) {
    // "10.1.2.3/8" is almost always a typo; say what was probably meant instead of guessing.
    return fail("address has bits set beyond the prefix length (did you mean " + p.toString() + "?)");
  }
  return p;
}

IpPrefix IpPrefix::parse(std::string_view text)
{
  std::string error;
  auto p = tryParse(text, &error);
  if (!p) {
    throw ConfigError(error);
  }
  return *p;
}

bool IpPrefix::contains(int family, std::span<const uint8_t> address) const noexcept
{
  if (family != d_family || address.size() != (family == AF_INET ? 4u : 16u)) {
    return false;
  }
  return matches(d_bytes, address, d_length);
}

bool IpPrefix::contains(const SocketAddress& address) const noexcept
{
  if (!address.valid()) {
    return false;
  }
  return contains(address.family(), std::span<const uint8_t>(address.addressBytes(), address.addressLength()));
}

std::string IpPrefix::toString() const
{
  char buf[INET6_ADDRSTRLEN] = {0};
  if (inet_ntop(d_family, d_bytes.data(), buf, sizeof(buf)) == nullptr) {
    return "?";
  }
  return std::string(buf) + "/" + std::to_string(d_length);
}

}
