#pragma once
// The keys of <pkgsysconfdir>/turn.cfg (talk-turn's own file) and their typed form.
// TurnConfig holds what is fixed for the process lifetime (listeners, relay addresses and
// port range, threads); TurnRuntime what SIGHUP may change (secrets, static users, TLS
// certificate, policy lists, quotas, limits). Both are built once per (re)load and never
// modified afterwards (style.md rule 10).
#include "common/config/Schema.hpp"
#include "common/config/Settings.hpp"
#include "common/net/SocketAddress.hpp"
#include "turn/auth/CredentialStore.hpp"
#include "turn/policy/RelayPolicy.hpp"
#include "turn/server/FiveTuple.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace talk::turn {

class TlsContext;

void describeTurnSettings(config::Schema& schema);

struct ListenSpec
{
  Transport transport{Transport::Udp};
  SocketAddress address;
  std::string text; // as written, for messages
};

struct RelayAddress
{
  SocketAddress local;      // bound by relay sockets (port 0)
  SocketAddress advertised; // sent in XOR-RELAYED-ADDRESS (external mapping), port 0
};

enum class DefaultFamily
{
  Ipv4,
  Ipv6,
  Keep, // the family of the client's socket
};

struct TurnConfig
{
  unsigned threads{1};
  std::vector<ListenSpec> listen;
  std::vector<RelayAddress> relays; // at most one per family is used
  uint16_t minPort{49152};
  uint16_t maxPort{65535};
  DefaultFamily defaultFamily{DefaultFamily::Ipv4};
  int64_t nonceLifetime{600};
  std::string nonceSecret; // "" = random per process

  bool hasTls() const;
};

struct TurnRuntime
{
  std::string realm;
  std::shared_ptr<const auth::CredentialStore> credentials;
  std::shared_ptr<const policy::RelayPolicy> policy;
  std::shared_ptr<const TlsContext> tls; // nullptr when no tls:// listener
  uint64_t userQuota{0};
  uint64_t totalQuota{0};
  uint64_t bandwidthBytesPerSecond{0};
  uint32_t defaultLifetime{600};
  uint32_t maxLifetime{3600};
  uint32_t rejectRate{100};  // 401/438 answers per second per source IP (0 = unlimited)
  uint32_t rejectBurst{200}; // answers a source IP may get at once (token bucket depth)
  bool software{false};
};

// Parses the immutable part; throws ConfigError naming file:line: key.
TurnConfig parseTurnConfig(const config::Settings& own);
// Parses the runtime part (reads secret files, certificate). `common` is talk.cfg (for
// turn.secret_file); `config` provides the server endpoints the policy must refuse.
TurnRuntime parseTurnRuntime(const config::Settings& common, const config::Settings& own, const TurnConfig& config);

}
