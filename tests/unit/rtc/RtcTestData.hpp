#pragma once
// Loading the captured packets and SDPs of tests/data/rtc (see its README), and small byte
// helpers for the libtalk-rtc tests.
#include <cppunit/extensions/HelperMacros.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace talk::rtc::test {

using Bytes = std::vector<uint8_t>;

inline std::string dataPath(std::string_view name)
{
  return std::string(RTC_TEST_DATA_DIR) + "/" + std::string(name);
}

inline std::string readText(std::string_view name)
{
  std::ifstream in(dataPath(name), std::ios::binary);
  CPPUNIT_ASSERT_MESSAGE("cannot open " + dataPath(name), in.good());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A capture file: records of a 2-byte big-endian length followed by one datagram.
inline std::vector<Bytes> readRecords(std::string_view name)
{
  std::string raw = readText(name);
  std::vector<Bytes> out;
  size_t pos = 0;
  while (pos + 2 <= raw.size()) {
    size_t len = (static_cast<uint8_t>(raw[pos]) << 8) | static_cast<uint8_t>(raw[pos + 1]);
    pos += 2;
    CPPUNIT_ASSERT_MESSAGE("truncated record in " + std::string(name), pos + len <= raw.size());
    out.emplace_back(raw.begin() + static_cast<std::ptrdiff_t>(pos), raw.begin() + static_cast<std::ptrdiff_t>(pos + len));
    pos += len;
  }
  CPPUNIT_ASSERT_EQUAL(raw.size(), pos);
  CPPUNIT_ASSERT_MESSAGE("no records in " + std::string(name), !out.empty());
  return out;
}

inline Bytes hex(std::string_view h)
{
  Bytes out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) {
    if (h[i] == ' ') {
      --i;
      continue;
    }
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

}
