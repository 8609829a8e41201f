#include "rtc/rtcp/TransportCc.hpp"

#include "common/util/ByteReader.hpp"
#include "common/util/ByteWriter.hpp"

#include <cstring>

namespace talk::rtc::rtcp {

std::optional<TransportCcFeedback> TransportCcFeedback::parse(const PacketView& p) noexcept
{
  if (!p.is(PacketType::TransportFeedback) || p.count != fmt::TransportCc || p.body.size() < 16) {
    return std::nullopt;
  }
  TransportCcFeedback fb;
  ByteReader r(p.body);
  fb.d_header.senderSsrc = r.u32();
  fb.d_header.mediaSsrc = r.u32();
  fb.d_baseSeq = r.u16();
  fb.d_statusCount = r.u16();
  uint32_t ref = (static_cast<uint32_t>(r.u8()) << 16) | (static_cast<uint32_t>(r.u8()) << 8) | r.u8();
  fb.d_referenceTime = (ref & 0x800000) != 0 ? static_cast<int32_t>(ref | 0xff000000) : static_cast<int32_t>(ref);
  fb.d_fbCount = r.u8();
  if (fb.d_statusCount == 0) {
    return std::nullopt;
  }
  fb.d_chunks = r.rest();
  size_t chunkBytes = 0;
  auto deltaBytes = decodeChunks(fb.d_chunks, fb.d_statusCount, chunkBytes, [](uint8_t) {});
  if (!deltaBytes || *deltaBytes > fb.d_chunks.size() - chunkBytes) {
    return std::nullopt;
  }
  fb.d_chunkBytes = chunkBytes;
  return fb;
}

void TransportCcBuilder::reset(uint32_t senderSsrc, uint32_t mediaSsrc, uint8_t feedbackCount) noexcept
{
  d_senderSsrc = senderSsrc;
  d_mediaSsrc = mediaSsrc;
  d_fbCount = feedbackCount;
  d_count = 0;
  d_deltaBytes = 0;
  d_referenceUs = 0;
  d_lastUs = 0;
}

bool TransportCcBuilder::addReceived(uint16_t seq, int64_t arrivalUs) noexcept
{
  if (d_count == 0) {
    // Reference time: arrival rounded down to 64 ms (floor also for negative values).
    int64_t ref = arrivalUs / TransportCcReferenceTickUs;
    if (arrivalUs < 0 && arrivalUs % TransportCcReferenceTickUs != 0) {
      --ref;
    }
    d_referenceUs = ref * TransportCcReferenceTickUs;
    d_baseSeq = seq;
    d_lastUs = 0; // ticks since the reference of the last reported arrival
  } else {
    auto expected = static_cast<uint16_t>(d_baseSeq + d_count);
    auto ahead = static_cast<uint16_t>(seq - expected);
    if (ahead >= 0x8000) {
      return false; // older than the last recorded packet
    }
    if (d_count + ahead + 1 > MaxPackets) {
      return false;
    }
  }
  auto expected = static_cast<uint16_t>(d_baseSeq + d_count);
  size_t lostRun = d_count == 0 ? 0 : static_cast<uint16_t>(seq - expected);
  int64_t tick = (arrivalUs - d_referenceUs) / TransportCcDeltaTickUs;
  int64_t delta = tick - d_lastUs;
  if (delta < INT16_MIN || delta > INT16_MAX) {
    return false;
  }
  for (size_t i = 0; i < lostRun; ++i) {
    d_status[d_count] = 0;
    d_deltas[d_count] = 0;
    ++d_count;
  }
  uint8_t symbol = delta >= 0 && delta <= 255 ? 1 : 2;
  d_status[d_count] = symbol;
  d_deltas[d_count] = static_cast<int16_t>(delta);
  ++d_count;
  d_deltaBytes += symbol;
  d_lastUs = tick;
  return true;
}

namespace {

// Calls chunk(uint16_t) for each status chunk that encodes `status[0..count)`.
template <typename Fn>
void encodeChunks(const uint8_t* status, size_t count, Fn&& chunk)
{
  size_t i = 0;
  while (i < count) {
    size_t run = 1;
    while (i + run < count && status[i + run] == status[i] && run < 0x1fff) {
      ++run;
    }
    if (run >= 14 || i + run == count) {
      chunk(static_cast<uint16_t>((status[i] << 13) | run));
      i += run;
      continue;
    }
    bool small = true;
    for (size_t k = i; k < i + 14 && k < count; ++k) {
      small = small && status[k] <= 1;
    }
    if (small) {
      uint16_t c = 0x8000;
      for (size_t k = 0; k < 14; ++k) {
        if (i + k < count && status[i + k] == 1) {
          c |= static_cast<uint16_t>(1u << (13 - k));
        }
      }
      chunk(c);
      i += 14;
    } else {
      uint16_t c = 0xc000;
      for (size_t k = 0; k < 7; ++k) {
        if (i + k < count) {
          c |= static_cast<uint16_t>(status[i + k] << (2 * (6 - k)));
        }
      }
      chunk(c);
      i += 7;
    }
  }
}

}

size_t TransportCcBuilder::serializedSize() const noexcept
{
  size_t chunks = 0;
  encodeChunks(d_status.data(), d_count, [&](uint16_t) { ++chunks; });
  size_t size = 4 + 16 + 2 * chunks + d_deltaBytes;
  return (size + 3) & ~size_t{3};
}

size_t TransportCcBuilder::serialize(std::span<uint8_t> out) const noexcept
{
  size_t size = serializedSize();
  if (d_count == 0 || out.size() < size) {
    return 0;
  }
  std::memset(out.data(), 0, size);
  size_t unpadded = 4 + 16;
  encodeChunks(d_status.data(), d_count, [&](uint16_t) { unpadded += 2; });
  unpadded += d_deltaBytes;
  size_t pad = size - unpadded;
  out[0] = static_cast<uint8_t>(0x80 | (pad != 0 ? 0x20 : 0) | fmt::TransportCc);
  out[1] = static_cast<uint8_t>(PacketType::TransportFeedback);
  ByteWriter::storeU16(out, 2, static_cast<uint16_t>(size / 4 - 1));
  ByteWriter::storeU32(out, 4, d_senderSsrc);
  ByteWriter::storeU32(out, 8, d_mediaSsrc);
  ByteWriter::storeU16(out, 12, d_baseSeq);
  ByteWriter::storeU16(out, 14, static_cast<uint16_t>(d_count));
  auto ref = static_cast<uint32_t>(d_referenceUs / TransportCcReferenceTickUs) & 0xffffff;
  out[16] = static_cast<uint8_t>(ref >> 16);
  out[17] = static_cast<uint8_t>(ref >> 8);
  out[18] = static_cast<uint8_t>(ref);
  out[19] = d_fbCount;
  size_t pos = 20;
  encodeChunks(d_status.data(), d_count, [&](uint16_t c) {
    ByteWriter::storeU16(out, pos, c);
    pos += 2;
  });
  for (size_t i = 0; i < d_count; ++i) {
    if (d_status[i] == 1) {
      out[pos++] = static_cast<uint8_t>(d_deltas[i]);
    } else if (d_status[i] == 2) {
      ByteWriter::storeU16(out, pos, static_cast<uint16_t>(d_deltas[i]));
      pos += 2;
    }
  }
  if (pad != 0) {
    out[size - 1] = static_cast<uint8_t>(pad);
  }
  return size;
}

}
