// Reference point for scripts/bench-nats: the same measurements as `talk-nats bench`,
// written the plain cnats way (no event loop adapter, cnats's own threads, blocking
// natsConnection_Request). Output lines have the same format so the script can compare.
#include "nats/cli/BenchStats.hpp"

#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Counter
{
  std::atomic<long long> received{0};
  long long expected{0};
  Clock::time_point end{};
  std::mutex mutex;
  std::condition_variable done;
};

void onMessage(natsConnection* /*nc*/, natsSubscription* /*sub*/, natsMsg* msg, void* closure)
{
  auto* counter = static_cast<Counter*>(closure);
  natsMsg_Destroy(msg);
  if (++counter->received == counter->expected) {
    std::lock_guard lock(counter->mutex);
    counter->end = Clock::now();
    counter->done.notify_all();
  }
}

using talk::nats::bench::cpuMicros;
using talk::nats::bench::percentile;

void onRequest(natsConnection* nc, natsSubscription* /*sub*/, natsMsg* msg, void* /*closure*/)
{
  natsConnection_Publish(nc, natsMsg_GetReply(msg), natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
  natsMsg_Destroy(msg);
}


// sendAsap: what cnats's documentation recommends for a connection that answers
// requests (without it, replies wait for the flusher thread, about a millisecond).
natsConnection* connect(const char* url, bool sendAsap)
{
  natsOptions* opts = nullptr;
  natsConnection* nc = nullptr;
  if (natsOptions_Create(&opts) != NATS_OK || natsOptions_SetURL(opts, url) != NATS_OK ||
      natsOptions_UseGlobalMessageDelivery(opts, true) != NATS_OK || natsOptions_SetSendAsap(opts, sendAsap) != NATS_OK ||
      natsConnection_Connect(&nc, opts) != NATS_OK) {
    std::fprintf(stderr, "plain-cnats-bench: cannot connect to %s: %s\n", url, nats_GetLastError(nullptr));
    std::exit(1);
  }
  natsOptions_Destroy(opts);
  return nc;
}

}

int main(int argc, char** argv)
{
  const char* url = std::getenv("NATS_URL") != nullptr ? std::getenv("NATS_URL") : "nats://127.0.0.1:4222";
  long long msgs = 100000;
  long long size = 128;
  long long requests = 2000;
  bool pubOnly = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "plain-cnats-bench: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--server") {
      url = value();
    }
    else if (arg == "--msgs") {
      msgs = std::atoll(value());
    }
    else if (arg == "--size") {
      size = std::atoll(value());
    }
    else if (arg == "--requests") {
      requests = std::atoll(value());
    }
    else if (arg == "--pub-only") {
      pubOnly = true;
    }
    else {
      std::fprintf(stderr, "usage: plain-cnats-bench [--server URL] [--msgs N] [--size B] [--requests N] [--pub-only]\n");
      return 2;
    }
  }
  if (msgs < 1 || size < 0 || requests < 0) {
    std::fprintf(stderr, "plain-cnats-bench: invalid numbers\n");
    return 2;
  }

  natsConnection* subConn = connect(url, true);
  natsConnection* pubConn = connect(url, false);
  const std::string base = "plain.bench." + std::to_string(::getpid());
  const std::string subject = base + ".pubsub";
  const std::string payload(static_cast<size_t>(size), 'x');

  // Throughput.
  Counter counter;
  counter.expected = msgs;
  natsSubscription* sub = nullptr;
  if (!pubOnly) {
    natsConnection_Subscribe(&sub, subConn, subject.c_str(), onMessage, &counter);
    natsSubscription_SetPendingLimits(sub, -1, -1);
    natsConnection_Flush(subConn);
  }
  Clock::time_point start = Clock::now();
  double cpuStart = cpuMicros();
  for (long long i = 0; i < msgs; ++i) {
    if (natsConnection_Publish(pubConn, subject.c_str(), payload.data(), static_cast<int>(payload.size())) != NATS_OK) {
      std::fprintf(stderr, "plain-cnats-bench: publish failed: %s\n", nats_GetLastError(nullptr));
      return 1;
    }
  }
  Clock::time_point published = Clock::now();
  Clock::time_point end{};
  if (pubOnly) {
    natsConnection_FlushTimeout(pubConn, 60000);
    end = Clock::now();
  }
  else {
    std::unique_lock lock(counter.mutex);
    if (!counter.done.wait_for(lock, std::chrono::seconds(120), [&] { return counter.received == msgs; })) {
      std::fprintf(stderr, "plain-cnats-bench: only %lld of %lld messages arrived\n", counter.received.load(), msgs);
      return 1;
    }
    end = counter.end;
  }
  double cpuPerMessage = (cpuMicros() - cpuStart) / static_cast<double>(msgs);
  double seconds = std::chrono::duration<double>(end - start).count();
  double rate = static_cast<double>(msgs) / seconds;
  std::printf("%s msgs=%lld size=%lld seconds=%.4f msgs_per_s=%.0f mb_per_s=%.2f publish_msgs_per_s=%.0f "
              "cpu_us_per_msg=%.3f\n",
    pubOnly ? "pub" : "pubsub", msgs, size, seconds, rate, rate * static_cast<double>(size) / 1e6,
    static_cast<double>(msgs) / std::chrono::duration<double>(published - start).count(), cpuPerMessage);
  std::fflush(stdout);
  natsSubscription_Destroy(sub);

  // Latency: sequential blocking requests, as a threaded cnats program would do them.
  int rc = 0;
  if (requests > 0) {
    const std::string reqSubject = base + ".request";
    const std::string reqPayload(static_cast<size_t>(size), 'r');
    natsSubscription* responder = nullptr;
    natsConnection_Subscribe(&responder, subConn, reqSubject.c_str(), onRequest, nullptr);
    natsConnection_Flush(subConn);
    long long warmup = std::min<long long>(100, requests / 10 + 1);
    std::vector<double> samples;
    long long errors = 0;
    for (long long i = 0; i < warmup + requests; ++i) {
      natsMsg* reply = nullptr;
      Clock::time_point t0 = Clock::now();
      natsStatus s = natsConnection_Request(&reply, pubConn, reqSubject.c_str(), reqPayload.data(),
        static_cast<int>(reqPayload.size()), 5000);
      Clock::time_point t1 = Clock::now();
      if (s != NATS_OK) {
        ++errors;
        continue;
      }
      natsMsg_Destroy(reply);
      if (i >= warmup) {
        samples.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      }
    }
    std::sort(samples.begin(), samples.end());
    std::printf("request n=%zu size=%lld p50_us=%.1f p90_us=%.1f p99_us=%.1f errors=%lld\n", samples.size(), size,
      percentile(samples, 50), percentile(samples, 90), percentile(samples, 99), errors);
    rc = errors == 0 ? 0 : 1;
    natsSubscription_Destroy(responder);
  }

  natsConnection_Destroy(pubConn);
  natsConnection_Destroy(subConn);
  nats_CloseAndWait(2000);
  return rc;
}
