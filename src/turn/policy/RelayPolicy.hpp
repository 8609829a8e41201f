#pragma once
// Which peer addresses a client may relay to (spec §7). The check canonicalises IPv6 forms that
// embed an IPv4 address, then applies, in order: the always-denied set (never overridable;
// loopback only through the development switch), the server's own endpoints, the allow-list,
// the default-denied special ranges, and the deny-list. No match → allowed.
// The family check against the relay socket (443) is the caller's, done on decision.canonical.
#include "common/net/SocketAddress.hpp"
#include "turn/policy/IpPrefix.hpp"

#include <string>
#include <vector>

namespace talk::turn::policy {

enum class PolicyRule
{
  // Allowed
  Allowed,     // nothing matched
  AllowList,   // allowed by an explicit allow-list entry (overriding a default/deny entry)
  Loopback,    // loopback allowed by the development switch
  // Denied (always; no allow-list override)
  DeniedUnspecified, // 0.0.0.0/8, ::
  DeniedMulticast,   // 224.0.0.0/4, ff00::/8
  DeniedReserved,    // 240.0.0.0/4 (class E, broadcast)
  DeniedLinkLocal,   // 169.254.0.0/16, fe80::/10
  DeniedLoopback,    // 127.0.0.0/8, ::1 (unless allowLoopback)
  DeniedPortZero,
  DeniedServerEndpoint, // one of our own listening/admin endpoints or a backend (rule 8)
  DeniedFamily,         // not IPv4/IPv6 at all
  // Denied by default, overridable by the allow-list
  DeniedPrivate,      // RFC 1918, CGNAT, ULA, site-local, benchmarking, 192.0.0.0/24, 6to4 relay
  DeniedDocumentation,// TEST-NETs, 2001:db8::/32
  // Denied by the configured deny-list
  DeniedDenyList,
};

// "allowed", "allow-list", "loopback", "unspecified", "multicast", "reserved", "link-local",
// "loopback-denied", "port-zero", "server-endpoint", "bad-family", "private",
// "documentation", "deny-list".
const char* policyRuleName(PolicyRule rule) noexcept;

struct PolicyDecision
{
  bool allowed = false;
  PolicyRule rule = PolicyRule::DeniedFamily;
  // The address the rules were applied to: the embedded IPv4 address for mapped, compatible,
  // NAT64, 6to4 (and Teredo) forms, else the input. Port preserved (Teredo: the embedded port).
  SocketAddress canonical;
  // True when `canonical` was extracted from an IPv6 form. Whether to relay to `canonical` or to
  // the original IPv6 address (e.g. NAT64 on an IPv6-only relay) is the server's choice (spec §7
  // rule 7 is open on this).
  bool reduced = false;
};

class RelayPolicy
{
public:
  struct Settings
  {
    std::vector<std::string> allow; // CIDR strings, e.g. "10.1.2.3", "fd00::/8"
    std::vector<std::string> deny;
    bool allowLoopback = false;     // development only
    bool canonicaliseTeredo = true; // reduce 2001::/32 to the client's IPv4 address
    // Endpoints (IP + port) never relayed to: our listeners, metrics/admin, NATS, backends.
    // Give concrete addresses (for a wildcard listener: each local address with its port);
    // IPv4-mapped forms are canonicalised like peers. Not overridable by the allow-list.
    std::vector<SocketAddress> deniedEndpoints;
  };

  // Default settings: secure defaults, nothing allowed beyond public unicast.
  RelayPolicy();
  // Throws ConfigError for a bad CIDR string (naming the list and the entry).
  explicit RelayPolicy(Settings settings);

  PolicyDecision check(const SocketAddress& peer) const noexcept;

  // Reduces embedded-IPv4 IPv6 forms to the IPv4 address (spec §7 rule 1); other addresses
  // are returned unchanged.
  static SocketAddress canonicalise(const SocketAddress& address, bool teredo = true) noexcept;

private:
  std::vector<IpPrefix> d_allow;
  std::vector<IpPrefix> d_deny;
  std::vector<SocketAddress> d_deniedEndpoints;
  bool d_allowLoopback = false;
  bool d_teredo = true;
};

}
