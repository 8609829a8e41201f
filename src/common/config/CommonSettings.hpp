#pragma once
// The shared keys of <pkgsysconfdir>/talk.cfg, read by every daemon.
//   log.level      choice error|warning|notice|info|debug, "info"
//   log.debug      string list of debug categories ("nats", "turn", "ws", …, or "all"), []
//   nats.url       "loopback" (in-process bus) or "nats://host:port[,nats://host:port…]"
//   nats.token_file, nats.user, nats.password_file, nats.credentials_file (a .creds file),
//   nats.tls_ca    NATS authentication and TLS; "" = unused
//   turn.secret_file "turn-secret": the TURN REST shared secret (talk-turn, talk-signaling)
// Every *_file key is declared with Schema::secret.
#include "common/config/Schema.hpp"

namespace talk::config {

void describeCommonSettings(Schema& schema);

}
