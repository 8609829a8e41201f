#pragma once
// Measurement helpers shared by `talk-nats bench` and the plain cnats program it is
// compared with (tests/bench/plain-cnats-bench.cpp), so both sides measure the same way.
#include <algorithm>
#include <sys/resource.h>
#include <vector>

namespace talk::nats::bench {

// CPU time (user + system, all threads) of this process, in microseconds.
inline double cpuMicros()
{
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6 +
    static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

// Nearest-rank percentile of sorted samples.
inline double percentile(const std::vector<double>& sorted, double p)
{
  if (sorted.empty()) {
    return 0.0;
  }
  auto rank = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size()) + 0.999999);
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

}
