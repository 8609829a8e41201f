#pragma once
// Bounds-checked big-endian writer into a caller-provided buffer (no allocation). A write that
// does not fit sets a sticky overflow flag and writes nothing, so a serializer can emit a
// whole structure and check ok() once.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace talk {

class ByteWriter
{
public:
  explicit ByteWriter(std::span<uint8_t> buffer) noexcept :
    d_buf(buffer) {}

  bool ok() const noexcept { return !d_failed; }
  size_t size() const noexcept { return d_pos; }
  size_t remaining() const noexcept { return d_buf.size() - d_pos; }
  std::span<uint8_t> written() const noexcept { return d_buf.first(d_pos); }

  bool u8(uint8_t v) noexcept
  {
    if (!need(1)) {
      return false;
    }
    d_buf[d_pos++] = v;
    return true;
  }

  bool u16(uint16_t v) noexcept
  {
    if (!need(2)) {
      return false;
    }
    storeU16(d_buf, d_pos, v);
    d_pos += 2;
    return true;
  }

  bool u32(uint32_t v) noexcept
  {
    if (!need(4)) {
      return false;
    }
    storeU32(d_buf, d_pos, v);
    d_pos += 4;
    return true;
  }

  bool bytes(std::span<const uint8_t> data) noexcept
  {
    if (!need(data.size())) {
      return false;
    }
    if (!data.empty()) {
      std::memcpy(d_buf.data() + d_pos, data.data(), data.size());
    }
    d_pos += data.size();
    return true;
  }

  bool zeros(size_t n) noexcept
  {
    if (!need(n)) {
      return false;
    }
    if (n != 0) {
      std::memset(d_buf.data() + d_pos, 0, n);
    }
    d_pos += n;
    return true;
  }

  // Big-endian stores at a fixed offset of a span the caller has already length-checked.
  static void storeU16(std::span<uint8_t> d, size_t at, uint16_t v) noexcept
  {
    d[at] = static_cast<uint8_t>(v >> 8);
    d[at + 1] = static_cast<uint8_t>(v);
  }
  static void storeU32(std::span<uint8_t> d, size_t at, uint32_t v) noexcept
  {
    d[at] = static_cast<uint8_t>(v >> 24);
    d[at + 1] = static_cast<uint8_t>(v >> 16);
    d[at + 2] = static_cast<uint8_t>(v >> 8);
    d[at + 3] = static_cast<uint8_t>(v);
  }

private:
  bool need(size_t n) noexcept
  {
    if (d_failed || n > d_buf.size() - d_pos) {
      d_failed = true;
      return false;
    }
    return true;
  }

  std::span<uint8_t> d_buf;
  size_t d_pos = 0;
  bool d_failed = false;
};

}
