#include "sfu/SfuSettings.hpp"

#include "common/http/Server.hpp"
#include "common/util/Error.hpp"

namespace talk::sfu {

void describeSfuSettings(config::Schema& schema)
{
  schema.string("janus.listen", "127.0.0.1:8188",
                "Address of the Janus WebSocket API (subprotocol janus-protocol, path /), as\n"
                "\"IP:PORT\" or \"[IPv6]:PORT\". The API has no authentication unless\n"
                "janus.api_secret_file or janus.tokens_file is set: keep it on loopback or a\n"
                "private network. Fixed at start.");
  schema.secret("janus.api_secret_file", "",
                "File holding an API secret every request except info and ping must carry\n"
                "as \"apisecret\" (Janus's api_secret). \"\" = not required; the signaling\n"
                "server never sends one.");
  schema.secret("janus.tokens_file", "",
                "File with accepted \"token\" values, one per line (# starts a comment);\n"
                "a request needs the API secret or one of these tokens. \"\" = not required.");
  schema.integer("janus.session_timeout", 60, 0, 86400,
                 "Seconds without any request before a Janus session expires (a \"timeout\"\n"
                 "event is sent and its handles and rooms are destroyed); 0 = never.");
  schema.integer("janus.max_message_size", 1 << 20, 256 * 1024, 64 << 20,
                 "Largest WebSocket message accepted (bytes); larger ones close the connection\n"
                 "with 1009. SDP offers reach tens of KB. Fixed at start.");
  schema.integer("janus.max_queued_bytes", 4 << 20, 64 * 1024, 1LL << 30,
                 "Outbound bytes queued for one WebSocket before that client is dropped as\n"
                 "too slow (others keep being served). Fixed at start.");

  schema.integer("limits.max_rooms", 0, 0, 10000000, "Rooms the server holds at most; 0 = unlimited.");
  schema.integer("limits.max_subscribers_per_room", 0, 0, 10000000,
                 "Subscriber PeerConnections one room may have; 0 = unlimited.");
  schema.integer("limits.max_streams", 0, 0, 10000000,
                 "Publisher plus subscriber PeerConnections over all rooms; 0 = unlimited.");
  schema.integer("limits.max_bitrate", 0, 0, 1000000000,
                 "Upper bound (bit/s) for the bitrate a room is created with; 0 = none.");
  schema.integer("limits.default_bitrate", 0, 0, 1000000000,
                 "Room bitrate (bit/s) when the create request names none; 0 = no cap.");
}

SfuConfig parseSfuConfig(const config::Settings& own)
{
  SfuConfig config;
  config.listen = own.getString("janus.listen");
  try {
    http::Server::validateListen(config.listen, "janus.listen");
  }
  catch (const ConfigError& e) {
    throw ConfigError(own.where("janus.listen") + ": " + e.what());
  }
  config.maxMessageBytes = static_cast<size_t>(own.getInt("janus.max_message_size"));
  config.maxQueuedBytes = static_cast<size_t>(own.getInt("janus.max_queued_bytes"));
  if (config.maxQueuedBytes < config.maxMessageBytes) {
    throw ConfigError(own.where("janus.max_queued_bytes") + ": janus.max_queued_bytes: must be at least janus.max_message_size");
  }
  return config;
}

SfuRuntime parseSfuRuntime(const config::Settings& own, const std::string& version)
{
  SfuRuntime runtime;
  if (!own.getString("janus.api_secret_file").empty()) {
    runtime.api.apiSecret = own.readSecret("janus.api_secret_file");
  }
  if (!own.getString("janus.tokens_file").empty()) {
    runtime.api.tokens = own.readSecretLines("janus.tokens_file");
    if (runtime.api.tokens.empty()) {
      throw ConfigError(own.where("janus.tokens_file") + ": janus.tokens_file: the file lists no token");
    }
  }
  runtime.api.sessionTimeoutSeconds = own.getInt("janus.session_timeout");
  if (!version.empty()) {
    runtime.api.versionString = version;
  }
  runtime.limits.maxRooms = static_cast<uint32_t>(own.getInt("limits.max_rooms"));
  runtime.limits.maxSubscribersPerRoom = static_cast<uint32_t>(own.getInt("limits.max_subscribers_per_room"));
  runtime.limits.maxStreams = static_cast<uint32_t>(own.getInt("limits.max_streams"));
  runtime.limits.maxBitrate = static_cast<uint32_t>(own.getInt("limits.max_bitrate"));
  runtime.limits.defaultBitrate = static_cast<uint32_t>(own.getInt("limits.default_bitrate"));
  return runtime;
}

}
