#pragma once
// Allocation counts per real user and in total, shared by all worker loops (a mutex: only
// Allocate and delete touch it). Limits come from the runtime settings and may change on
// SIGHUP; counts are kept across reloads. Each allocation is counted exactly once and
// released exactly once (spec §5).
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace talk::turn {

class QuotaTracker
{
public:
  // Counts one allocation for user unless a limit (0 = none) would be exceeded.
  bool tryAcquire(const std::string& user, uint64_t perUserLimit, uint64_t totalLimit);
  void release(const std::string& user);
  uint64_t total() const;
  uint64_t forUser(const std::string& user) const;

private:
  // State
  mutable std::mutex d_mutex;
  std::unordered_map<std::string, uint64_t> d_perUser;
  uint64_t d_total{0};
};

}
