#include "rtc/stream/NackGenerator.hpp"

#include "rtc/stream/RtpRetransmissionBuffer.hpp"

#include "RtcTestData.hpp"
#include "rtc/rtp/RtpPacket.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <array>
#include <vector>

using namespace talk::rtc;
using namespace talk::rtc::test;

namespace {

std::vector<uint16_t> collect(NackGenerator& g, int64_t now, int64_t rtt = 50)
{
  std::array<uint16_t, 64> out{};
  size_t n = g.collect(now, rtt, out);
  return std::vector<uint16_t>(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
}

Bytes packet(uint16_t seq, size_t payload = 100)
{
  Bytes b(12 + payload, 0xab);
  b[0] = 0x80;
  b[1] = 96;
  b[2] = static_cast<uint8_t>(seq >> 8);
  b[3] = static_cast<uint8_t>(seq);
  return b;
}

}

class NackGeneratorTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(NackGeneratorTest);
  CPPUNIT_TEST(reportsGapsOnceThenAfterRtt);
  CPPUNIT_TEST(lateArrivalClearsEntry);
  CPPUNIT_TEST(givesUpAndAsksForKeyframe);
  CPPUNIT_TEST(keyframeClearsOlderEntries);
  CPPUNIT_TEST(hugeGapAsksForKeyframe);
  CPPUNIT_TEST(listIsBounded);
  CPPUNIT_TEST(gapAcrossWrap);
  CPPUNIT_TEST(bufferAnswersNacks);
  CPPUNIT_TEST(bufferRejectsStaleAndOversized);
  CPPUNIT_TEST_SUITE_END();

public:
  void reportsGapsOnceThenAfterRtt()
  {
    NackGenerator g;
    g.onPacket(10, false);
    g.onPacket(11, false);
    CPPUNIT_ASSERT(!g.onPacket(15, false));
    CPPUNIT_ASSERT_EQUAL(size_t{3}, g.missingCount());
    CPPUNIT_ASSERT((collect(g, 1000) == std::vector<uint16_t>{12, 13, 14}));
    CPPUNIT_ASSERT(collect(g, 1010).empty());             // within the RTT
    CPPUNIT_ASSERT((collect(g, 1050) == std::vector<uint16_t>{12, 13, 14})); // one RTT later
    CPPUNIT_ASSERT(collect(g, 1060, 0).empty());           // default RTT 100 ms when unknown
    CPPUNIT_ASSERT_EQUAL(size_t{3}, collect(g, 1150, 0).size());
    CPPUNIT_ASSERT_EQUAL(size_t{3}, collect(g, 1170, 1).size()); // never closer than 20 ms
  }

  void lateArrivalClearsEntry()
  {
    NackGenerator g;
    g.onPacket(1, false);
    g.onPacket(5, false);
    g.onPacket(3, false); // reordered, not lost
    CPPUNIT_ASSERT((collect(g, 0) == std::vector<uint16_t>{2, 4}));
    g.onPacket(2, false); // the retransmission
    CPPUNIT_ASSERT((collect(g, 100) == std::vector<uint16_t>{4}));
  }

  void givesUpAndAsksForKeyframe()
  {
    NackGenerator g;
    g.onPacket(1, false);
    g.onPacket(3, false);
    int64_t t = 0;
    for (unsigned i = 0; i < NackGenerator::MaxRetries; ++i, t += 100) {
      CPPUNIT_ASSERT_EQUAL(size_t{1}, collect(g, t).size());
      CPPUNIT_ASSERT(!g.takeKeyframeRequest());
    }
    CPPUNIT_ASSERT(collect(g, t).empty());
    CPPUNIT_ASSERT_EQUAL(size_t{0}, g.missingCount());
    CPPUNIT_ASSERT(g.takeKeyframeRequest());
    CPPUNIT_ASSERT(!g.takeKeyframeRequest()); // once
  }

