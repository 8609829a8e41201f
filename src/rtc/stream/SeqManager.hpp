#pragma once
// SeqManager: rewrites a wrapping sequence space (RTP sequence numbers, 16 bits; VP8 PictureID,
// 15 bits; TL0PICIDX, 8 bits) so the receiver sees one continuous stream although the SFU
// switches sources (simulcast layers, a new publisher PC) and drops packets (temporal layers).
//
// - input(in) maps an incoming number to its outgoing one. Reordered and repeated inputs map
//   to the same outputs as they would have in order.
// - drop(in) marks an input as deliberately not forwarded; later inputs shift down by one so
//   the receiver sees no hole (and does not NACK). Drops older than the newest input are
//   recorded too, as long as they are within the history window.
// - sync(in) starts a new source: `in` becomes the next output after the last one sent.
// No allocation: the drop history is a fixed ring.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace talk::rtc {

template <unsigned Bits>
class SeqManager
{
public:
  static_assert(Bits >= 2 && Bits <= 16);
  static constexpr uint32_t Modulus = 1u << Bits;
  static constexpr uint32_t Mask = Modulus - 1;
  static constexpr size_t HistorySize = 128;

  // The next input starts the stream; its output is `firstOutput`.
  void reset(uint16_t firstOutput = 0) noexcept
  {
    d_started = false;
    d_syncPending = true;
    d_nextOutputAfterSync = firstOutput & Mask;
    d_drops = 0;
    d_dropHead = 0;
  }

  // Marks a source switch: the next input() (== `in`, the first packet of the new source)
  // continues right after the highest output so far.
  void sync() noexcept
  {
    d_syncPending = true;
    d_nextOutputAfterSync = d_started ? ((d_maxOutput + 1) & Mask) : d_nextOutputAfterSync;
    d_drops = 0;
    d_dropHead = 0;
  }

  // Maps `in`; nullopt if `in` was dropped, or is older than the current source's start.
  std::optional<uint16_t> input(uint16_t in) noexcept
  {
    in &= Mask;
    if (d_syncPending) {
      d_syncPending = false;
      d_base = in;
      d_offset = (d_nextOutputAfterSync - in) & Mask;
      d_maxInput = in;
      d_maxOutput = (in + d_offset) & Mask;
      d_started = true;
      return static_cast<uint16_t>(d_maxOutput);
    }
    if (!newerOrEqual(in, d_base)) {
      return std::nullopt; // from before the switch
    }
    if (isDropped(in)) {
      return std::nullopt;
    }
    uint32_t shift = dropsBefore(in);
    uint32_t out = (in + d_offset - shift) & Mask;
    if (newer(in, d_maxInput)) {
      d_maxInput = in;
    }
    if (newer(out, d_maxOutput)) {
      d_maxOutput = out;
    }
    return static_cast<uint16_t>(out);
  }

  // Records that `in` is not forwarded. Call before (or instead of) input() for that packet.
  void drop(uint16_t in) noexcept
  {
    in &= Mask;
    if (d_syncPending) {
      return; // nothing sent from this source yet: the first forwarded input syncs anyway
    }
    if (!newerOrEqual(in, d_base) || isDropped(in)) {
      return;
    }
    if (newer(in, d_maxInput)) {
      d_maxInput = in;
    }
    if (d_drops == HistorySize) {
      // The oldest recorded drop (at the head) leaves the window: fold it into the offset.
      d_offset = (d_offset - 1) & Mask;
      d_base = (d_dropRing[d_dropHead] + 1u) & Mask;
      --d_drops;
    }
    d_dropRing[d_dropHead] = static_cast<uint16_t>(in);
    d_dropHead = (d_dropHead + 1) % HistorySize;
    ++d_drops;
  }

  bool started() const noexcept { return d_started; }
  uint16_t maxOutput() const noexcept { return static_cast<uint16_t>(d_maxOutput); }

  // a is newer than b in the wrapping space (half-range rule).
  static bool newer(uint32_t a, uint32_t b) noexcept
  {
    uint32_t d = (a - b) & Mask;
    return d != 0 && d < Modulus / 2;
  }
  static bool newerOrEqual(uint32_t a, uint32_t b) noexcept { return a == b || newer(a, b); }

private:
  bool isDropped(uint32_t in) const noexcept
  {
    for (size_t i = 0; i < d_drops; ++i) {
      if (d_dropRing[(d_dropHead + HistorySize - 1 - i) % HistorySize] == in) {
        return true;
      }
    }
    return false;
  }
  uint32_t dropsBefore(uint32_t in) const noexcept
  {
    uint32_t n = 0;
    for (size_t i = 0; i < d_drops; ++i) {
      if (newer(in, d_dropRing[(d_dropHead + HistorySize - 1 - i) % HistorySize])) {
        ++n;
      }
    }
    return n;
  }

  bool d_started = false;
  bool d_syncPending = true;
  uint32_t d_nextOutputAfterSync = 0;
  uint32_t d_base = 0;   // first input of the current source (inputs older than this are stale)
  uint32_t d_offset = 0; // out = in + offset - drops before in
  uint32_t d_maxInput = 0;
  uint32_t d_maxOutput = 0;
  std::array<uint16_t, HistorySize> d_dropRing{};
  size_t d_dropHead = 0;
  size_t d_drops = 0;
};

using RtpSeqManager = SeqManager<16>;

}
