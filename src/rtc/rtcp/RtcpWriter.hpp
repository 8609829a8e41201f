#pragma once
// Builds a compound RTCP packet into a caller buffer, one packet kind per add*() call. Each
// call either appends a complete, correctly padded packet or (buffer too small, too many
// items for the count field) appends nothing and makes ok() false. No allocation.
#include "rtc/rtcp/Rtcp.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace talk::rtc::rtcp {

class TransportCcBuilder;

class CompoundWriter
{
public:
  explicit CompoundWriter(std::span<uint8_t> buffer) noexcept :
    d_buf(buffer) {}

  bool addSenderReport(const SenderInfo& info, std::span<const ReportBlock> reports = {}) noexcept;
  bool addReceiverReport(uint32_t ssrc, std::span<const ReportBlock> reports = {}) noexcept;
  bool addSdesCname(uint32_t ssrc, std::string_view cname) noexcept; // cname <= 255 bytes
  bool addBye(std::span<const uint32_t> ssrcs, std::string_view reason = {}) noexcept;
  // Packs the sorted-or-not list of lost sequence numbers into PID/BLP items (each item
  // covers PID and the 16 following numbers).
  bool addNack(uint32_t senderSsrc, uint32_t mediaSsrc, std::span<const uint16_t> lost) noexcept;
  bool addPli(uint32_t senderSsrc, uint32_t mediaSsrc) noexcept;
  bool addFir(uint32_t senderSsrc, std::span<const FirEntry> entries) noexcept;
  // Bitrate is encoded as 6-bit exponent + 18-bit mantissa, rounded down.
  bool addRemb(uint32_t senderSsrc, uint64_t bitrate, std::span<const uint32_t> ssrcs) noexcept;
  bool addTransportCc(const TransportCcBuilder& feedback) noexcept;

  bool ok() const noexcept { return d_ok; }
  size_t size() const noexcept { return d_pos; }
  std::span<const uint8_t> bytes() const noexcept { return std::span<const uint8_t>(d_buf).first(d_pos); }

private:
  // Reserves `size` bytes (a multiple of 4) and writes the common header; nullptr-equivalent
  // (empty span) when it does not fit.
  std::span<uint8_t> begin(uint8_t count, PacketType type, size_t size) noexcept;

  std::span<uint8_t> d_buf;
  size_t d_pos = 0;
  bool d_ok = true;
};

}
