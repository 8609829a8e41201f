// DCEP codec: RFC 8832 DATA_CHANNEL_OPEN layout, round trip, truncation.
#include "rtc/transport/DataChannelProtocol.hpp"

#include <cppunit/extensions/HelperMacros.h>

using namespace talk::rtc;

class DataChannelProtocolTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(DataChannelProtocolTest);
  CPPUNIT_TEST(encodeLayout);
  CPPUNIT_TEST(parseBrowserOpen);
  CPPUNIT_TEST(truncatedRefused);
  CPPUNIT_TEST_SUITE_END();

public:
  void encodeLayout()
  {
    auto open = dcep::encodeOpen("status", false, "json");
    CPPUNIT_ASSERT(open);
    const std::vector<uint8_t> expected{0x03, 0x80, 0x01, 0x00, 0, 0, 0, 0, 0, 6, 0, 4,
                                        's', 't', 'a', 't', 'u', 's', 'j', 's', 'o', 'n'};
    CPPUNIT_ASSERT(*open == expected);
    CPPUNIT_ASSERT(!dcep::encodeOpen(std::string(70000, 'x'), true));
  }

  void parseBrowserOpen()
  {
    // Chrome's open for `createDataChannel("simplewebrtc", {ordered: false, maxRetransmits: 0})`.
    const std::vector<uint8_t> open{0x03, 0x81, 0x01, 0x00, 0, 0, 0, 0, 0, 12, 0, 0,
                                    's', 'i', 'm', 'p', 'l', 'e', 'w', 'e', 'b', 'r', 't', 'c'};
    auto parsed = dcep::parseOpen(open);
    CPPUNIT_ASSERT(parsed);
    CPPUNIT_ASSERT_EQUAL(std::string("simplewebrtc"), parsed->label);
    CPPUNIT_ASSERT(parsed->protocol.empty());
    CPPUNIT_ASSERT(!parsed->ordered());
    CPPUNIT_ASSERT_EQUAL(uint16_t(256), parsed->priority);
    CPPUNIT_ASSERT(dcep::isAck(std::vector<uint8_t>{0x02}));
    CPPUNIT_ASSERT(!dcep::isAck(open));
  }

  void truncatedRefused()
  {
    auto open = *dcep::encodeOpen("status", true, "p");
    for (size_t n = 0; n < open.size(); ++n) {
      CPPUNIT_ASSERT(!dcep::parseOpen(std::span<const uint8_t>(open.data(), n)));
    }
    CPPUNIT_ASSERT(dcep::parseOpen(open));
    open[0] = 0x04;
    CPPUNIT_ASSERT(!dcep::parseOpen(open));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DataChannelProtocolTest);
