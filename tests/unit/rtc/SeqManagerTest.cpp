#include "rtc/stream/SeqManager.hpp"

#include "rtc/codec/Vp8.hpp"
#include "rtc/stream/TimestampRewriter.hpp"
#include "rtc/stream/Vp8Rewriter.hpp"

#include "RtcTestData.hpp"

#include <cppunit/extensions/HelperMacros.h>

using namespace talk::rtc;
using namespace talk::rtc::test;

class SeqManagerTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(SeqManagerTest);
  CPPUNIT_TEST(continuesAcrossSourceSwitch);
  CPPUNIT_TEST(dropsLeaveNoHoles);
  CPPUNIT_TEST(reorderedPacketsAroundDrops);
  CPPUNIT_TEST(wrapsAround);
  CPPUNIT_TEST(staleInputsAfterSwitchAreRejected);
  CPPUNIT_TEST(longDropHistoryFoldsIntoOffset);
  CPPUNIT_TEST(smallWidths);
  CPPUNIT_TEST(timestampsContinueAcrossSwitch);
  CPPUNIT_TEST(vp8PictureIdsContinueAcrossSwitch);
  CPPUNIT_TEST_SUITE_END();

public:
  void continuesAcrossSourceSwitch()
  {
    RtpSeqManager m;
    m.reset(1000);
    CPPUNIT_ASSERT_EQUAL(uint16_t{1000}, *m.input(5));
    CPPUNIT_ASSERT_EQUAL(uint16_t{1001}, *m.input(6));
    CPPUNIT_ASSERT_EQUAL(uint16_t{1002}, *m.input(7));
    m.sync(); // switch to a layer numbered completely differently
    CPPUNIT_ASSERT_EQUAL(uint16_t{1003}, *m.input(40000));
    CPPUNIT_ASSERT_EQUAL(uint16_t{1004}, *m.input(40001));
    CPPUNIT_ASSERT_EQUAL(uint16_t{1004}, *m.input(40001)); // duplicate maps the same
  }

  void dropsLeaveNoHoles()
  {
    RtpSeqManager m;
    m.reset(0);
    CPPUNIT_ASSERT_EQUAL(uint16_t{0}, *m.input(100));
    m.drop(101);
    m.drop(102);
    CPPUNIT_ASSERT_EQUAL(uint16_t{1}, *m.input(103));
    m.drop(104);
    CPPUNIT_ASSERT_EQUAL(uint16_t{2}, *m.input(105));
    CPPUNIT_ASSERT(!m.input(104).has_value()); // a dropped packet stays dropped (e.g. its RTX)
  }

  void reorderedPacketsAroundDrops()
  {
    RtpSeqManager m;
    m.reset(0);
    CPPUNIT_ASSERT_EQUAL(uint16_t{0}, *m.input(10));
    // 11 is late; 12 dropped; 13 arrives; then 11 turns up.
    m.drop(12);
    CPPUNIT_ASSERT_EQUAL(uint16_t{2}, *m.input(13));
    CPPUNIT_ASSERT_EQUAL(uint16_t{1}, *m.input(11)); // its place before the drop
    m.drop(14);
    CPPUNIT_ASSERT_EQUAL(uint16_t{4}, *m.input(16)); // 15 is missing: a real loss stays a gap
    CPPUNIT_ASSERT_EQUAL(uint16_t{3}, *m.input(15)); // ...that its late arrival fills
    CPPUNIT_ASSERT_EQUAL(uint16_t{4}, m.maxOutput());
  }

  void wrapsAround()
  {
    RtpSeqManager m;
    m.reset(65534);
    CPPUNIT_ASSERT_EQUAL(uint16_t{65534}, *m.input(65530));
    m.drop(65531);
    CPPUNIT_ASSERT_EQUAL(uint16_t{65535}, *m.input(65532));
    CPPUNIT_ASSERT_EQUAL(uint16_t{0}, *m.input(65533));
    CPPUNIT_ASSERT_EQUAL(uint16_t{3}, *m.input(0));
    m.sync();
    CPPUNIT_ASSERT_EQUAL(uint16_t{4}, *m.input(12345));
  }

  void staleInputsAfterSwitchAreRejected()
  {
    RtpSeqManager m;
    m.reset(0);
    m.input(500);
    m.input(501);
    m.sync();
    CPPUNIT_ASSERT_EQUAL(uint16_t{2}, *m.input(9000));
    CPPUNIT_ASSERT(!m.input(8999).has_value()); // before the new source's first packet
    CPPUNIT_ASSERT_EQUAL(uint16_t{3}, *m.input(9001));
  }

  void longDropHistoryFoldsIntoOffset()
  {
    RtpSeqManager m;
    m.reset(0);
    uint16_t in = 0;
    uint16_t expected = 0;
    CPPUNIT_ASSERT_EQUAL(expected, *m.input(in));
    // 1000 rounds of (drop one, forward one): far more drops than the history holds.
    for (int i = 0; i < 1000; ++i) {
      m.drop(++in);
      ++in;
      ++expected;
      CPPUNIT_ASSERT_EQUAL(expected, *m.input(in));
    }
  }

  void smallWidths()
  {
    SeqManager<8> tl0;
    tl0.reset(250);
    CPPUNIT_ASSERT_EQUAL(uint16_t{250}, *tl0.input(3));
    CPPUNIT_ASSERT_EQUAL(uint16_t{255}, *tl0.input(8));
    CPPUNIT_ASSERT_EQUAL(uint16_t{0}, *tl0.input(9)); // wraps at 8 bits
    SeqManager<15> pid;
    pid.reset(0x7fff);
    CPPUNIT_ASSERT_EQUAL(uint16_t{0x7fff}, *pid.input(10));
    CPPUNIT_ASSERT_EQUAL(uint16_t{0}, *pid.input(11));
    CPPUNIT_ASSERT(SeqManager<15>::newer(0, 0x7fff));
    CPPUNIT_ASSERT(!SeqManager<15>::newer(0x7fff, 0));
  }

  void timestampsContinueAcrossSwitch()
  {
    TimestampRewriter ts(90000);
    CPPUNIT_ASSERT_EQUAL(uint32_t{1000}, ts.rewrite(1000, 10));
    CPPUNIT_ASSERT_EQUAL(uint32_t{4000}, ts.rewrite(4000, 43));
    ts.sync();
    // 100 ms later, the new source's clock is elsewhere: output advances by 100 ms of ticks.
    CPPUNIT_ASSERT_EQUAL(uint32_t{4000 + 9000}, ts.rewrite(0xfffffff0, 143));
    CPPUNIT_ASSERT_EQUAL(uint32_t{4000 + 9000 + 3000}, ts.rewrite(0xfffffff0 + 3000, 176)); // wraps inside
    ts.sync();
    // Same millisecond: at least one tick forward, never backwards.
    uint32_t last = ts.lastOutput();
    CPPUNIT_ASSERT_EQUAL(last + 1, ts.rewrite(55, 176));
  }

  void vp8PictureIdsContinueAcrossSwitch()
  {
    Vp8Rewriter r;
    // Layer A: picture ids 100, 101 (two packets of 101), TL0PICIDX 5, 6.
    Bytes a1 = hex("90 c0 8064 05 10"), a2 = hex("90 c0 8065 06 11"), a3 = hex("80 c0 8065 06 00");
    for (Bytes* b : {&a1, &a2, &a3}) {
      auto d = vp8::parse(*b);
      CPPUNIT_ASSERT(r.rewrite(*b, *d));
    }
    CPPUNIT_ASSERT_EQUAL(vp8::parse(a2)->pictureId, vp8::parse(a3)->pictureId);
    uint16_t lastPid = vp8::parse(a3)->pictureId;
    uint8_t lastTl0 = vp8::parse(a3)->tl0PicIdx;
    r.sync();
    // Layer B numbers from 7000 / 200.
    Bytes b1 = hex("90 c0 9b58 c8 10");
    CPPUNIT_ASSERT(r.rewrite(b1, *vp8::parse(b1)));
    auto d = vp8::parse(b1);
    CPPUNIT_ASSERT_EQUAL(static_cast<uint16_t>(lastPid + 1), d->pictureId);
    CPPUNIT_ASSERT_EQUAL(static_cast<uint8_t>(lastTl0 + 1), d->tl0PicIdx);
    // A late packet of layer A after the switch is refused.
    Bytes late = hex("80 c0 8065 06 00");
    CPPUNIT_ASSERT(!r.rewrite(late, *vp8::parse(late)));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SeqManagerTest);
