#pragma once
// RTCP (RFC 3550 §6, RFC 4585, RFC 5104, draft-alvestrand-rmcat-remb, draft-holmer-rmcat-
// transport-wide-cc-extensions): a compound-packet reader and typed views of each packet kind.
// Readers are views into the caller's bytes (no copies, no allocation); each parse() checks the
// lengths of its kind and returns nullopt for anything malformed. Writers live in
// RtcpWriter.hpp, transport-cc in TransportCc.hpp.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace talk::rtc::rtcp {

enum class PacketType : uint8_t
{
  SenderReport = 200,
  ReceiverReport = 201,
  SourceDescription = 202,
  Bye = 203,
  App = 204,
  TransportFeedback = 205, // RTPFB
  PayloadFeedback = 206,   // PSFB
  ExtendedReport = 207,
};

// Feedback message types (FMT field).
namespace fmt {
constexpr uint8_t GenericNack = 1;     // RTPFB
constexpr uint8_t TransportCc = 15;    // RTPFB
constexpr uint8_t Pli = 1;             // PSFB
constexpr uint8_t Fir = 4;             // PSFB
constexpr uint8_t ApplicationLayer = 15; // PSFB (REMB)
}

// RFC 5761 demultiplexing on the second byte (192..223 is RTCP).
bool looksLikeRtcp(std::span<const uint8_t> data) noexcept;

// One packet of a compound: the common header decoded, the body after the 4-byte header
// (padding removed).
struct PacketView
{
  uint8_t count = 0; // RC / SC / FMT
  uint8_t type = 0;  // raw packet type (see PacketType)
  std::span<const uint8_t> packet; // the whole packet including header and padding
  std::span<const uint8_t> body;   // after the header, without padding

  bool is(PacketType t) const noexcept { return type == static_cast<uint8_t>(t); }
};

// Walks a compound packet. next() returns each packet in turn; it stops (nullopt) at the end
// or at the first malformed header (version != 2, length past the end, bad padding), after
// which malformed() is true.
class CompoundReader
{
public:
  explicit CompoundReader(std::span<const uint8_t> data) noexcept :
    d_data(data) {}
  std::optional<PacketView> next() noexcept;
  bool malformed() const noexcept { return d_malformed; }

  // Whole-compound check: at least one packet, every header valid, lengths add up exactly.
  // (RFC 3550's "first packet is SR/RR" rule is not enforced: reduced-size RTCP, RFC 5506,
  // which browsers negotiate with a=rtcp-rsize, drops it.)
  static bool validate(std::span<const uint8_t> data) noexcept;

private:
  std::span<const uint8_t> d_data;
  size_t d_pos = 0;
  bool d_malformed = false;
};

struct ReportBlock
{
  uint32_t ssrc = 0;
  uint8_t fractionLost = 0;
  int32_t cumulativeLost = 0; // 24-bit signed on the wire
  uint32_t extendedHighestSeq = 0;
  uint32_t jitter = 0;
  uint32_t lastSr = 0;      // middle 32 bits of the NTP time of the last SR received
  uint32_t delaySinceLastSr = 0; // 1/65536 s
};
constexpr size_t ReportBlockSize = 24;

struct SenderInfo
{
  uint32_t ssrc = 0;
  uint32_t ntpSeconds = 0;
  uint32_t ntpFraction = 0;
  uint32_t rtpTimestamp = 0;
  uint32_t packetCount = 0;
  uint32_t octetCount = 0;
};

class SenderReport
{
public:
  static std::optional<SenderReport> parse(const PacketView& p) noexcept;
  const SenderInfo& info() const noexcept { return d_info; }
  size_t reportCount() const noexcept { return d_count; }
  ReportBlock report(size_t index) const noexcept; // index < reportCount()
  // The 32-bit "LSR" value a receiver echoes back in its reports.
  uint32_t compactNtp() const noexcept { return (d_info.ntpSeconds << 16) | (d_info.ntpFraction >> 16); }

private:
  SenderInfo d_info;
  std::span<const uint8_t> d_blocks;
  size_t d_count = 0;
};

class ReceiverReport
{
public:
  static std::optional<ReceiverReport> parse(const PacketView& p) noexcept;
  uint32_t ssrc() const noexcept { return d_ssrc; }
  size_t reportCount() const noexcept { return d_count; }
  ReportBlock report(size_t index) const noexcept;

private:
  uint32_t d_ssrc = 0;
  std::span<const uint8_t> d_blocks;
  size_t d_count = 0;
};

ReportBlock decodeReportBlock(std::span<const uint8_t> block24) noexcept;

