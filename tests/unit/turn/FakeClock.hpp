#pragma once
// A Clock the test moves by hand.
#include "common/util/Clock.hpp"

namespace talk::test {

class FakeClock final : public Clock
{
public:
  explicit FakeClock(int64_t unixSeconds = 1700000000) :
    d_unix(unixSeconds) {}

  int64_t unixSeconds() const override { return d_unix; }
  int64_t monotonicMs() const override { return d_monotonicMs; }

  void advance(int64_t seconds)
  {
    d_unix += seconds;
    d_monotonicMs += seconds * 1000;
  }
  void setUnix(int64_t seconds) { d_unix = seconds; }

private:
  int64_t d_unix;
  int64_t d_monotonicMs = 1000000;
};

}
