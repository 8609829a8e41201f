#pragma once
// Injectable time source: real code uses SystemClock, tests use a fake.
#include <cstdint>
#include <ctime>

namespace talk {

class Clock
{
public:
  virtual ~Clock() = default;
  // Wall-clock seconds since the epoch (for REST credential expiry, nonces).
  virtual int64_t unixSeconds() const = 0;
  // Monotonic milliseconds (for lifetimes and rate limits).
  virtual int64_t monotonicMs() const = 0;
};

class SystemClock final : public Clock
{
public:
  int64_t unixSeconds() const override { return static_cast<int64_t>(std::time(nullptr)); }
  int64_t monotonicMs() const override
  {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
  }
};

}
