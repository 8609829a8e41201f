#define TLOG_COMPONENT "sfu"
#include "sfu/SfuServer.hpp"

#include "common/crypto/Crypto.hpp"
#include "common/log/Logger.hpp"
#include "common/util/Clock.hpp"
#include "sfu/control/JanusApi.hpp"
#include "sfu/control/JanusApiServer.hpp"
#include "sfu/media/SignalingOnlyEngine.hpp"

#include <nlohmann/json.hpp>

#include <array>

namespace talk::sfu {

namespace {

// Janus ids: random, non-zero, below 2^53 (JSON numbers clients read as doubles).
uint64_t randomJanusId()
{
  std::array<uint8_t, 8> bytes{};
  uint64_t id = 0;
  while (id == 0) {
    crypto::randomBytes(bytes);
    id = 0;
    for (uint8_t b : bytes) {
      id = (id << 8) | b;
    }
    id &= (uint64_t{1} << 53) - 1;
  }
  return id;
}

}

SfuServer::SfuServer(daemon::Context& context, std::string version)
  : d_context(context), d_version(std::move(version)), d_drainPoll(context.loop, this)
{
}

SfuServer::~SfuServer()
{
  d_server.reset();
  d_api.reset();
  d_engine.reset();
}

void SfuServer::start()
{
  d_config = parseSfuConfig(d_context.own);
  SfuRuntime runtime = parseSfuRuntime(d_context.own, d_version);
  d_engine = std::make_unique<media::SignalingOnlyEngine>();
  d_api = std::make_unique<control::JanusApi>(
    runtime.api, *d_engine, runtime.limits, [] { return SystemClock().monotonicMs(); }, randomJanusId);
  control::JanusApiServerOptions options;
  options.listen = d_config.listen;
  options.maxMessageBytes = d_config.maxMessageBytes;
  options.maxQueuedBytes = d_config.maxQueuedBytes;
  d_server = std::make_unique<control::JanusApiServer>(d_context.loop, *d_api, options);
  d_server->start();
  registerMetrics();
  TLOG_NOTICE("Janus API listening address=%s port=%d media=signaling-only", d_config.listen.c_str(), d_server->port());
}

void SfuServer::registerMetrics()
{
  metrics::Registry& registry = d_context.metrics;
  registry.gaugeCallback("talk_sfu_sessions", "Janus sessions.", [this] { return static_cast<double>(d_api->stats().sessions); });
  registry.gaugeCallback("talk_sfu_handles", "Janus handles.", [this] { return static_cast<double>(d_api->stats().handles); });
  registry.gaugeCallback("talk_sfu_rooms", "VideoRoom rooms.", [this] { return static_cast<double>(d_api->roomStats().rooms); });
  registry.gaugeCallback("talk_sfu_streams", "PeerConnections by role.",
                         [this] { return static_cast<double>(d_api->roomStats().publishers); }, {{"role", "publisher"}});
  registry.gaugeCallback("talk_sfu_streams", "PeerConnections by role.",
                         [this] { return static_cast<double>(d_api->roomStats().subscribers); }, {{"role", "subscriber"}});
  registry.gaugeCallback("talk_sfu_websocket_connections", "Open Janus API WebSockets.",
                         [this] { return static_cast<double>(d_server->connectionCount()); });
  // Counters that only grow, rendered from JanusApi's own (loop-thread) tallies.
  registry.gaugeCallback("talk_sfu_janus_requests", "Janus API requests handled since start.",
                         [this] { return static_cast<double>(d_api->stats().requests); });
  registry.gaugeCallback("talk_sfu_janus_errors", "Janus API error replies since start.",
                         [this] { return static_cast<double>(d_api->stats().errors); });
}

void SfuServer::reload(const config::Settings&, const config::Settings& own)
{
  const SfuConfig config = parseSfuConfig(own);
  if (config.listen != d_config.listen || config.maxMessageBytes != d_config.maxMessageBytes ||
      config.maxQueuedBytes != d_config.maxQueuedBytes) {
    TLOG_WARN("janus.listen, janus.max_message_size and janus.max_queued_bytes change only at restart");
  }
  SfuRuntime runtime = parseSfuRuntime(own, d_version);
  d_api->updateOptions(runtime.api, runtime.limits);
  TLOG_NOTICE("reloaded: session_timeout=%lld secret=%s tokens=%zu", static_cast<long long>(runtime.api.sessionTimeoutSeconds),
              runtime.api.apiSecret.empty() ? "off" : "on", runtime.api.tokens.size());
}

void SfuServer::stop(std::function<void()> done)
{
  if (!d_server) {
    done();
    return;
  }
  d_stopped = std::move(done);
  d_server->drain();
  d_drainPoll.start(0.05, 0.05);
}

void SfuServer::onTimer(ev::Timer&)
{
  if (d_server->connectionCount() == 0 && d_stopped) {
    d_drainPoll.stop();
    auto done = std::move(d_stopped);
    d_stopped = nullptr;
    done();
  }
}

std::string SfuServer::status() const
{
  if (!d_api) {
    return "starting";
  }
  const auto stats = d_api->stats();
  const auto rooms = d_api->roomStats();
  return "sessions=" + std::to_string(stats.sessions) + " rooms=" + std::to_string(rooms.rooms) +
         " publishers=" + std::to_string(rooms.publishers) + " subscribers=" + std::to_string(rooms.subscribers);
}

std::string SfuServer::statusJson() const
{
  if (!d_api) {
    return {};
  }
  const auto stats = d_api->stats();
  const auto rooms = d_api->roomStats();
  return nlohmann::json{{"sessions", stats.sessions}, {"handles", stats.handles}, {"rooms", rooms.rooms},
                        {"publishers", rooms.publishers}, {"subscribers", rooms.subscribers},
                        {"media", "signaling-only"}}.dump();
}

int SfuServer::port() const { return d_server ? d_server->port() : 0; }

}
