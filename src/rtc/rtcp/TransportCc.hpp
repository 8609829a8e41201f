#pragma once
// Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-
// extensions-01 §3.1): RTPFB FMT 15. TransportCcFeedback parses and validates one packet and
// then iterates its per-packet results; TransportCcBuilder collects arrival times on the
// receiving side (fixed capacity, no allocation) and serialises them.
#include "rtc/rtcp/Rtcp.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace talk::rtc::rtcp {

constexpr int64_t TransportCcDeltaTickUs = 250;      // receive deltas are in 250 us units
constexpr int64_t TransportCcReferenceTickUs = 64000; // reference time is in 64 ms units

class TransportCcFeedback
{
public:
  // Validates the status chunks against packet_status_count and that the receive deltas they
  // announce fit in the packet.
  static std::optional<TransportCcFeedback> parse(const PacketView& p) noexcept;

  const FeedbackHeader& header() const noexcept { return d_header; }
  uint16_t baseSequence() const noexcept { return d_baseSeq; }
  uint16_t packetStatusCount() const noexcept { return d_statusCount; }
  int32_t referenceTime() const noexcept { return d_referenceTime; } // 24-bit signed, 64 ms units
  uint8_t feedbackCount() const noexcept { return d_fbCount; }

  // Calls fn(uint16_t seq, bool received, int64_t arrivalUs) for every reported packet, where
  // arrivalUs is relative to referenceTime()*64ms (0 for lost packets).
  template <typename Fn>
  void forEachPacket(Fn&& fn) const noexcept;

private:
  // Decodes chunks; for each status calls emit(status) with 0 (not received), 1 (small
  // delta), 2 (large or negative delta). Returns the number of delta bytes required, or
  // nullopt when malformed.
  template <typename Emit>
  static std::optional<size_t> decodeChunks(std::span<const uint8_t> chunks, uint16_t count, size_t& chunkBytes,
                                            Emit&& emit) noexcept;

  FeedbackHeader d_header;
  uint16_t d_baseSeq = 0;
  uint16_t d_statusCount = 0;
  int32_t d_referenceTime = 0;
  uint8_t d_fbCount = 0;
  std::span<const uint8_t> d_chunks; // from the first chunk to the end of the body
  size_t d_chunkBytes = 0;
};

class TransportCcBuilder
{
public:
  static constexpr size_t MaxPackets = 1024;

  TransportCcBuilder() = default;
  // Starts a new feedback packet.
  void reset(uint32_t senderSsrc, uint32_t mediaSsrc, uint8_t feedbackCount) noexcept;
  // Records the arrival of transport sequence `seq` at `arrivalUs` (monotonic). Packets must
  // come in increasing sequence order (gaps are reported as lost); a packet that is older than
  // the last added, too far from the previous arrival (the delta exceeds 16 bits of 250 us),
  // or beyond MaxPackets returns false and is not recorded — send the current feedback and
  // reset() then.
  bool addReceived(uint16_t seq, int64_t arrivalUs) noexcept;
  bool empty() const noexcept { return d_count == 0; }
  size_t packetCount() const noexcept { return d_count; }
  // Bytes the serialised packet takes (header included, padded to 4).
  size_t serializedSize() const noexcept;
  // Writes the complete RTCP packet; returns the bytes written, 0 if it does not fit.
  size_t serialize(std::span<uint8_t> out) const noexcept;

private:
  uint32_t d_senderSsrc = 0;
  uint32_t d_mediaSsrc = 0;
  uint8_t d_fbCount = 0;
  uint16_t d_baseSeq = 0;
  int64_t d_referenceUs = 0; // reference time, multiple of 64 ms
  int64_t d_lastUs = 0;
  size_t d_count = 0;        // statuses, received or not
  size_t d_deltaBytes = 0;
  std::array<int16_t, MaxPackets> d_deltas{}; // per status, 250 us units
  std::array<uint8_t, MaxPackets> d_status{}; // 0 lost, 1 small, 2 large
};

template <typename Emit>
std::optional<size_t> TransportCcFeedback::decodeChunks(std::span<const uint8_t> chunks, uint16_t count,
                                                        size_t& chunkBytes, Emit&& emit) noexcept
{
  size_t remaining = count;
  size_t pos = 0;
  size_t deltaBytes = 0;
  while (remaining > 0) {
    if (chunks.size() - pos < 2) {
      return std::nullopt;
    }
    auto chunk = static_cast<uint16_t>((chunks[pos] << 8) | chunks[pos + 1]);
    pos += 2;
    if ((chunk & 0x8000) == 0) { // run length chunk
      uint8_t symbol = (chunk >> 13) & 0x3;
      size_t run = chunk & 0x1fff;
      if (symbol == 3 || run == 0) {
        return std::nullopt;
      }
      if (run > remaining) {
        run = remaining; // the last run may cover more than the count; only count matters
      }
      for (size_t i = 0; i < run; ++i) {
        emit(symbol);
      }
      deltaBytes += symbol == 0 ? 0 : run * symbol;
      remaining -= run;
    } else if ((chunk & 0x4000) == 0) { // status vector, 14 one-bit symbols
      for (int bit = 13; bit >= 0 && remaining > 0; --bit, --remaining) {
        uint8_t symbol = (chunk >> bit) & 0x1;
        emit(symbol);
        deltaBytes += symbol;
      }
    } else { // status vector, 7 two-bit symbols
      for (int sym = 6; sym >= 0 && remaining > 0; --sym, --remaining) {
        uint8_t symbol = (chunk >> (sym * 2)) & 0x3;
        if (symbol == 3) {
          return std::nullopt;
        }
        emit(symbol);
        deltaBytes += symbol;
      }
    }
  }
  chunkBytes = pos;
  return deltaBytes;
}

template <typename Fn>
void TransportCcFeedback::forEachPacket(Fn&& fn) const noexcept
{
  std::span<const uint8_t> deltas = d_chunks.subspan(d_chunkBytes);
  size_t dpos = 0;
  int64_t arrival = 0;
  uint16_t seq = d_baseSeq;
  size_t ignored = 0;
  (void)decodeChunks(d_chunks, d_statusCount, ignored, [&](uint8_t symbol) {
    if (symbol == 0) {
      fn(seq, false, int64_t{0});
    } else if (symbol == 1) {
      arrival += static_cast<int64_t>(deltas[dpos]) * TransportCcDeltaTickUs;
      dpos += 1;
      fn(seq, true, arrival);
    } else {
      auto d = static_cast<int16_t>((deltas[dpos] << 8) | deltas[dpos + 1]);
      arrival += static_cast<int64_t>(d) * TransportCcDeltaTickUs;
      dpos += 2;
      fn(seq, true, arrival);
    }
    seq = static_cast<uint16_t>(seq + 1);
  });
}

}
