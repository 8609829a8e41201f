#pragma once
// talk-turn's composition root (style.md rule 1, 3): reads TurnSettings, owns the shared
// relay-port allocators, quotas and metrics, and N TurnWorkers — worker 0 on the daemon's
// main loop, the others on their own threads and loops (architecture.md decision 6).
// Other threads are reached only through each worker's AsyncInbox.
#include "common/daemon/Service.hpp"
#include "common/ev/AsyncInbox.hpp"
#include "common/util/Clock.hpp"
#include "turn/TurnSettings.hpp"

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace talk::turn {

class PortAllocator;
class QuotaTracker;
class TurnMetrics;
class TurnWorker;
struct WorkerShared;

class TurnServer final : public daemon::Service
{
public:
  explicit TurnServer(daemon::Context& context);
  ~TurnServer() override;

  void start() override;
  void reload(const config::Settings& common, const config::Settings& own) override;
  void stop(std::function<void()> done) override;
  std::string status() const override;
  std::string statusJson() const override;

  // For tests: listener addresses actually bound by worker 0.
  std::vector<std::pair<Transport, SocketAddress>> boundListeners() const;

private:
  struct Thread;

  void stopThreads();

  // Passed by argument (not owned)
  daemon::Context& d_context;
  // Owned
  SystemClock d_clock;
  TurnConfig d_config;
  std::vector<std::unique_ptr<PortAllocator>> d_ports;
  std::unique_ptr<QuotaTracker> d_quotas;
  std::unique_ptr<TurnMetrics> d_metrics;
  std::unique_ptr<WorkerShared> d_shared;
  std::unique_ptr<TurnWorker> d_mainWorker;
  std::vector<std::unique_ptr<Thread>> d_threads;
  // State
  std::shared_ptr<const TurnRuntime> d_runtime;
  bool d_started{false};
};

}
