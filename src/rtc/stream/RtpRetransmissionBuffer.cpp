#include "rtc/stream/RtpRetransmissionBuffer.hpp"

#include <cstring>

namespace talk::rtc {

namespace {

size_t roundUpPowerOfTwo(size_t n) noexcept
{
  size_t p = 1;
  while (p < n && p < (size_t{1} << 16)) {
    p <<= 1;
  }
  return p;
}

}

RtpRetransmissionBuffer::RtpRetransmissionBuffer(size_t slots, int64_t maxAgeMs) :
  d_slots(roundUpPowerOfTwo(slots == 0 ? 1 : slots)),
  d_maxAgeMs(maxAgeMs),
  d_meta(std::make_unique<Slot[]>(d_slots)),
  d_storage(std::make_unique<uint8_t[]>(d_slots * MaxPacketSize))
{
}

bool RtpRetransmissionBuffer::store(const RtpPacket& packet, int64_t nowMs) noexcept
{
  if (packet.size() > MaxPacketSize) {
    return false;
  }
  size_t index = packet.sequenceNumber() & (d_slots - 1);
  Slot& slot = d_meta[index];
  std::memcpy(d_storage.get() + index * MaxPacketSize, packet.bytes().data(), packet.size());
  slot.seq = packet.sequenceNumber();
  slot.size = static_cast<uint16_t>(packet.size());
  slot.storedMs = nowMs;
  slot.resentMs = 0;
  return true;
}

std::optional<RtpPacket> RtpRetransmissionBuffer::get(uint16_t seq, int64_t nowMs, int64_t rttMs) noexcept
{
  size_t index = seq & (d_slots - 1);
  Slot& slot = d_meta[index];
  if (slot.size == 0 || slot.seq != seq || nowMs - slot.storedMs > d_maxAgeMs) {
    return std::nullopt;
  }
  if (slot.resentMs != 0 && nowMs - slot.resentMs < rttMs) {
    return std::nullopt;
  }
  auto packet = RtpPacket::parse(std::span<uint8_t>(d_storage.get() + index * MaxPacketSize, slot.size));
  if (!packet) {
    return std::nullopt;
  }
  slot.resentMs = nowMs == 0 ? 1 : nowMs;
  return packet;
}

void RtpRetransmissionBuffer::clear() noexcept
{
  for (size_t i = 0; i < d_slots; ++i) {
    d_meta[i] = Slot{};
  }
}

}
