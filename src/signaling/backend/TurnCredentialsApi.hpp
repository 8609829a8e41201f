#pragma once
// GET /turn/credentials?service=turn&username=<u>&key=<apikey> (signaling-protocol.md §14,
// §15.3): time-limited TURN REST credentials for clients that are not Nextcloud (e.g. the
// SIP bridge). `api=` is accepted instead of `key=`. Answers:
//   400 service ≠ "turn" or no key · 403 key ≠ the configured API key (constant-time)
//   404 no TURN servers configured · 200 {"username","password","ttl","uris"}
// A missing username is replaced by a random one. A parser with no I/O, like BackendApi.
#include "signaling/backend/BackendApi.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace talk::signaling::backend {

struct TurnCredentialsConfig
{
  std::string apiKey;            // [turn] apikey
  std::string secret;            // the TURN REST shared secret (turn.secret_file)
  std::vector<std::string> uris; // "turn:turn.example.com:3478?transport=udp", …
};

// query: the part of the target after '?', percent-encoded as received.
HttpResponse turnCredentialsResponse(std::string_view query, const TurnCredentialsConfig& config, int64_t nowUnix);

}
