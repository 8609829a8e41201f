#pragma once
// Small helpers shared by the talk-turn unit tests.
#include "common/net/SocketAddress.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace talk::test {

inline SocketAddress addr(std::string_view text)
{
  auto a = SocketAddress::parse(text);
  CPPUNIT_ASSERT_MESSAGE(std::string("bad test address ") + std::string(text), a.has_value());
  return *a;
}

inline std::vector<uint8_t> fromHex(std::string_view hex)
{
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

inline std::string text(std::span<const uint8_t> bytes)
{
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

inline constexpr std::array<uint8_t, 12> Tid = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

// Bitwise CRC-32 (IEEE, reflected, poly 0xEDB88320): an implementation independent of the
// zlib call the code under test uses.
inline uint32_t referenceCrc32(std::span<const uint8_t> data)
{
  uint32_t crc = 0xFFFFFFFFu;
  for (uint8_t byte : data) {
    crc ^= byte;
    for (int i = 0; i < 8; ++i) {
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
  }
  return ~crc;
}

}
