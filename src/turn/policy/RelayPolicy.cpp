#include "turn/policy/RelayPolicy.hpp"

#include "common/util/Error.hpp"

#include <arpa/inet.h>
#include <cstring>

namespace talk::turn::policy {

namespace {

struct Range
{
  IpPrefix prefix;
  PolicyRule rule;
};

// Special ranges that no configuration can open (spec §7 rule 3; loopback handled apart).
const std::vector<Range>& alwaysDenied()
{
  static const std::vector<Range> s_ranges = {
    {IpPrefix::parse("0.0.0.0/8"), PolicyRule::DeniedUnspecified},
    {IpPrefix::parse("::/128"), PolicyRule::DeniedUnspecified},
    {IpPrefix::parse("224.0.0.0/4"), PolicyRule::DeniedMulticast},
    {IpPrefix::parse("ff00::/8"), PolicyRule::DeniedMulticast},
    {IpPrefix::parse("240.0.0.0/4"), PolicyRule::DeniedReserved},
    {IpPrefix::parse("169.254.0.0/16"), PolicyRule::DeniedLinkLocal},
    {IpPrefix::parse("fe80::/10"), PolicyRule::DeniedLinkLocal},
  };
  return s_ranges;
}

const std::vector<IpPrefix>& loopbackRanges()
{
  static const std::vector<IpPrefix> s_ranges = {IpPrefix::parse("127.0.0.0/8"), IpPrefix::parse("::1/128")};
  return s_ranges;
}

// Secure defaults an allow-list entry may open (spec §7 rule 4).
const std::vector<Range>& defaultDenied()
{
  static const std::vector<Range> s_ranges = {
    {IpPrefix::parse("10.0.0.0/8"), PolicyRule::DeniedPrivate},
    {IpPrefix::parse("100.64.0.0/10"), PolicyRule::DeniedPrivate},
    {IpPrefix::parse("172.16.0.0/12"), PolicyRule::DeniedPrivate},
    {IpPrefix::parse("192.168.0.0/16"), PolicyRule::DeniedPrivate},
    {IpPrefix::parse("192.0.0.0/24"), PolicyRule::DeniedPrivate},
    {IpPrefix::parse("192.88.99.0/24"), PolicyRule::DeniedPrivate},
    {IpPrefix::parse("198.18.0.0/15"), PolicyRule::DeniedPrivate},
    {IpPrefix::parse("fc00::/7"), PolicyRule::DeniedPrivate},
    {IpPrefix::parse("fec0::/10"), PolicyRule::DeniedPrivate},
    {IpPrefix::parse("192.0.2.0/24"), PolicyRule::DeniedDocumentation},
    {IpPrefix::parse("198.51.100.0/24"), PolicyRule::DeniedDocumentation},
    {IpPrefix::parse("203.0.113.0/24"), PolicyRule::DeniedDocumentation},
    {IpPrefix::parse("2001:db8::/32"), PolicyRule::DeniedDocumentation},
  };
  return s_ranges;
}

std::vector<IpPrefix> parseList(const std::vector<std::string>& entries, const char* listName)
{
  std::vector<IpPrefix> out;
  out.reserve(entries.size());
  for (const std::string& entry : entries) {
    std::string error;
    auto prefix = IpPrefix::tryParse(entry, &error);
    if (!prefix) {
      throw ConfigError(std::string(listName) + ": " + error);
    }
    out.push_back(*prefix);
  }
  return out;
}

SocketAddress makeV4(const uint8_t* bytes, uint16_t port) noexcept
{
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  std::memcpy(&sa.sin_addr, bytes, 4);
  return SocketAddress(reinterpret_cast<const sockaddr*>(&sa), sizeof(sa));
}

bool allZero(const uint8_t* bytes, size_t n) noexcept
{
  for (size_t i = 0; i < n; ++i) {
    if (bytes[i] != 0) {
      return false;
    }
  }
  return true;
}

}

const char* policyRuleName(PolicyRule rule) noexcept
{
  switch (rule) {
  case PolicyRule::Allowed:
    return "allowed";
  case PolicyRule::AllowList:
    return "allow-list";
  case PolicyRule::Loopback:
    return "loopback";
  case PolicyRule::DeniedUnspecified:
    return "unspecified";
  case PolicyRule::DeniedMulticast:
    return "multicast";
  case PolicyRule::DeniedReserved:
    return "reserved";
  case PolicyRule::DeniedLinkLocal:
    return "link-local";
  case PolicyRule::DeniedLoopback:
    return "loopback-denied";
  case PolicyRule::DeniedPortZero:
    return "port-zero";
  case PolicyRule::DeniedServerEndpoint:
    return "server-endpoint";
  case PolicyRule::DeniedFamily:
    return "bad-family";
  case PolicyRule::DeniedPrivate:
    return "private";
  case PolicyRule::DeniedDocumentation:
    return "documentation";
  case PolicyRule::DeniedDenyList:
    return "deny-list";
  }
  return "?";
}

RelayPolicy::RelayPolicy() :
  RelayPolicy(Settings{})
{
}

RelayPolicy::RelayPolicy(Settings settings) :
  d_allow(parseList(settings.allow, "relay allow-list")),
  d_deny(parseList(settings.deny, "relay deny-list")),
  d_allowLoopback(settings.allowLoopback),
  d_teredo(settings.canonicaliseTeredo)
{
  for (const SocketAddress& endpoint : settings.deniedEndpoints) {
    if (!endpoint.valid()) {
      throw ConfigError("relay policy: a denied server endpoint is not an IPv4/IPv6 address");
    }
    d_deniedEndpoints.push_back(canonicalise(endpoint, d_teredo));
  }
  // Build the static tables now, so check() never allocates or throws.
  (void)alwaysDenied();
  (void)loopbackRanges();
  (void)defaultDenied();
}

SocketAddress RelayPolicy::canonicalise(const SocketAddress& address, bool teredo) noexcept
{
  if (!address.isV6()) {
    return address;
  }
  const uint8_t* b = address.addressBytes();
  const uint16_t port = address.port();
  // ::ffff:a.b.c.d (IPv4-mapped)
  if (allZero(b, 10) && b[10] == 0xFF && b[11] == 0xFF) {
    return makeV4(b + 12, port);
  }
  // ::a.b.c.d (IPv4-compatible, deprecated) — but :: and ::1 are IPv6's own.
  if (allZero(b, 12) && !(allZero(b + 12, 3) && b[15] <= 1)) {
    return makeV4(b + 12, port);
  }
  // 64:ff9b::a.b.c.d (NAT64 well-known prefix)
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && allZero(b + 4, 8)) {
    return makeV4(b + 12, port);
  }
  // 2002:aabb:ccdd::/48 (6to4)
  if (b[0] == 0x20 && b[1] == 0x02) {
    return makeV4(b + 2, port);
  }
  // 2001:0000::/32 (Teredo): the client's address and port are stored inverted in the last
  // 48 bits; that is where the packets would end up.
  if (teredo && b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00) {
    const uint8_t client[4] = {static_cast<uint8_t>(~b[12]), static_cast<uint8_t>(~b[13]),
                               static_cast<uint8_t>(~b[14]), static_cast<uint8_t>(~b[15])};
    const uint16_t clientPort = static_cast<uint16_t>(~((b[10] << 8) | b[11]));
    return makeV4(client, clientPort);
  }
  return address;
}

