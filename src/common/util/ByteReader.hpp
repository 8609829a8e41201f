#pragma once
// Bounds-checked big-endian reader over received bytes (style.md rule 6). Every read checks
// the remaining length first; a failed read sets a sticky error flag and returns zero, so a
// parser can read a whole structure and check ok() once. Loads are byte-wise (no casts to
// wider types), which keeps unaligned input safe on strict-alignment CPUs.
#include <cstddef>
#include <cstdint>
#include <span>

namespace talk {

class ByteReader
{
public:
  explicit ByteReader(std::span<const uint8_t> data) noexcept :
    d_data(data) {}

  size_t remaining() const noexcept { return d_data.size() - d_pos; }
  size_t position() const noexcept { return d_pos; }
  bool ok() const noexcept { return !d_failed; }

  uint8_t u8() noexcept
  {
    if (!need(1)) {
      return 0;
    }
    return d_data[d_pos++];
  }

  uint16_t u16() noexcept
  {
    if (!need(2)) {
      return 0;
    }
    uint16_t v = static_cast<uint16_t>((d_data[d_pos] << 8) | d_data[d_pos + 1]);
    d_pos += 2;
    return v;
  }

  uint32_t u32() noexcept
  {
    if (!need(4)) {
      return 0;
    }
    uint32_t v = (static_cast<uint32_t>(d_data[d_pos]) << 24) | (static_cast<uint32_t>(d_data[d_pos + 1]) << 16) |
      (static_cast<uint32_t>(d_data[d_pos + 2]) << 8) | static_cast<uint32_t>(d_data[d_pos + 3]);
    d_pos += 4;
    return v;
  }

  // The next `n` bytes as a sub-span (no copy); empty span and failure if fewer remain.
  std::span<const uint8_t> bytes(size_t n) noexcept
  {
    if (!need(n)) {
      return {};
    }
    auto out = d_data.subspan(d_pos, n);
    d_pos += n;
    return out;
  }

  bool skip(size_t n) noexcept
  {
    if (!need(n)) {
      return false;
    }
    d_pos += n;
    return true;
  }

  std::span<const uint8_t> rest() const noexcept { return d_data.subspan(d_pos); }

  // Big-endian loads at a fixed offset of a span the caller has already length-checked.
  static uint16_t loadU16(std::span<const uint8_t> d, size_t at) noexcept
  {
    return static_cast<uint16_t>((d[at] << 8) | d[at + 1]);
  }
  static uint32_t loadU32(std::span<const uint8_t> d, size_t at) noexcept
  {
    return (static_cast<uint32_t>(d[at]) << 24) | (static_cast<uint32_t>(d[at + 1]) << 16) |
      (static_cast<uint32_t>(d[at + 2]) << 8) | static_cast<uint32_t>(d[at + 3]);
  }

private:
  bool need(size_t n) noexcept
  {
    // Compare against what remains rather than computing d_pos + n, which could wrap.
    if (d_failed || n > d_data.size() - d_pos) {
      d_failed = true;
      return false;
    }
    return true;
  }

  std::span<const uint8_t> d_data;
  size_t d_pos = 0;
  bool d_failed = false;
};

}
