#include "rtc/rtcp/Rtcp.hpp"

#include "common/util/ByteReader.hpp"

namespace talk::rtc::rtcp {

bool looksLikeRtcp(std::span<const uint8_t> data) noexcept
{
  return data.size() >= 4 && (data[0] >> 6) == 2 && data[1] >= 192 && data[1] <= 223;
}

std::optional<PacketView> CompoundReader::next() noexcept
{
  if (d_malformed || d_pos >= d_data.size()) {
    return std::nullopt;
  }
  std::span<const uint8_t> rest = d_data.subspan(d_pos);
  if (rest.size() < 4 || (rest[0] >> 6) != 2) {
    d_malformed = true;
    return std::nullopt;
  }
  size_t size = (static_cast<size_t>(ByteReader::loadU16(rest, 2)) + 1) * 4;
  if (size > rest.size()) {
    d_malformed = true;
    return std::nullopt;
  }
  PacketView view;
  view.count = rest[0] & 0x1f;
  view.type = rest[1];
  view.packet = rest.first(size);
  size_t bodySize = size - 4;
  if ((rest[0] & 0x20) != 0) {
    size_t pad = rest[size - 1];
    if (pad == 0 || pad > bodySize) {
      d_malformed = true;
      return std::nullopt;
    }
    bodySize -= pad;
  }
  view.body = rest.subspan(4, bodySize);
  d_pos += size;
  return view;
}

bool CompoundReader::validate(std::span<const uint8_t> data) noexcept
{
  CompoundReader reader(data);
  size_t packets = 0;
  while (reader.next()) {
    ++packets;
  }
  return packets > 0 && !reader.malformed();
}

ReportBlock decodeReportBlock(std::span<const uint8_t> b) noexcept
{
  ReportBlock r;
  r.ssrc = ByteReader::loadU32(b, 0);
  r.fractionLost = b[4];
  uint32_t lost = (static_cast<uint32_t>(b[5]) << 16) | (static_cast<uint32_t>(b[6]) << 8) | b[7];
  r.cumulativeLost = (lost & 0x800000) != 0 ? static_cast<int32_t>(lost | 0xff000000) : static_cast<int32_t>(lost);
  r.extendedHighestSeq = ByteReader::loadU32(b, 8);
  r.jitter = ByteReader::loadU32(b, 12);
  r.lastSr = ByteReader::loadU32(b, 16);
  r.delaySinceLastSr = ByteReader::loadU32(b, 20);
  return r;
}

std::optional<SenderReport> SenderReport::parse(const PacketView& p) noexcept
{
  if (!p.is(PacketType::SenderReport) || p.body.size() < 24 + p.count * ReportBlockSize) {
    return std::nullopt;
  }
  SenderReport sr;
  ByteReader r(p.body);
  sr.d_info.ssrc = r.u32();
  sr.d_info.ntpSeconds = r.u32();
  sr.d_info.ntpFraction = r.u32();
  sr.d_info.rtpTimestamp = r.u32();
  sr.d_info.packetCount = r.u32();
  sr.d_info.octetCount = r.u32();
  sr.d_count = p.count;
  sr.d_blocks = p.body.subspan(24, p.count * ReportBlockSize);
  return sr;
}

ReportBlock SenderReport::report(size_t index) const noexcept
{
  if (index >= d_count) {
    return {};
  }
  return decodeReportBlock(d_blocks.subspan(index * ReportBlockSize, ReportBlockSize));
}

std::optional<ReceiverReport> ReceiverReport::parse(const PacketView& p) noexcept
{
  if (!p.is(PacketType::ReceiverReport) || p.body.size() < 4 + p.count * ReportBlockSize) {
    return std::nullopt;
  }
  ReceiverReport rr;
  rr.d_ssrc = ByteReader::loadU32(p.body, 0);
  rr.d_count = p.count;
  rr.d_blocks = p.body.subspan(4, p.count * ReportBlockSize);
  return rr;
}

ReportBlock ReceiverReport::report(size_t index) const noexcept
{
  if (index >= d_count) {
    return {};
  }
  return decodeReportBlock(d_blocks.subspan(index * ReportBlockSize, ReportBlockSize));
}

std::optional<SourceDescription> SourceDescription::parse(const PacketView& p) noexcept
{
  if (!p.is(PacketType::SourceDescription)) {
    return std::nullopt;
  }
  if (!walk(p.body, p.count, [](uint32_t, uint8_t, std::string_view) {})) {
    return std::nullopt;
  }
  SourceDescription sdes;
  sdes.d_body = p.body;
  sdes.d_chunks = p.count;
  return sdes;
}

std::optional<std::string_view> SourceDescription::cname(uint32_t ssrc) const noexcept
{
  std::optional<std::string_view> found;
  forEachItem([&](uint32_t s, uint8_t type, std::string_view text) {
    if (s == ssrc && type == ItemCname && !found) {
      found = text;
    }
  });
  return found;
}

std::optional<Bye> Bye::parse(const PacketView& p) noexcept
{
  if (!p.is(PacketType::Bye) || p.body.size() < 4 * static_cast<size_t>(p.count)) {
    return std::nullopt;
  }
  Bye bye;
  bye.d_count = p.count;
  bye.d_ssrcs = p.body.first(4 * p.count);
  std::span<const uint8_t> rest = p.body.subspan(4 * p.count);
  if (!rest.empty()) {
    size_t len = rest[0];
    if (len > rest.size() - 1) {
      return std::nullopt;
    }
    bye.d_reason = std::string_view(reinterpret_cast<const char*>(rest.data() + 1), len);
  }
  return bye;
}

uint32_t Bye::ssrc(size_t index) const noexcept
{
  return index < d_count ? ByteReader::loadU32(d_ssrcs, 4 * index) : 0;
}

namespace {

bool feedbackHeader(const PacketView& p, PacketType type, uint8_t format, FeedbackHeader& out) noexcept
{
  if (!p.is(type) || p.count != format || p.body.size() < 8) {
    return false;
  }
  out.senderSsrc = ByteReader::loadU32(p.body, 0);
  out.mediaSsrc = ByteReader::loadU32(p.body, 4);
  return true;
}

}

std::optional<GenericNack> GenericNack::parse(const PacketView& p) noexcept
{
  GenericNack nack;
  if (!feedbackHeader(p, PacketType::TransportFeedback, fmt::GenericNack, nack.d_header)) {
    return std::nullopt;
  }
  std::span<const uint8_t> items = p.body.subspan(8);
  if (items.empty() || items.size() % 4 != 0) {
    return std::nullopt;
  }
  nack.d_items = items;
  return nack;
}

std::optional<Pli> Pli::parse(const PacketView& p) noexcept
{
  Pli pli;
  if (!feedbackHeader(p, PacketType::PayloadFeedback, fmt::Pli, pli.d_header)) {
    return std::nullopt;
  }
  return pli;
}

std::optional<Fir> Fir::parse(const PacketView& p) noexcept
{
  Fir fir;
  if (!feedbackHeader(p, PacketType::PayloadFeedback, fmt::Fir, fir.d_header)) {
    return std::nullopt;
  }
  std::span<const uint8_t> entries = p.body.subspan(8);
  if (entries.empty() || entries.size() % 8 != 0) {
    return std::nullopt;
  }
  fir.d_entries = entries;
  return fir;
}

FirEntry Fir::entry(size_t index) const noexcept
{
  if (index >= entryCount()) {
    return {};
  }
  return FirEntry{ByteReader::loadU32(d_entries, 8 * index), d_entries[8 * index + 4]};
}

std::optional<Remb> Remb::parse(const PacketView& p) noexcept
{
  Remb remb;
  if (!feedbackHeader(p, PacketType::PayloadFeedback, fmt::ApplicationLayer, remb.d_header)) {
    return std::nullopt;
  }
  std::span<const uint8_t> b = p.body.subspan(8);
  if (b.size() < 8 || b[0] != 'R' || b[1] != 'E' || b[2] != 'M' || b[3] != 'B') {
    return std::nullopt;
  }
  size_t count = b[4];
  uint8_t exp = b[5] >> 2;
  uint64_t mantissa = (static_cast<uint64_t>(b[5] & 0x3) << 16) | (static_cast<uint64_t>(b[6]) << 8) | b[7];
  if (b.size() - 8 < count * 4) {
    return std::nullopt;
  }
  // A 46-bit exponent would overflow 64 bits with an 18-bit mantissa; cap it.
  remb.d_bitrate = exp > 46 ? UINT64_MAX : (mantissa << exp);
  remb.d_ssrcs = b.subspan(8, count * 4);
  return remb;
}

uint32_t Remb::ssrc(size_t index) const noexcept
{
  return index < ssrcCount() ? ByteReader::loadU32(d_ssrcs, 4 * index) : 0;
}

}
