#pragma once
// Rewrites RTP timestamps across source switches: the first packet of a new source gets the
// last timestamp sent plus the wall-clock time elapsed since then (at the codec clock rate, at
// least one tick), so the receiver's jitter buffer sees time continue instead of jumping to an
// unrelated random origin.
#include <cstdint>

namespace talk::rtc {

class TimestampRewriter
{
public:
  explicit TimestampRewriter(uint32_t clockRate) noexcept :
    d_clockRate(clockRate) {}

  // The next packet starts a new source.
  void sync() noexcept { d_syncPending = true; }

  // Maps an input timestamp; nowMs is monotonic time of arrival.
  uint32_t rewrite(uint32_t in, int64_t nowMs) noexcept
  {
    if (d_syncPending) {
      d_syncPending = false;
      if (!d_started) {
        d_offset = 0;
      } else {
        int64_t elapsed = nowMs > d_lastSentMs ? nowMs - d_lastSentMs : 0;
        auto ticks = static_cast<uint32_t>(elapsed * d_clockRate / 1000);
        if (ticks == 0) {
          ticks = 1;
        }
        d_offset = d_lastOut + ticks - in;
      }
      d_started = true;
    }
    uint32_t out = in + d_offset;
    if (static_cast<int32_t>(out - d_lastOut) > 0 || d_lastSentMs == 0) {
      d_lastOut = out;
      d_lastSentMs = nowMs;
    }
    return out;
  }

  uint32_t lastOutput() const noexcept { return d_lastOut; }

private:
  uint32_t d_clockRate;
  bool d_started = false;
  bool d_syncPending = true;
  uint32_t d_offset = 0;
  uint32_t d_lastOut = 0;
  int64_t d_lastSentMs = 0;
};

}
