#include "rtc/rtcp/RtcpWriter.hpp"

#include "common/util/ByteWriter.hpp"
#include "rtc/rtcp/TransportCc.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace talk::rtc::rtcp {

namespace {

void storeReportBlock(std::span<uint8_t> out, size_t at, const ReportBlock& r) noexcept
{
  ByteWriter::storeU32(out, at, r.ssrc);
  int32_t lost = std::clamp(r.cumulativeLost, int32_t{-0x800000}, int32_t{0x7fffff});
  auto lost24 = static_cast<uint32_t>(lost) & 0xffffff;
  ByteWriter::storeU32(out, at + 4, (static_cast<uint32_t>(r.fractionLost) << 24) | lost24);
  ByteWriter::storeU32(out, at + 8, r.extendedHighestSeq);
  ByteWriter::storeU32(out, at + 12, r.jitter);
  ByteWriter::storeU32(out, at + 16, r.lastSr);
  ByteWriter::storeU32(out, at + 20, r.delaySinceLastSr);
}

}

std::span<uint8_t> CompoundWriter::begin(uint8_t count, PacketType type, size_t size) noexcept
{
  if (!d_ok || count > 31 || size % 4 != 0 || size < 4 || size > 4 * 65536 || d_buf.size() - d_pos < size) {
    d_ok = false;
    return {};
  }
  std::span<uint8_t> out = d_buf.subspan(d_pos, size);
  out[0] = static_cast<uint8_t>(0x80 | count);
  out[1] = static_cast<uint8_t>(type);
  ByteWriter::storeU16(out, 2, static_cast<uint16_t>(size / 4 - 1));
  d_pos += size;
  return out;
}

bool CompoundWriter::addSenderReport(const SenderInfo& info, std::span<const ReportBlock> reports) noexcept
{
  auto out = begin(static_cast<uint8_t>(std::min<size_t>(reports.size(), 32)), PacketType::SenderReport,
                   28 + reports.size() * ReportBlockSize);
  if (out.empty()) {
    return false;
  }
  ByteWriter::storeU32(out, 4, info.ssrc);
  ByteWriter::storeU32(out, 8, info.ntpSeconds);
  ByteWriter::storeU32(out, 12, info.ntpFraction);
  ByteWriter::storeU32(out, 16, info.rtpTimestamp);
  ByteWriter::storeU32(out, 20, info.packetCount);
  ByteWriter::storeU32(out, 24, info.octetCount);
  for (size_t i = 0; i < reports.size(); ++i) {
    storeReportBlock(out, 28 + i * ReportBlockSize, reports[i]);
  }
  return true;
}

bool CompoundWriter::addReceiverReport(uint32_t ssrc, std::span<const ReportBlock> reports) noexcept
{
  auto out = begin(static_cast<uint8_t>(std::min<size_t>(reports.size(), 32)), PacketType::ReceiverReport,
                   8 + reports.size() * ReportBlockSize);
  if (out.empty()) {
    return false;
  }
  ByteWriter::storeU32(out, 4, ssrc);
  for (size_t i = 0; i < reports.size(); ++i) {
    storeReportBlock(out, 8 + i * ReportBlockSize, reports[i]);
  }
  return true;
}

bool CompoundWriter::addSdesCname(uint32_t ssrc, std::string_view cname) noexcept
{
  if (cname.size() > 255) {
    d_ok = false;
    return false;
  }
  // SSRC, item (type, length, text), at least one NUL terminator, padded to 4.
  size_t chunk = 4 + 2 + cname.size() + 1;
  size_t size = 4 + ((chunk + 3) & ~size_t{3});
  auto out = begin(1, PacketType::SourceDescription, size);
  if (out.empty()) {
    return false;
  }
  std::memset(out.data() + 4, 0, size - 4);
  ByteWriter::storeU32(out, 4, ssrc);
  out[8] = SourceDescription::ItemCname;
  out[9] = static_cast<uint8_t>(cname.size());
  std::memcpy(out.data() + 10, cname.data(), cname.size());
  return true;
}

bool CompoundWriter::addBye(std::span<const uint32_t> ssrcs, std::string_view reason) noexcept
{
  if (reason.size() > 255) {
    d_ok = false;
    return false;
  }
  size_t reasonBytes = reason.empty() ? 0 : ((1 + reason.size() + 3) & ~size_t{3});
  auto out = begin(static_cast<uint8_t>(std::min<size_t>(ssrcs.size(), 32)), PacketType::Bye,
                   4 + 4 * ssrcs.size() + reasonBytes);
  if (out.empty()) {
    return false;
  }
  for (size_t i = 0; i < ssrcs.size(); ++i) {
    ByteWriter::storeU32(out, 4 + 4 * i, ssrcs[i]);
  }
  if (!reason.empty()) {
    size_t at = 4 + 4 * ssrcs.size();
    std::memset(out.data() + at, 0, reasonBytes);
    out[at] = static_cast<uint8_t>(reason.size());
    std::memcpy(out.data() + at + 1, reason.data(), reason.size());
  }
  return true;
}

