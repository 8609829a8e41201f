#include "signaling/SignalingSettings.hpp"

#include "common/util/Error.hpp"
#include "signaling/backend/BackendRegistry.hpp"

namespace talk::signaling {

void describeSignalingSettings(config::Schema& schema)
{
  schema.string("http.listen", "127.0.0.1:8080",
                "Address and port of the HTTP server: the WebSocket endpoint /spreed, the\n"
                "backend API /api/v1/room/..., /api/v1/welcome, /api/v1/stats,\n"
                "/api/v1/serverinfo, /turn/credentials and /metrics. \"[::1]:8080\" for IPv6.\n"
                "Usually behind a reverse proxy under /standalone-signaling/. Fixed at start.");
  schema.stringList("http.trusted_proxies",
                    {"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"},
                    "Peers (addresses or CIDR prefixes) whose X-Real-IP / X-Forwarded-For headers\n"
                    "name the client address; from other peers the headers are ignored.");
  schema.integer("http.max_message_size", 65536, 1024, 16 * 1024 * 1024,
                 "Largest WebSocket message (bytes) a client may send; larger ones close the\n"
                 "connection.");
  schema.integer("http.send_queue_bytes", 1048576, 65536, 1073741824,
                 "Bytes queued for one slow client before it is disconnected.");

  backend::BackendRegistry::describeSettings(schema);

  schema.secret("clients.internal_secret_file", "signaling-internal-secret",
                "Secret file with the shared secret of internal clients (recording server,\n"
                "SIP bridge); \"\" = internal clients are refused.");

  schema.secret("sessions.hash_key_file", "",
                "Secret file with the key that authenticates session and resume ids;\n"
                "\"\" = a random key per process (ids do not survive a restart).");
  schema.secret("sessions.block_key_file", "",
                "Secret file with the key that encrypts session and resume ids;\n"
                "\"\" = a random key per process.");
  schema.number("sessions.hello_timeout", 2.0, 0.1, 3600.0, "Seconds a new connection has to send hello.");
  schema.number("sessions.room_join_timeout", 10.0, 0.1, 3600.0, "Seconds a guest session has to join a room.");
  schema.number("sessions.resume_window", 30.0, 0.0, 3600.0,
                "Seconds a session survives a lost connection and can be resumed.");

  schema.secret("turn.api_key_file", "",
                "Secret file with the API key of GET /turn/credentials; \"\" = endpoint off.\n"
                "Credentials are made with turn.secret_file of talk.cfg.");
  schema.stringList("turn.servers", {}, "TURN URIs handed out, e.g. [ \"turn:turn.example.com:3478?transport=udp\" ].");

  schema.stringList("stats.allowed_ips", {"127.0.0.1", "::1"},
                    "Client addresses (or CIDR prefixes) allowed to read /api/v1/stats,\n"
                    "/api/v1/serverinfo and /metrics.");
}

namespace {

[[noreturn]] void fail(const config::Settings& settings, std::string_view key, const std::string& message)
{
  throw ConfigError(settings.where(key) + ": " + std::string(key) + ": " + message);
}

std::string optionalSecret(const config::Settings& settings, std::string_view key)
{
  return settings.getString(key).empty() ? std::string() : settings.readSecret(key);
}

}

SignalingConfig parseSignalingConfig(const config::Settings& own)
{
  SignalingConfig config;
  config.listen = own.getString("http.listen");
  if (config.listen.find(':') == std::string::npos) {
    fail(own, "http.listen", "expected address:port");
  }
  return config;
}

SignalingRuntime parseSignalingRuntime(const config::Settings& common, const config::Settings& own)
{
  SignalingRuntime runtime;
  runtime.backends = backend::BackendRegistry::fromSettings(own);
  runtime.internalSecret = optionalSecret(own, "clients.internal_secret_file");
  runtime.hashKey = optionalSecret(own, "sessions.hash_key_file");
  runtime.blockKey = optionalSecret(own, "sessions.block_key_file");
  runtime.helloTimeout = own.getNumber("sessions.hello_timeout");
  runtime.roomJoinTimeout = own.getNumber("sessions.room_join_timeout");
  runtime.resumeWindow = own.getNumber("sessions.resume_window");
  runtime.trustedProxies = own.getStringList("http.trusted_proxies");
  runtime.maxMessageBytes = own.getInt("http.max_message_size");
  runtime.sendQueueBytes = own.getInt("http.send_queue_bytes");
  runtime.statsAllowedIps = own.getStringList("stats.allowed_ips");
  runtime.turnApiKey = optionalSecret(own, "turn.api_key_file");
  runtime.turnServers = own.getStringList("turn.servers");
  if (!runtime.turnApiKey.empty()) {
    runtime.turnSecret = optionalSecret(common, "turn.secret_file");
  }
  return runtime;
}

}
