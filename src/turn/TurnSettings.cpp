#include "turn/TurnSettings.hpp"

#include "common/util/Error.hpp"
#include "turn/server/TlsContext.hpp"

#include <algorithm>
#include <cstring>
#include <thread>

#include <ifaddrs.h>
#include <net/if.h>
#include <unistd.h>

namespace talk::turn {

void describeTurnSettings(config::Schema& schema)
{
  schema.integer("threads", 1, 0, 64,
                 "Worker threads, each with its own event loop and SO_REUSEPORT listening\n"
                 "sockets; an allocation stays on the thread that received its Allocate.\n"
                 "0 = one per CPU core. Fixed at start.");
  schema.stringList("listen", {"udp://0.0.0.0:3478", "tcp://0.0.0.0:3478"},
                    "Listening sockets: \"udp://IP:PORT\", \"tcp://IP:PORT\" or \"tls://IP:PORT\"\n"
                    "(IPv6 as \"udp://[::]:3478\"). tls:// needs tls.certificate_file and\n"
                    "tls.private_key_file. Fixed at start.");
  schema.string("realm", "",
                "Realm sent in 401 answers; \"\" = the host name. Clients use it to derive keys,\n"
                "so changing it only affects new credentials exchanges.");
  schema.boolean("software", false, "Send a SOFTWARE attribute in responses (off: less fingerprinting).");

  schema.secret("tls.certificate_file", "",
                "Certificate chain (PEM) for tls:// listeners, server certificate first.\n"
                "Relative names are looked up like secrets ($CREDENTIALS_DIRECTORY, then\n"
                "<configdir>/secrets/). Re-read on SIGHUP.");
  schema.secret("tls.private_key_file", "", "Private key (PEM, unencrypted) of tls.certificate_file. Re-read on SIGHUP.");

  schema.stringList("relay.addresses", {},
                    "Local IP addresses relayed transport addresses are allocated on, at most one\n"
                    "IPv4 and one IPv6 address, e.g. [ \"192.0.2.10\", \"2001:db8::10\" ].\n"
                    "[] = the host's own: its first IPv4 address that is not loopback or\n"
                    "link-local (127.0.0.1 if there is none) and, if it has one, its first such\n"
                    "IPv6 address (global unicast preferred to ULA).\n"
                    "Fixed at start.");
  schema.stringList("relay.external_addresses", {},
                    "NAT mapping: \"PUBLIC/LOCAL\" pairs (or a bare \"PUBLIC\" when there is one\n"
                    "relay address of that family). The public address is advertised in\n"
                    "XOR-RELAYED-ADDRESS, and peers naming it are relayed to the local one.\n"
                    "Fixed at start.");
  schema.integer("relay.min_port", 49152, 1024, 65535, "Lowest relay port. Fixed at start.");
  schema.integer("relay.max_port", 65535, 1024, 65535, "Highest relay port. Fixed at start.");
  schema.choice("relay.default_family", "ipv4", {"ipv4", "ipv6", "keep"},
                "Relay family when an Allocate has no REQUESTED-ADDRESS-FAMILY: \"ipv4\"\n"
                "(RFC 6156), \"ipv6\", or \"keep\" = the family the client connected with.\n"
                "Fixed at start.");

  schema.secret("auth.previous_secret_file", "",
                "Second TURN REST secret accepted besides turn.secret_file of talk.cfg, for\n"
                "rotating the secret without breaking credentials already handed out.\n"
                "\"\" = none.");
  schema.secret("auth.static_users_file", "",
                "Static long-term users, one \"user:password\" or \"user:0xMD5KEY\" per line\n"
                "(# starts a comment). \"\" = none.");
  schema.string("auth.separator", ":", "Separator between timestamp and user id in REST user names.");
  schema.integer("auth.max_ttl", 0, 0, 10LL * 365 * 86400,
                 "Reject REST credentials that expire more than this many seconds in the\n"
                 "future; 0 = no limit (as coturn).");
  schema.integer("auth.nonce_lifetime", 600, 0, 86400,
                 "Seconds a NONCE stays valid (then 438 and the client retries); 0 = forever.\n"
                 "Fixed at start.");
  schema.secret("auth.nonce_secret_file", "",
                "Key for stateless nonces shared by several talk-turn nodes behind one name;\n"
                "\"\" = random per process. Fixed at start.");
  schema.integer("auth.reject_rate", 100, 0, 100000,
                 "Sustained 401/438 answers per second per source IP over UDP (limits\n"
                 "reflection towards a spoofed victim); 0 = unlimited.");
  schema.integer("auth.reject_burst", 200, 1, 1000000,
                 "401/438 answers one source IP may get at once before auth.reject_rate\n"
                 "applies (token bucket depth): every client's first request is challenged,\n"
                 "so this must cover the clients behind one NAT address starting together.");

  schema.stringList("policy.allow", {},
                    "Peer addresses or CIDR prefixes allowed although in a default-denied range\n"
                    "(private, CGNAT, ULA, documentation), e.g. the HPB/Janus address. Never\n"
                    "overrides unspecified, multicast, link-local or (without\n"
                    "policy.allow_loopback) loopback addresses.");
  schema.stringList("policy.deny", {}, "Further peer addresses or CIDR prefixes to refuse (403).");
  schema.boolean("policy.allow_loopback", false,
                 "Allow relaying to 127.0.0.0/8 and ::1. Development and local tests only.");

  schema.integer("quota.user_allocations", 0, 0, 1000000,
                 "Allocations one user (REST user id or static user) may hold; 0 = unlimited.");
  schema.integer("quota.total_allocations", 0, 0, 10000000, "Allocations the server holds at most; 0 = unlimited.");
  schema.integer("quota.allocation_bandwidth", 0, 0, 10000000,
                 "Per-allocation relay bandwidth cap in kbit/s, each direction; 0 = unlimited.\n"
                 "Packets over the cap are dropped.");

  schema.integer("allocation.default_lifetime", 600, 60, 86400,
                 "Lifetime (s) granted when the client asks for less or none (spec minimum 600).");
  schema.integer("allocation.max_lifetime", 3600, 60, 86400, "Longest lifetime (s) granted to an Allocate or Refresh.");
}

bool TurnConfig::hasTls() const
{
  for (const auto& spec : listen) {
    if (spec.transport == Transport::Tls) {
      return true;
    }
  }
  return false;
}

namespace {

[[noreturn]] void fail(const config::Settings& settings, std::string_view key, const std::string& message)
{
  throw ConfigError(settings.where(key) + ": " + std::string(key) + ": " + message);
}

// A relay address a client elsewhere could reach: not loopback, link-local, multicast or
// unspecified (private IPv4 and ULA count: behind NAT, relay.external_addresses maps them).
bool usableRelayIp(const SocketAddress& address)
{
  const uint8_t* b = address.addressBytes();
  if (address.isV4()) {
    return b[0] != 127 && b[0] != 0 && !(b[0] == 169 && b[1] == 254) && b[0] < 224;
  }
  // ::, ::1 and the IPv4-compatible and -mapped forms ::/96, ::ffff:0:0/96.
  const bool embedded = std::all_of(b, b + 10, [](uint8_t x) { return x == 0; }) &&
    ((b[10] == 0 && b[11] == 0) || (b[10] == 0xFF && b[11] == 0xFF));
  const bool linkLocal = b[0] == 0xFE && (b[1] & 0xC0) == 0x80;
  return !embedded && !linkLocal && b[0] != 0xFF;
}

// The host's first usable address of `family`; a global unicast IPv6 address (2000::/3) is
// preferred to a ULA.
std::optional<SocketAddress> firstHostAddress(int family)
{
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    return std::nullopt;
  }
  std::optional<SocketAddress> found;
  for (ifaddrs* it = list; it != nullptr; it = it->ifa_next) {
    if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != family || (it->ifa_flags & IFF_UP) == 0 ||
        (it->ifa_flags & IFF_LOOPBACK) != 0) {
      continue;
    }
    SocketAddress address(it->ifa_addr, family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6));
    address.setPort(0);
    if (!usableRelayIp(address)) {
      continue;
    }
    const bool globalUnicast = family == AF_INET || (address.addressBytes()[0] & 0xE0) == 0x20;
    if (!found || globalUnicast) {
      found = address;
    }
    if (globalUnicast) {
      break;
    }
  }
  ::freeifaddrs(list);
  return found;
}

}

