#include "nats/cli/Bench.hpp"

#include "common/ev/EventLoop.hpp"
#include "common/ev/Watchers.hpp"
#include "nats/BusFactory.hpp"
#include "nats/cli/BenchStats.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace talk::nats::cli {

namespace {

using bench::cpuMicros;
using bench::percentile;

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start, Clock::time_point end)
{
  return std::chrono::duration<double>(end - start).count();
}


// Runs the loop until done() is called or the deadline passes.
class Phase : private ev::Timer::Listener
{
public:
  Phase(ev::EventLoop& loop, double seconds) : d_loop(loop), d_deadline(loop, this) { d_deadline.start(seconds); }

  bool run()
  {
    if (!d_done) {
      d_loop.run();
    }
    d_deadline.stop();
    return d_done;
  }

  void done()
  {
    d_done = true;
    d_loop.stop();
  }

private:
  void onTimer(ev::Timer& /*timer*/) override { d_loop.stop(); }

  ev::EventLoop& d_loop;
  ev::Timer d_deadline;
  bool d_done{false};
};

class SlicedPublisher : private ev::Timer::Listener
{
public:
  SlicedPublisher(ev::EventLoop& loop, Bus& bus, std::string subject, const std::string& payload, int64_t count,
    std::function<void()> finished) :
    d_bus(bus), d_subject(std::move(subject)), d_payload(payload), d_left(count), d_finished(std::move(finished)),
    d_timer(loop, this)
  {
    d_timer.start(0.0);
  }

private:
  void onTimer(ev::Timer& /*timer*/) override
  {
    // Slices let the loop write out and read in between, as a daemon's loop would.
    constexpr int Slice = 500;
    for (int i = 0; i < Slice && d_left > 0; ++i, --d_left) {
      d_bus.publish(d_subject, d_payload);
    }
    if (d_left > 0) {
      d_timer.start(0.0);
    }
    else {
      d_finished();
    }
  }

  Bus& d_bus;
  std::string d_subject;
  const std::string& d_payload;
  int64_t d_left;
  std::function<void()> d_finished;
  ev::Timer d_timer;
};

bool flushBus(ev::EventLoop& loop, Bus& bus)
{
  Phase phase(loop, 15.0);
  bool ok = false;
  bus.flush(std::chrono::seconds(10), [&](bool result) {
    ok = result;
    phase.done();
  });
  return phase.run() && ok;
}

int runThroughput(const CliOptions& options, ev::EventLoop& loop, Bus& subBus, Bus& pubBus, const std::string& base)
{
  const int64_t count = options.benchMessages;
  const std::string payload(static_cast<size_t>(options.benchSize), 'x');
  const std::string subject = base + ".pubsub";

  int64_t received = 0;
  Clock::time_point end{};
  Subscription sub;
  if (!options.benchPubOnly) {
    sub = subBus.subscribe(subject, [&](const Message& /*m*/) {
      if (++received == count) {
        end = Clock::now();
      }
    });
    if (!flushBus(loop, subBus)) {
      std::fprintf(stderr, "talk-nats: bench: subscription not confirmed\n");
      return NatsCli::ExitFailure;
    }
  }

  Phase phase(loop, 120.0);
  Clock::time_point start = Clock::now();
  double cpuStart = cpuMicros();
  Clock::time_point published{};
  bool flushed = false;
  SlicedPublisher publisher(loop, pubBus, subject, payload, count, [&] {
    published = Clock::now();
    pubBus.flush(std::chrono::seconds(60), [&](bool ok) {
      flushed = ok;
      if (options.benchPubOnly) {
        end = Clock::now();
        phase.done();
      }
    });
  });
  if (!options.benchPubOnly) {
    // Completion is the last message's arrival: poll cheaply from a repeating timer.
    struct Watch : ev::Timer::Listener
    {
      std::function<void()> fn;
      void onTimer(ev::Timer& /*timer*/) override { fn(); }
    } watch;
    ev::Timer watchTimer(loop, &watch);
    // Wait for the publisher's flush too: its callback refers to this frame's variables.
    watch.fn = [&] {
      if (received == count && flushed) {
        phase.done();
      }
    };
    watchTimer.start(0.001, 0.001);
    phase.run();
  }
  else {
    phase.run();
  }
  if (!flushed || (!options.benchPubOnly && received != count)) {
    std::fprintf(stderr, "talk-nats: bench: only %lld of %lld messages arrived within 120 s\n",
      static_cast<long long>(received), static_cast<long long>(count));
    return NatsCli::ExitFailure;
  }
  double cpuPerMessage = (cpuMicros() - cpuStart) / static_cast<double>(count);
  double seconds = secondsSince(start, end);
  double rate = static_cast<double>(count) / seconds;
  std::printf("%s msgs=%lld size=%lld seconds=%.4f msgs_per_s=%.0f mb_per_s=%.2f publish_msgs_per_s=%.0f "
              "cpu_us_per_msg=%.3f\n",
    options.benchPubOnly ? "pub" : "pubsub", static_cast<long long>(count), static_cast<long long>(options.benchSize),
    seconds, rate, rate * static_cast<double>(options.benchSize) / 1e6,
    static_cast<double>(count) / secondsSince(start, published), cpuPerMessage);
  std::fflush(stdout);
  return NatsCli::ExitOk;
}

