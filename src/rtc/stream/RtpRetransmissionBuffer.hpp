#pragma once
// RtpRetransmissionBuffer: the sending side's packet history for answering NACKs. A fixed ring
// of `slots` copies, keyed by sequence number (seq % slots), in one buffer allocated at
// construction; storing and looking up never allocate. An entry is served only if its
// sequence number matches (no stale slot reuse) and it is younger than maxAgeMs, and at most
// once per RTT (a burst of duplicate NACKs does not multiply traffic).
#include "rtc/rtp/RtpPacket.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

namespace talk::rtc {

class RtpRetransmissionBuffer
{
public:
  static constexpr size_t MaxPacketSize = 1500;

  // `slots` must be a power of two (rounded up otherwise); Janus keeps >= 200 ms and up to 1 s
  // of video, so 1024 slots cover a 4 Mbit/s stream for about 1 s.
  explicit RtpRetransmissionBuffer(size_t slots = 1024, int64_t maxAgeMs = 1000);

  // Copies the packet (as sent: rewritten seq/ssrc) into its slot. False if it is larger than
  // MaxPacketSize.
  bool store(const RtpPacket& packet, int64_t nowMs) noexcept;

  // The stored packet for `seq`, to retransmit at nowMs (the view points into the buffer: copy
  // before protecting it). nullopt when not stored, too old, or resent within rttMs.
  std::optional<RtpPacket> get(uint16_t seq, int64_t nowMs, int64_t rttMs = 0) noexcept;

  size_t slots() const noexcept { return d_slots; }
  void clear() noexcept;

private:
  struct Slot
  {
    uint16_t seq = 0;
    uint16_t size = 0; // 0 = empty
    int64_t storedMs = 0;
    int64_t resentMs = 0;
  };

  size_t d_slots;
  int64_t d_maxAgeMs;
  std::unique_ptr<Slot[]> d_meta;
  std::unique_ptr<uint8_t[]> d_storage;
};

}