  void keyframeClearsOlderEntries()
  {
    NackGenerator g;
    g.onPacket(1, false);
    g.onPacket(5, false);   // 2..4 missing
    g.onPacket(10, true);   // keyframe: 6..9 not needed either, 2..4 dropped
    CPPUNIT_ASSERT_EQUAL(size_t{0}, g.missingCount());
    g.onPacket(12, false);
    CPPUNIT_ASSERT((collect(g, 0) == std::vector<uint16_t>{11}));
  }

  void hugeGapAsksForKeyframe()
  {
    NackGenerator g;
    g.onPacket(1, false);
    g.onPacket(3, false);
    CPPUNIT_ASSERT(g.onPacket(static_cast<uint16_t>(3 + NackGenerator::MaxGap + 2), false));
    CPPUNIT_ASSERT_EQUAL(size_t{0}, g.missingCount());
  }

  void listIsBounded()
  {
    NackGenerator g;
    g.onPacket(0, false);
    bool overflow = false;
    uint16_t seq = 0;
    for (int i = 0; i < 200; ++i) {
      seq = static_cast<uint16_t>(seq + 5); // 4 lost each time
      overflow = g.onPacket(seq, false) || overflow;
    }
    CPPUNIT_ASSERT(overflow);
    CPPUNIT_ASSERT_EQUAL(NackGenerator::MaxMissing, g.missingCount());
    auto first = collect(g, 0);
    CPPUNIT_ASSERT_EQUAL(size_t{64}, first.size()); // bounded by the output span
    CPPUNIT_ASSERT(first.front() > 300);            // the oldest were dropped
  }

  void gapAcrossWrap()
  {
    NackGenerator g;
    g.onPacket(65534, false);
    g.onPacket(1, false);
    CPPUNIT_ASSERT((collect(g, 0) == std::vector<uint16_t>{65535, 0}));
  }

  void bufferAnswersNacks()
  {
    RtpRetransmissionBuffer buf(100, 1000); // rounded up to 128 slots
    CPPUNIT_ASSERT_EQUAL(size_t{128}, buf.slots());
    for (uint16_t s = 65500; s != 100; ++s) {
      Bytes b = packet(s);
      CPPUNIT_ASSERT(buf.store(*RtpPacket::parse(b), 1000));
    }
    auto p = buf.get(99, 1100, 50);
    CPPUNIT_ASSERT(p.has_value());
    CPPUNIT_ASSERT_EQUAL(uint16_t{99}, p->sequenceNumber());
    CPPUNIT_ASSERT_EQUAL(size_t{112}, p->size());
    CPPUNIT_ASSERT(!buf.get(99, 1120, 50).has_value()); // resent within the RTT
    CPPUNIT_ASSERT(buf.get(99, 1160, 50).has_value());
    CPPUNIT_ASSERT(buf.get(0, 1100).has_value());
    CPPUNIT_ASSERT(!buf.get(65500, 1100).has_value()); // overwritten by a newer seq (same slot)
    CPPUNIT_ASSERT(!buf.get(5000, 1100).has_value());  // never stored
  }

  void bufferRejectsStaleAndOversized()
  {
    RtpRetransmissionBuffer buf(16, 500);
    Bytes b = packet(7);
    CPPUNIT_ASSERT(buf.store(*RtpPacket::parse(b), 0));
    CPPUNIT_ASSERT(buf.get(7, 500).has_value());
    CPPUNIT_ASSERT(!buf.get(7, 501 + 0).has_value() && !buf.get(7, 1000).has_value()); // too old
    Bytes big = packet(8, RtpRetransmissionBuffer::MaxPacketSize);
    CPPUNIT_ASSERT(!buf.store(*RtpPacket::parse(big), 0));
    buf.store(*RtpPacket::parse(b), 600);
    buf.clear();
    CPPUNIT_ASSERT(!buf.get(7, 600).has_value());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(NackGeneratorTest);