PolicyDecision RelayPolicy::check(const SocketAddress& peer) const noexcept
{
  PolicyDecision decision;
  if (!peer.valid()) {
    decision.canonical = peer;
    decision.rule = PolicyRule::DeniedFamily;
    return decision;
  }
  const SocketAddress canonical = canonicalise(peer, d_teredo);
  decision.canonical = canonical;
  decision.reduced = canonical.family() != peer.family();
  auto deny = [&decision](PolicyRule rule) {
    decision.allowed = false;
    decision.rule = rule;
    return decision;
  };
  auto allow = [&decision](PolicyRule rule) {
    decision.allowed = true;
    decision.rule = rule;
    return decision;
  };

  if (canonical.port() == 0) {
    return deny(PolicyRule::DeniedPortZero);
  }
  for (const Range& range : alwaysDenied()) {
    if (range.prefix.contains(canonical)) {
      return deny(range.rule);
    }
  }
  for (const SocketAddress& endpoint : d_deniedEndpoints) {
    if (endpoint == canonical) {
      return deny(PolicyRule::DeniedServerEndpoint);
    }
  }
  for (const IpPrefix& range : loopbackRanges()) {
    if (range.contains(canonical)) {
      return d_allowLoopback ? allow(PolicyRule::Loopback) : deny(PolicyRule::DeniedLoopback);
    }
  }
  for (const IpPrefix& range : d_allow) {
    if (range.contains(canonical)) {
      return allow(PolicyRule::AllowList);
    }
  }
  for (const Range& range : defaultDenied()) {
    if (range.prefix.contains(canonical)) {
      return deny(range.rule);
    }
  }
  for (const IpPrefix& range : d_deny) {
    if (range.contains(canonical)) {
      return deny(PolicyRule::DeniedDenyList);
    }
  }
  return allow(PolicyRule::Allowed);
}

}
