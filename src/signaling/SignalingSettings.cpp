#include "signaling/SignalingSettings.hpp"

#include "common/util/Error.hpp"

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
  schema.integer("http.send_queue_frames", 1024, 16, 1000000,
                 "Frames queued for one slow client before it is disconnected.");

  config::Schema backend;
  backend.string("id", "", "Name of the backend, unique; rooms of different backends never mix.");
  backend.stringList("urls", {},
                     "Base URLs of the Nextcloud instance (with or without trailing \"/\"),\n"
                     "e.g. [ \"https://cloud.example.com/\" ]. Clients name one of them in hello.");
  backend.secret("secret_file", "",
                 "Secret file with the shared secret of this backend (Talk's \"Shared secret\"\n"
                 "of the signaling server settings).");
  backend.integer("session_limit", 0, 0, 100000000, "Client sessions this backend may have at once; 0 = unlimited.");
  backend.integer("max_stream_bitrate", 0, 0, 100000000000, "Largest camera stream bitrate (bit/s); 0 = no limit.");
  backend.integer("max_screen_bitrate", 0, 0, 100000000000, "Largest screen stream bitrate (bit/s); 0 = no limit.");
  schema.groupList("backends", std::move(backend),
                   "Nextcloud instances allowed to use this server, e.g.\n"
                   "( { id = \"cloud\"; urls = [ \"https://cloud.example.com/\" ];\n"
                   "    secret_file = \"signaling-backend-secret\"; } ).\n"
                   "Reloaded on SIGHUP.");

  schema.boolean("backend.allow_all", false,
                 "Accept every Nextcloud URL, all sharing the secret of backend.secret_file\n"
                 "(development only).");
  schema.secret("backend.secret_file", "", "Secret file of the shared secret used with backend.allow_all.");
  schema.boolean("backend.allow_http", false, "Accept http:// backend URLs (not only https://).");
  schema.integer("backend.timeout", 10, 1, 300, "Seconds a request to Nextcloud may take.");
  schema.integer("backend.connections_per_host", 8, 1, 1024, "Concurrent requests to one Nextcloud host.");
  schema.boolean("backend.skip_verify", false, "Do not verify Nextcloud's TLS certificate (development only).");

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

std::string normaliseUrl(const config::Settings& settings, std::string url)
{
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) {
    fail(settings, "urls", "expected an http:// or https:// URL, got \"" + url + "\"");
  }
  if (url.back() != '/') {
    url += '/';
  }
  return url;
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
  for (const config::Settings& entry : own.getGroupList("backends")) {
    BackendSettings backend;
    backend.id = entry.getString("id");
    if (backend.id.empty()) {
      fail(entry, "id", "every backend needs an id");
    }
    for (const BackendSettings& other : runtime.backends) {
      if (other.id == backend.id) {
        fail(entry, "id", "backend id \"" + backend.id + "\" is used twice");
      }
    }
    for (const std::string& url : entry.getStringList("urls")) {
      backend.urls.push_back(normaliseUrl(entry, url));
    }
    if (backend.urls.empty()) {
      fail(entry, "urls", "every backend needs at least one URL");
    }
    backend.secret = entry.readSecret("secret_file");
    backend.sessionLimit = entry.getInt("session_limit");
    backend.maxStreamBitrate = entry.getInt("max_stream_bitrate");
    backend.maxScreenBitrate = entry.getInt("max_screen_bitrate");
    runtime.backends.push_back(std::move(backend));
  }
  runtime.allowAll = own.getBool("backend.allow_all");
  if (runtime.allowAll) {
    runtime.allowAllSecret = own.readSecret("backend.secret_file");
  }
  runtime.allowHttp = own.getBool("backend.allow_http");
  runtime.backendTimeoutSeconds = own.getInt("backend.timeout");
  runtime.connectionsPerHost = own.getInt("backend.connections_per_host");
  runtime.internalSecret = optionalSecret(own, "clients.internal_secret_file");
  runtime.hashKey = optionalSecret(own, "sessions.hash_key_file");
  runtime.blockKey = optionalSecret(own, "sessions.block_key_file");
  runtime.helloTimeout = own.getNumber("sessions.hello_timeout");
  runtime.roomJoinTimeout = own.getNumber("sessions.room_join_timeout");
  runtime.resumeWindow = own.getNumber("sessions.resume_window");
  runtime.trustedProxies = own.getStringList("http.trusted_proxies");
  runtime.maxMessageBytes = own.getInt("http.max_message_size");
  runtime.sendQueueFrames = own.getInt("http.send_queue_frames");
  runtime.statsAllowedIps = own.getStringList("stats.allowed_ips");
  runtime.turnApiKey = optionalSecret(own, "turn.api_key_file");
  runtime.turnServers = own.getStringList("turn.servers");
  if (!runtime.turnApiKey.empty()) {
    runtime.turnSecret = optionalSecret(common, "turn.secret_file");
  }
  return runtime;
}

}
