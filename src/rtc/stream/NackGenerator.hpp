#pragma once
// NackGenerator: the receiving side of RFC 4585 generic NACK for one incoming stream. It sees
// every sequence number that arrives, remembers the missing ones (bounded list), and hands out
// the ones due for a NACK: first right away, then again every max(RTT, MinRetryIntervalMs)
// until MaxRetries; a sequence that is still missing after that is given up, and so is the
// whole list when it overflows or a gap is too large to repair — both ask for a keyframe (PLI)
// instead. A keyframe arrival clears everything older than it. Fixed storage, no allocation.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace talk::rtc {

class NackGenerator
{
public:
  static constexpr size_t MaxMissing = 512;   // entries kept at once
  static constexpr uint16_t MaxGap = 1000;    // larger jumps are a new stream position: PLI
  static constexpr unsigned MaxRetries = 10;
  static constexpr int64_t MinRetryIntervalMs = 20;
  static constexpr int64_t DefaultRttMs = 100;

  // Feeds one arrived packet. Returns true when the caller should request a keyframe now (a
  // gap too large, or the missing list overflowed).
  bool onPacket(uint16_t seq, bool keyframe) noexcept;

  // Writes the sequence numbers due for a NACK at `nowMs` into `out` (up to its size), marks
  // them sent, and drops entries that reached MaxRetries. Returns how many were written.
  size_t collect(int64_t nowMs, int64_t rttMs, std::span<uint16_t> out) noexcept;

  // True once since the last call when collect() gave up on a packet: request a keyframe.
  bool takeKeyframeRequest() noexcept;

  size_t missingCount() const noexcept { return d_count; }
  void reset() noexcept;

private:
  struct Entry
  {
    uint16_t seq = 0;
    uint8_t retries = 0;
    int64_t lastSentMs = 0;
  };
  void add(uint16_t seq) noexcept;
  void remove(size_t index) noexcept;
  void removeOlderThan(uint16_t seq) noexcept;

  bool d_started = false;
  uint16_t d_highest = 0;
  std::array<Entry, MaxMissing> d_entries{}; // sorted oldest first
  size_t d_count = 0;
  bool d_keyframeRequest = false;
};

}
