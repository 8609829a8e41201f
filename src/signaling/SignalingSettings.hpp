#pragma once
// The keys of <pkgsysconfdir>/signaling.cfg (talk-signaling's own file) and their typed
// form. SignalingConfig is fixed for the process lifetime (listen address); SignalingRuntime
// is rebuilt on SIGHUP (backends and their secrets: backend::BackendRegistry, internal secret, TURN, limits,
// allow-lists). Both are built once per (re)load and never modified (style.md rule 10).
#include "common/config/Schema.hpp"
#include "common/config/Settings.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace talk::signaling {

namespace backend {
class BackendRegistry;
}

void describeSignalingSettings(config::Schema& schema);

struct SignalingConfig
{
  std::string listen{"127.0.0.1:8080"};
};

struct SignalingRuntime
{
  std::shared_ptr<const backend::BackendRegistry> backends;
  std::string internalSecret; // "" = internal clients refused
  std::string hashKey;        // session id MAC key; "" = random per process
  std::string blockKey;       // session id cipher key; "" = random per process
  std::vector<std::string> trustedProxies;
  std::vector<std::string> statsAllowedIps;
  std::string turnApiKey;
  std::string turnSecret;
  std::vector<std::string> turnServers;
  double helloTimeout{2.0};
  double roomJoinTimeout{10.0};
  double resumeWindow{30.0};
  int64_t maxMessageBytes{65536};
  int64_t sendQueueBytes{1048576};
};

SignalingConfig parseSignalingConfig(const config::Settings& own);
// Reads secret files; throws ConfigError naming file:line: key.
SignalingRuntime parseSignalingRuntime(const config::Settings& common, const config::Settings& own);

}