// SDES: chunks of (SSRC, items). parse() validates every chunk and item.
class SourceDescription
{
public:
  static constexpr uint8_t ItemCname = 1;
  static std::optional<SourceDescription> parse(const PacketView& p) noexcept;
  // Calls fn(uint32_t ssrc, uint8_t itemType, std::string_view text) for every item.
  template <typename Fn>
  void forEachItem(Fn&& fn) const noexcept;
  std::optional<std::string_view> cname(uint32_t ssrc) const noexcept;

private:
  template <typename Fn>
  static bool walk(std::span<const uint8_t> body, size_t chunks, Fn&& fn) noexcept;
  std::span<const uint8_t> d_body;
  size_t d_chunks = 0;
};

class Bye
{
public:
  static std::optional<Bye> parse(const PacketView& p) noexcept;
  size_t ssrcCount() const noexcept { return d_count; }
  uint32_t ssrc(size_t index) const noexcept;
  std::string_view reason() const noexcept { return d_reason; }

private:
  std::span<const uint8_t> d_ssrcs;
  size_t d_count = 0;
  std::string_view d_reason;
};

// Common part of RTPFB/PSFB (RFC 4585 §6.1).
struct FeedbackHeader
{
  uint32_t senderSsrc = 0;
  uint32_t mediaSsrc = 0;
};

class GenericNack
{
public:
  static std::optional<GenericNack> parse(const PacketView& p) noexcept;
  const FeedbackHeader& header() const noexcept { return d_header; }
  size_t itemCount() const noexcept { return d_items.size() / 4; }
  // Calls fn(uint16_t lostSeq) for each sequence number the packet reports lost (PID and
  // every bit set in BLP), in order.
  template <typename Fn>
  void forEachLost(Fn&& fn) const noexcept;

private:
  FeedbackHeader d_header;
  std::span<const uint8_t> d_items;
};

class Pli
{
public:
  static std::optional<Pli> parse(const PacketView& p) noexcept;
  const FeedbackHeader& header() const noexcept { return d_header; }

private:
  FeedbackHeader d_header;
};

struct FirEntry
{
  uint32_t ssrc = 0;
  uint8_t seqNr = 0;
};

class Fir
{
public:
  static std::optional<Fir> parse(const PacketView& p) noexcept;
  const FeedbackHeader& header() const noexcept { return d_header; } // mediaSsrc is 0 (RFC 5104)
  size_t entryCount() const noexcept { return d_entries.size() / 8; }
  FirEntry entry(size_t index) const noexcept;

private:
  FeedbackHeader d_header;
  std::span<const uint8_t> d_entries;
};

class Remb
{
public:
  static constexpr size_t MaxSsrcs = 255;
  static std::optional<Remb> parse(const PacketView& p) noexcept;
  const FeedbackHeader& header() const noexcept { return d_header; }
  uint64_t bitrate() const noexcept { return d_bitrate; } // bits per second
  size_t ssrcCount() const noexcept { return d_ssrcs.size() / 4; }
  uint32_t ssrc(size_t index) const noexcept;

private:
  FeedbackHeader d_header;
  uint64_t d_bitrate = 0;
  std::span<const uint8_t> d_ssrcs;
};

// --- templates ---

template <typename Fn>
bool SourceDescription::walk(std::span<const uint8_t> body, size_t chunks, Fn&& fn) noexcept
{
  size_t pos = 0;
  for (size_t c = 0; c < chunks; ++c) {
    if (body.size() - pos < 4) {
      return false;
    }
    uint32_t ssrc = (static_cast<uint32_t>(body[pos]) << 24) | (static_cast<uint32_t>(body[pos + 1]) << 16) |
      (static_cast<uint32_t>(body[pos + 2]) << 8) | body[pos + 3];
    pos += 4;
    for (;;) {
      if (pos >= body.size()) {
        return false;
      }
      uint8_t type = body[pos];
      if (type == 0) { // end of items, then pad to a 32-bit boundary
        ++pos;
        pos = (pos + 3) & ~size_t{3};
        if (pos > body.size()) {
          return false;
        }
        break;
      }
      if (body.size() - pos < 2) {
        return false;
      }
      size_t len = body[pos + 1];
      if (body.size() - pos - 2 < len) {
        return false;
      }
      fn(ssrc, type, std::string_view(reinterpret_cast<const char*>(body.data() + pos + 2), len));
      pos += 2 + len;
    }
  }
  return true;
}

template <typename Fn>
void SourceDescription::forEachItem(Fn&& fn) const noexcept
{
  walk(d_body, d_chunks, fn);
}

template <typename Fn>
void GenericNack::forEachLost(Fn&& fn) const noexcept
{
  for (size_t i = 0; i + 4 <= d_items.size(); i += 4) {
    auto pid = static_cast<uint16_t>((d_items[i] << 8) | d_items[i + 1]);
    auto blp = static_cast<uint16_t>((d_items[i + 2] << 8) | d_items[i + 3]);
    fn(pid);
    for (unsigned bit = 0; bit < 16; ++bit) {
      if ((blp & (1u << bit)) != 0) {
        fn(static_cast<uint16_t>(pid + bit + 1));
      }
    }
  }
}

}