TurnConfig parseTurnConfig(const config::Settings& own)
{
  TurnConfig config;
  int64_t threads = own.getInt("threads");
  if (threads == 0) {
    threads = std::max(1U, std::thread::hardware_concurrency());
  }
  config.threads = static_cast<unsigned>(threads);

  for (const std::string& text : own.getStringList("listen")) {
    ListenSpec spec;
    spec.text = text;
    std::string_view rest;
    if (text.rfind("udp://", 0) == 0) {
      spec.transport = Transport::Udp;
    }
    else if (text.rfind("tcp://", 0) == 0) {
      spec.transport = Transport::Tcp;
    }
    else if (text.rfind("tls://", 0) == 0) {
      spec.transport = Transport::Tls;
    }
    else {
      fail(own, "listen", "\"" + text + "\": expected udp://, tcp:// or tls:// followed by IP:PORT");
    }
    rest = std::string_view(text).substr(6);
    auto address = SocketAddress::parse(rest);
    if (!address) {
      fail(own, "listen", "\"" + text + "\": expected IP:PORT or [IPv6]:PORT after the scheme");
    }
    spec.address = *address;
    config.listen.push_back(spec);
  }
  if (config.listen.empty()) {
    fail(own, "listen", "at least one listening address is needed");
  }

  bool haveV4 = false;
  bool haveV6 = false;
  for (const std::string& text : own.getStringList("relay.addresses")) {
    auto address = SocketAddress::fromIp(text, 0);
    if (!address) {
      fail(own, "relay.addresses", "\"" + text + "\" is not an IP address");
    }
    bool& have = address->isV4() ? haveV4 : haveV6;
    if (have) {
      fail(own, "relay.addresses", "at most one IPv4 and one IPv6 address");
    }
    have = true;
    config.relays.push_back(RelayAddress{*address, *address});
  }
  if (config.relays.empty()) {
    // One relay address per family the host has (RFC 6156: clients pick the family).
    auto v4 = firstHostAddress(AF_INET);
    SocketAddress address = v4 ? *v4 : *SocketAddress::fromIp("127.0.0.1", 0);
    config.relays.push_back(RelayAddress{address, address});
    if (auto v6 = firstHostAddress(AF_INET6)) {
      config.relays.push_back(RelayAddress{*v6, *v6});
    }
  }
  for (const std::string& text : own.getStringList("relay.external_addresses")) {
    size_t slash = text.find('/');
    auto publicAddress = SocketAddress::fromIp(text.substr(0, slash), 0);
    if (!publicAddress) {
      fail(own, "relay.external_addresses", "\"" + text + "\": expected PUBLIC/LOCAL or PUBLIC");
    }
    RelayAddress* target = nullptr;
    if (slash != std::string::npos) {
      auto local = SocketAddress::fromIp(text.substr(slash + 1), 0);
      if (!local) {
        fail(own, "relay.external_addresses", "\"" + text + "\": LOCAL is not an IP address");
      }
      for (auto& relay : config.relays) {
        if (relay.local.sameIp(*local)) {
          target = &relay;
        }
      }
      if (target == nullptr) {
        fail(own, "relay.external_addresses", "\"" + text + "\": LOCAL is not one of relay.addresses");
      }
    }
    else {
      for (auto& relay : config.relays) {
        if (relay.local.family() == publicAddress->family()) {
          target = &relay;
        }
      }
      if (target == nullptr) {
        fail(own, "relay.external_addresses", "\"" + text + "\": no relay address of that family");
      }
    }
    if (target->local.family() != publicAddress->family()) {
      fail(own, "relay.external_addresses", "\"" + text + "\": PUBLIC and LOCAL differ in family");
    }
    target->advertised = *publicAddress;
  }

  config.minPort = static_cast<uint16_t>(own.getInt("relay.min_port"));
  config.maxPort = static_cast<uint16_t>(own.getInt("relay.max_port"));
  if (config.maxPort < config.minPort) {
    fail(own, "relay.max_port", "must not be below relay.min_port");
  }
  const std::string& family = own.getString("relay.default_family");
  config.defaultFamily = family == "ipv6" ? DefaultFamily::Ipv6 : family == "keep" ? DefaultFamily::Keep : DefaultFamily::Ipv4;
  config.nonceLifetime = own.getInt("auth.nonce_lifetime");
  if (!own.getString("auth.nonce_secret_file").empty()) {
    config.nonceSecret = own.readSecret("auth.nonce_secret_file");
  }
  return config;
}

