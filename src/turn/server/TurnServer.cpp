#define TLOG_COMPONENT "turn"
#include "turn/server/TurnServer.hpp"

#include "common/crypto/Crypto.hpp"
#include "common/log/Logger.hpp"
#include "turn/server/PortAllocator.hpp"
#include "turn/server/QuotaTracker.hpp"
#include "turn/server/TurnMetrics.hpp"
#include "turn/server/TurnWorker.hpp"

#include <atomic>

namespace talk::turn {

// A worker on its own thread: loop, inbox for commands from the main thread, the worker.
struct TurnServer::Thread
{
  ev::EventLoop loop;
  ev::AsyncInbox<std::function<void()>> inbox{loop, [](std::function<void()>&& f) { f(); }};
  std::unique_ptr<TurnWorker> worker;
  std::atomic<size_t> allocations{0};
  std::thread thread;
};

TurnServer::TurnServer(daemon::Context& context) :
  d_context(context)
{
}

TurnServer::~TurnServer()
{
  stopThreads();
}

void TurnServer::start()
{
  d_config = parseTurnConfig(d_context.own);
  d_runtime = std::make_shared<const TurnRuntime>(parseTurnRuntime(d_context.common, d_context.own, d_config));
  for (const RelayAddress& relay : d_config.relays) {
    d_ports.push_back(std::make_unique<PortAllocator>(d_config.minPort, d_config.maxPort));
    TLOG_INFO("relay address local=%s advertised=%s ports=%u-%u", relay.local.ip().c_str(), relay.advertised.ip().c_str(),
              d_config.minPort, d_config.maxPort);
  }
  d_quotas = std::make_unique<QuotaTracker>();
  d_metrics = std::make_unique<TurnMetrics>(d_context.metrics);
  d_shared = std::make_unique<WorkerShared>(WorkerShared{d_config, d_ports, *d_quotas, *d_metrics, {}, d_clock});
  if (!d_config.nonceSecret.empty()) {
    d_shared->nonceKey = crypto::sha256(crypto::bytes(d_config.nonceSecret));
  }
  else {
    crypto::randomBytes(d_shared->nonceKey);
  }

  const bool reusePort = d_config.threads > 1;
  d_mainWorker = std::make_unique<TurnWorker>(d_context.loop, *d_shared, 0, d_runtime);
  d_mainWorker->start(reusePort);
  for (unsigned i = 1; i < d_config.threads; ++i) {
    auto thread = std::make_unique<Thread>();
    thread->worker = std::make_unique<TurnWorker>(thread->loop, *d_shared, i, d_runtime);
    // Bound here, on the main thread, so a bind error fails startup; the loop starts
    // running only below (the thread start orders these writes before its reads).
    thread->worker->start(reusePort);
    d_threads.push_back(std::move(thread));
  }
  for (auto& thread : d_threads) {
    Thread* raw = thread.get();
    raw->thread = std::thread([raw] { raw->loop.run(); });
  }
  for (const ListenSpec& spec : d_config.listen) {
    TLOG_NOTICE("listening transport=%s address=%s threads=%u", transportName(spec.transport), spec.address.toString().c_str(),
                d_config.threads);
  }
  d_context.metrics.gaugeCallback("talk_turn_relay_ports_in_use", "Relay ports in use or reserved.", [this] {
    double total = 0;
    for (const auto& ports : d_ports) {
      total += static_cast<double>(ports->inUse());
    }
    return total;
  });
  d_started = true;
}

void TurnServer::reload(const config::Settings& common, const config::Settings& own)
{
  // Immutable keys: parse them again only to warn that a change needs a restart.
  TurnConfig fresh = parseTurnConfig(own);
  if (fresh.listen.size() != d_config.listen.size() || fresh.minPort != d_config.minPort || fresh.maxPort != d_config.maxPort ||
      fresh.threads != d_config.threads || fresh.relays.size() != d_config.relays.size()) {
    TLOG_WARN("reload: listen, relay.*, threads and auth.nonce_* are fixed at start; restart to apply their changes");
  }
  auto runtime = std::make_shared<const TurnRuntime>(parseTurnRuntime(common, own, d_config));
  d_runtime = runtime;
  d_mainWorker->setRuntime(runtime);
  for (auto& thread : d_threads) {
    TurnWorker* worker = thread->worker.get();
    thread->inbox.post([worker, runtime] { worker->setRuntime(runtime); });
  }
  TLOG_NOTICE("reloaded realm=%s rest_secrets=%zu static_users=%zu tls=%s", runtime->realm.c_str(),
              runtime->credentials->rest.settings().secrets.size(), runtime->credentials->users.size(),
              runtime->tls ? "yes" : "no");
}

void TurnServer::stopThreads()
{
  for (auto& thread : d_threads) {
    Thread* raw = thread.get();
    if (raw->thread.joinable()) {
      raw->inbox.post([raw] {
        raw->worker->shutdown();
        raw->loop.stop();
      });
    }
  }
  for (auto& thread : d_threads) {
    if (thread->thread.joinable()) {
      thread->thread.join();
    }
  }
  d_threads.clear();
}

void TurnServer::stop(std::function<void()> done)
{
  stopThreads();
  if (d_mainWorker) {
    d_mainWorker->shutdown();
  }
  done();
}

std::string TurnServer::status() const
{
  if (!d_started) {
    return "starting";
  }
  return "allocations=" + std::to_string(d_quotas->total()) + " threads=" + std::to_string(d_config.threads);
}

std::string TurnServer::statusJson() const
{
  if (!d_started) {
    return {};
  }
  std::string out = "{\"allocations\":" + std::to_string(d_quotas->total()) + ",\"threads\":" + std::to_string(d_config.threads) +
    ",\"listen\":[";
  for (size_t i = 0; i < d_config.listen.size(); ++i) {
    out += (i != 0 ? ",\"" : "\"") + d_config.listen[i].text + "\"";
  }
  out += "],\"relay\":[";
  for (size_t i = 0; i < d_config.relays.size(); ++i) {
    out += std::string(i != 0 ? "," : "") + "{\"local\":\"" + d_config.relays[i].local.ip() + "\",\"advertised\":\"" +
      d_config.relays[i].advertised.ip() + "\",\"ports_in_use\":" + std::to_string(d_ports[i]->inUse()) + "}";
  }
  out += "],\"port_range\":[" + std::to_string(d_config.minPort) + "," + std::to_string(d_config.maxPort) + "]}";
  return out;
}

std::vector<std::pair<Transport, SocketAddress>> TurnServer::boundListeners() const
{
  return d_mainWorker ? d_mainWorker->boundListeners() : std::vector<std::pair<Transport, SocketAddress>>{};
}

}
