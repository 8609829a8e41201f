#pragma once
// The keys of <pkgsysconfdir>/signaling.cfg (talk-signaling's own file) and their typed
// form. SignalingConfig is fixed for the process lifetime (listen address); SignalingRuntime
// is rebuilt on SIGHUP (backends and their secrets, internal secret, TURN, limits,
// allow-lists). Both are built once per (re)load and never modified (style.md rule 10).
#include "common/config/Schema.hpp"
#include "common/config/Settings.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace talk::signaling {

void describeSignalingSettings(config::Schema& schema);

struct BackendSettings
{
  std::string id;                // stable name ("nextcloud"); part of room identity
  std::vector<std::string> urls; // base URLs, normalised with a trailing "/"
  std::string secret;            // shared HMAC secret (read from secret_file)
  int64_t sessionLimit{0};       // 0 = unlimited
  int64_t maxStreamBitrate{0};   // bits/s, 0 = unknown
  int64_t maxScreenBitrate{0};
};

struct SignalingConfig
{
  std::string listen{"127.0.0.1:8080"};
};

struct SignalingRuntime
{
  std::vector<BackendSettings> backends;
  bool allowAll{false};
  std::string allowAllSecret;
  bool allowHttp{false};
  int64_t backendTimeoutSeconds{10};
  int64_t connectionsPerHost{8};
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
  int64_t sendQueueFrames{1024};
};

SignalingConfig parseSignalingConfig(const config::Settings& own);
// Reads secret files; throws ConfigError naming file:line: key.
SignalingRuntime parseSignalingRuntime(const config::Settings& common, const config::Settings& own);

}