TurnRuntime parseTurnRuntime(const config::Settings& common, const config::Settings& own, const TurnConfig& config)
{
  TurnRuntime runtime;
  runtime.realm = own.getString("realm");
  if (runtime.realm.empty()) {
    char host[256] = {0};
    if (::gethostname(host, sizeof(host) - 1) == 0 && host[0] != '\0') {
      runtime.realm = host;
    }
    else {
      runtime.realm = "talk-turn";
    }
  }
  runtime.software = own.getBool("software");

  auth::RestCredentials::Settings rest;
  if (!common.getString("turn.secret_file").empty()) {
    rest.secrets.push_back(common.readSecret("turn.secret_file"));
  }
  if (!own.getString("auth.previous_secret_file").empty()) {
    rest.secrets.push_back(own.readSecret("auth.previous_secret_file"));
  }
  const std::string& separator = own.getString("auth.separator");
  if (separator.size() != 1) {
    fail(own, "auth.separator", "must be exactly one character");
  }
  rest.separator = separator[0];
  rest.maxTtlSeconds = own.getInt("auth.max_ttl");
  auto store = std::make_shared<auth::CredentialStore>();
  store->rest = auth::RestCredentials(std::move(rest));
  if (!own.getString("auth.static_users_file").empty()) {
    size_t lineNumber = 0;
    for (const std::string& line : own.readSecretLines("auth.static_users_file")) {
      ++lineNumber;
      try {
        store->users.add(line);
      }
      catch (const ConfigError& e) {
        fail(own, "auth.static_users_file", "entry " + std::to_string(lineNumber) + ": " + e.what());
      }
    }
  }
  runtime.credentials = std::move(store);

  policy::RelayPolicy::Settings policySettings;
  policySettings.allow = own.getStringList("policy.allow");
  policySettings.deny = own.getStringList("policy.deny");
  policySettings.allowLoopback = own.getBool("policy.allow_loopback");
  for (const ListenSpec& spec : config.listen) {
    policySettings.deniedEndpoints.push_back(spec.address);
  }
  // Spec §7 rule 8: never relay to our own admin endpoint.
  if (own.schema().find("metrics.listen") != nullptr && !own.getString("metrics.listen").empty()) {
    if (auto metrics = SocketAddress::parse(own.getString("metrics.listen"))) {
      policySettings.deniedEndpoints.push_back(*metrics);
    }
  }
  try {
    runtime.policy = std::make_shared<policy::RelayPolicy>(std::move(policySettings));
  }
  catch (const ConfigError& e) {
    fail(own, "policy", e.what());
  }

  if (config.hasTls()) {
    if (own.getString("tls.certificate_file").empty() || own.getString("tls.private_key_file").empty()) {
      fail(own, "tls.certificate_file", "tls:// listeners need tls.certificate_file and tls.private_key_file");
    }
    runtime.tls = std::make_shared<TlsContext>(own.readSecret("tls.certificate_file"), own.readSecret("tls.private_key_file"),
                                               own.where("tls.certificate_file"));
  }

  runtime.userQuota = static_cast<uint64_t>(own.getInt("quota.user_allocations"));
  runtime.totalQuota = static_cast<uint64_t>(own.getInt("quota.total_allocations"));
  runtime.bandwidthBytesPerSecond = static_cast<uint64_t>(own.getInt("quota.allocation_bandwidth")) * 1000 / 8;
  runtime.defaultLifetime = static_cast<uint32_t>(own.getInt("allocation.default_lifetime"));
  runtime.maxLifetime = static_cast<uint32_t>(own.getInt("allocation.max_lifetime"));
  if (runtime.maxLifetime < runtime.defaultLifetime) {
    fail(own, "allocation.max_lifetime", "must not be below allocation.default_lifetime");
  }
  runtime.rejectRate = static_cast<uint32_t>(own.getInt("auth.reject_rate"));
  runtime.rejectBurst = static_cast<uint32_t>(own.getInt("auth.reject_burst"));
  return runtime;
}

}