int runLatency(const CliOptions& options, ev::EventLoop& loop, Bus& subBus, Bus& pubBus, const std::string& base)
{
  const int64_t count = options.benchRequests;
  const int64_t warmup = std::min<int64_t>(100, count / 10 + 1);
  const std::string payload(static_cast<size_t>(options.benchSize), 'r');
  const std::string subject = base + ".request";

  Subscription responder = subBus.subscribe(subject, [&](const Message& m) { subBus.publish(m.reply, m.payload); });
  if (!flushBus(loop, subBus)) {
    std::fprintf(stderr, "talk-nats: bench: responder not confirmed\n");
    return NatsCli::ExitFailure;
  }

  std::vector<double> samples;
  samples.reserve(static_cast<size_t>(count));
  int64_t sent = 0;
  int64_t errors = 0;
  Phase phase(loop, 120.0);
  std::function<void()> next;
  next = [&] {
    if (sent == warmup + count) {
      phase.done();
      return;
    }
    Clock::time_point start = Clock::now();
    bool measured = sent >= warmup;
    ++sent;
    pubBus.request(subject, payload, std::chrono::seconds(5), [&, start, measured](RequestResult&& result) {
      if (!result.ok()) {
        ++errors;
      }
      else if (measured) {
        samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
      }
      next();
    });
  };
  next();
  if (!phase.run()) {
    std::fprintf(stderr, "talk-nats: bench: requests did not finish within 120 s\n");
    return NatsCli::ExitFailure;
  }
  std::sort(samples.begin(), samples.end());
  std::printf("request n=%lld size=%lld p50_us=%.1f p90_us=%.1f p99_us=%.1f errors=%lld\n",
    static_cast<long long>(samples.size()), static_cast<long long>(options.benchSize), percentile(samples, 50),
    percentile(samples, 90), percentile(samples, 99), static_cast<long long>(errors));
  std::fflush(stdout);
  return errors == 0 ? NatsCli::ExitOk : NatsCli::ExitFailure;
}

}

int Bench::run(const CliOptions& options)
{
  ev::EventLoop loop;
  // Two connections, as two daemons would have: one subscribes/responds, one publishes/asks.
  std::unique_ptr<Bus> subBus = makeBus(loop, options.bus);
  std::unique_ptr<Bus> pubBus = makeBus(loop, options.bus);
  const std::string base = "talk.bench." + std::to_string(::getpid());

  int rc = runThroughput(options, loop, *subBus, *pubBus, base);
  if (rc == NatsCli::ExitOk && options.benchRequests > 0) {
    rc = runLatency(options, loop, *subBus, *pubBus, base);
  }
  return rc;
}

}