bool CompoundWriter::addNack(uint32_t senderSsrc, uint32_t mediaSsrc, std::span<const uint16_t> lost) noexcept
{
  if (lost.empty()) {
    d_ok = false;
    return false;
  }
  // Group into items: each lost number either sets a bit of an open item within 16 after its
  // PID, or opens a new one. The input is sorted in wrapping order into a small local copy.
  constexpr size_t MaxItems = 256;
  std::array<uint32_t, MaxItems> items{}; // pid << 16 | blp
  size_t count = 0;
  std::array<uint16_t, MaxItems> sorted{};
  size_t n = std::min(lost.size(), MaxItems);
  std::copy_n(lost.begin(), n, sorted.begin());
  uint16_t first = sorted[0];
  std::sort(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(n), [first](uint16_t a, uint16_t b) {
    return static_cast<uint16_t>(a - first + 0x8000) < static_cast<uint16_t>(b - first + 0x8000);
  });
  for (size_t i = 0; i < n; ++i) {
    uint16_t seq = sorted[i];
    if (count > 0) {
      auto pid = static_cast<uint16_t>(items[count - 1] >> 16);
      auto diff = static_cast<uint16_t>(seq - pid);
      if (diff == 0) {
        continue;
      }
      if (diff <= 16) {
        items[count - 1] |= 1u << (diff - 1);
        continue;
      }
    }
    items[count++] = static_cast<uint32_t>(seq) << 16;
  }
  auto out = begin(fmt::GenericNack, PacketType::TransportFeedback, 12 + 4 * count);
  if (out.empty()) {
    return false;
  }
  ByteWriter::storeU32(out, 4, senderSsrc);
  ByteWriter::storeU32(out, 8, mediaSsrc);
  for (size_t i = 0; i < count; ++i) {
    ByteWriter::storeU32(out, 12 + 4 * i, items[i]);
  }
  return true;
}

bool CompoundWriter::addPli(uint32_t senderSsrc, uint32_t mediaSsrc) noexcept
{
  auto out = begin(fmt::Pli, PacketType::PayloadFeedback, 12);
  if (out.empty()) {
    return false;
  }
  ByteWriter::storeU32(out, 4, senderSsrc);
  ByteWriter::storeU32(out, 8, mediaSsrc);
  return true;
}

bool CompoundWriter::addFir(uint32_t senderSsrc, std::span<const FirEntry> entries) noexcept
{
  if (entries.empty()) {
    d_ok = false;
    return false;
  }
  auto out = begin(fmt::Fir, PacketType::PayloadFeedback, 12 + 8 * entries.size());
  if (out.empty()) {
    return false;
  }
  ByteWriter::storeU32(out, 4, senderSsrc);
  ByteWriter::storeU32(out, 8, 0);
  for (size_t i = 0; i < entries.size(); ++i) {
    ByteWriter::storeU32(out, 12 + 8 * i, entries[i].ssrc);
    ByteWriter::storeU32(out, 16 + 8 * i, static_cast<uint32_t>(entries[i].seqNr) << 24);
  }
  return true;
}

bool CompoundWriter::addRemb(uint32_t senderSsrc, uint64_t bitrate, std::span<const uint32_t> ssrcs) noexcept
{
  if (ssrcs.size() > Remb::MaxSsrcs) {
    d_ok = false;
    return false;
  }
  uint8_t exp = 0;
  while ((bitrate >> exp) > 0x3ffff) {
    ++exp;
  }
  auto mantissa = static_cast<uint32_t>(bitrate >> exp);
  auto out = begin(fmt::ApplicationLayer, PacketType::PayloadFeedback, 20 + 4 * ssrcs.size());
  if (out.empty()) {
    return false;
  }
  ByteWriter::storeU32(out, 4, senderSsrc);
  ByteWriter::storeU32(out, 8, 0);
  out[12] = 'R';
  out[13] = 'E';
  out[14] = 'M';
  out[15] = 'B';
  out[16] = static_cast<uint8_t>(ssrcs.size());
  out[17] = static_cast<uint8_t>((exp << 2) | (mantissa >> 16));
  out[18] = static_cast<uint8_t>(mantissa >> 8);
  out[19] = static_cast<uint8_t>(mantissa);
  for (size_t i = 0; i < ssrcs.size(); ++i) {
    ByteWriter::storeU32(out, 20 + 4 * i, ssrcs[i]);
  }
  return true;
}

bool CompoundWriter::addTransportCc(const TransportCcBuilder& feedback) noexcept
{
  size_t size = feedback.serializedSize();
  if (!d_ok || feedback.empty() || d_buf.size() - d_pos < size) {
    d_ok = false;
    return false;
  }
  size_t written = feedback.serialize(d_buf.subspan(d_pos, size));
  if (written != size) {
    d_ok = false;
    return false;
  }
  d_pos += size;
  return true;
}

}
