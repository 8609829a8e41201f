#include "rtc/stream/NackGenerator.hpp"

#include "rtc/stream/SeqManager.hpp"

#include <algorithm>

namespace talk::rtc {

namespace {

bool newer(uint16_t a, uint16_t b) noexcept
{
  return RtpSeqManager::newer(a, b);
}

}

void NackGenerator::reset() noexcept
{
  d_started = false;
  d_count = 0;
  d_keyframeRequest = false;
}

bool NackGenerator::onPacket(uint16_t seq, bool keyframe) noexcept
{
  if (!d_started) {
    d_started = true;
    d_highest = seq;
    return false;
  }
  if (!newer(seq, d_highest)) {
    // Late or retransmitted: no longer missing.
    for (size_t i = 0; i < d_count; ++i) {
      if (d_entries[i].seq == seq) {
        remove(i);
        break;
      }
    }
    return false;
  }
  auto gap = static_cast<uint16_t>(seq - d_highest - 1);
  uint16_t previous = d_highest;
  d_highest = seq;
  if (keyframe) {
    // Nothing before a keyframe is needed to decode what follows.
    removeOlderThan(seq);
    return false;
  }
  if (gap == 0) {
    return false;
  }
  if (gap > MaxGap) {
    d_count = 0;
    return true;
  }
  bool overflow = false;
  for (uint16_t i = 1; i <= gap; ++i) {
    if (d_count == MaxMissing) {
      overflow = true;
      // Keep the newest: drop the oldest to make room.
      remove(0);
    }
    add(static_cast<uint16_t>(previous + i));
  }
  return overflow;
}

void NackGenerator::add(uint16_t seq) noexcept
{
  // Appended in increasing order (gaps are filled oldest first).
  d_entries[d_count++] = Entry{seq, 0, 0};
}

void NackGenerator::remove(size_t index) noexcept
{
  std::move(d_entries.begin() + static_cast<std::ptrdiff_t>(index + 1),
            d_entries.begin() + static_cast<std::ptrdiff_t>(d_count),
            d_entries.begin() + static_cast<std::ptrdiff_t>(index));
  --d_count;
}

void NackGenerator::removeOlderThan(uint16_t seq) noexcept
{
  size_t keep = 0;
  for (size_t i = 0; i < d_count; ++i) {
    if (!newer(seq, d_entries[i].seq)) {
      d_entries[keep++] = d_entries[i];
    }
  }
  d_count = keep;
}

size_t NackGenerator::collect(int64_t nowMs, int64_t rttMs, std::span<uint16_t> out) noexcept
{
  int64_t interval = std::max(rttMs > 0 ? rttMs : DefaultRttMs, MinRetryIntervalMs);
  size_t written = 0;
  size_t keep = 0;
  for (size_t i = 0; i < d_count; ++i) {
    Entry e = d_entries[i];
    bool due = e.retries == 0 || nowMs - e.lastSentMs >= interval;
    if (due && e.retries >= MaxRetries) {
      d_keyframeRequest = true; // given up: drop it
      continue;
    }
    if (due && written < out.size()) {
      out[written++] = e.seq;
      e.retries = static_cast<uint8_t>(e.retries + 1);
      e.lastSentMs = nowMs;
    }
    d_entries[keep++] = e;
  }
  d_count = keep;
  return written;
}

bool NackGenerator::takeKeyframeRequest() noexcept
{
  bool r = d_keyframeRequest;
  d_keyframeRequest = false;
  return r;
}

}
