#pragma once
// The client address behind reverse proxies (spec §1): X-Real-IP, then X-Forwarded-For
// (right to left, skipping trusted hops), believed only when the direct peer is a trusted
// proxy. Also the address allow-lists of /api/v1/stats and friends.
#include <string>
#include <string_view>
#include <vector>

namespace talk::signaling {

// True when ip (textual IPv4/IPv6; IPv4-mapped IPv6 counts as IPv4) matches one of the
// entries: addresses or CIDR prefixes ("10.0.0.0/8", "fc00::/7"). Bad entries never match.
bool ipInList(std::string_view ip, const std::vector<std::string>& list);

std::string effectiveClientIp(const std::string& peerIp, const std::string& realIp, const std::string& forwardedFor,
  const std::vector<std::string>& trustedProxies);

}
