#include "rtc/stream/SimulcastLayerSelector.hpp"

#include <cppunit/extensions/HelperMacros.h>

using namespace talk::rtc;

namespace {

PayloadInfo frame(bool keyframe, uint8_t tid = 0, bool sync = false)
{
  PayloadInfo p;
  p.keyframe = keyframe;
  p.startOfFrame = true;
  p.temporalLayer = tid;
  p.layerSync = sync;
  return p;
}

PayloadInfo continuation(uint8_t tid = 0)
{
  PayloadInfo p = frame(false, tid);
  p.startOfFrame = false;
  return p;
}

}

class SimulcastLayerSelectorTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(SimulcastLayerSelectorTest);
  CPPUNIT_TEST(startsOnFirstKeyframeOfTarget);
  CPPUNIT_TEST(switchesOnlyAtTargetKeyframe);
  CPPUNIT_TEST(requestsKeyframesOncePerInterval);
  CPPUNIT_TEST(fallsBackWhenLayerStops);
  CPPUNIT_TEST(temporalLayerDropping);
  CPPUNIT_TEST(clampsRequests);
  CPPUNIT_TEST_SUITE_END();

public:
  void startsOnFirstKeyframeOfTarget()
  {
    SimulcastLayerSelector s(3, 3);
    CPPUNIT_ASSERT_EQUAL(2, s.targetSpatial()); // highest by default
    CPPUNIT_ASSERT_EQUAL(-1, s.currentSpatial());
    // All three layers start; delta frames are withheld until a keyframe of the target.
    CPPUNIT_ASSERT(!s.onPacket(0, frame(false), 0).forward);
    CPPUNIT_ASSERT(!s.onPacket(1, frame(false), 0).forward);
    CPPUNIT_ASSERT(!s.onPacket(2, frame(false), 0).forward);
    auto d = s.onPacket(2, frame(true), 10);
    CPPUNIT_ASSERT(d.forward && d.switched);
    CPPUNIT_ASSERT_EQUAL(2, s.currentSpatial());
    CPPUNIT_ASSERT(s.onPacket(2, continuation(), 11).forward);
    CPPUNIT_ASSERT(!s.onPacket(1, frame(true), 12).forward); // other layers are not forwarded
  }

  void switchesOnlyAtTargetKeyframe()
  {
    SimulcastLayerSelector s(3, 1);
    s.onPacket(0, frame(true), 0);
    s.onPacket(1, frame(true), 0);
    s.onPacket(2, frame(true), 0);
    CPPUNIT_ASSERT_EQUAL(2, s.currentSpatial());
    s.setTarget(0, std::nullopt);
    // Until layer 0 has a keyframe, layer 2 keeps flowing.
    CPPUNIT_ASSERT(s.onPacket(2, frame(false), 10).forward);
    CPPUNIT_ASSERT(!s.onPacket(0, frame(false), 10).forward);
    CPPUNIT_ASSERT(!s.onPacket(1, frame(true), 11).forward); // a keyframe, but not of the target
    auto d = s.onPacket(0, frame(true), 12);
    CPPUNIT_ASSERT(d.forward && d.switched);
    CPPUNIT_ASSERT(!s.onPacket(2, frame(false), 13).forward);
    CPPUNIT_ASSERT(s.onPacket(0, frame(false), 13).forward);
    CPPUNIT_ASSERT(!s.onPacket(0, frame(false), 14).switched);
  }

  void requestsKeyframesOncePerInterval()
  {
    SimulcastLayerSelector s(3, 1);
    s.onPacket(1, frame(true), 0);
    s.onPacket(0, frame(false), 0);
    s.onPacket(2, frame(false), 0); // target 2 active now, no keyframe yet
    auto r = s.takeKeyframeRequest(0);
    CPPUNIT_ASSERT(r.has_value());
    CPPUNIT_ASSERT_EQUAL(2, *r);
    CPPUNIT_ASSERT(!s.takeKeyframeRequest(500).has_value());
    s.onPacket(2, frame(false), 900);
    auto again = s.takeKeyframeRequest(1000 + 1);
    CPPUNIT_ASSERT(again.has_value());
    s.onPacket(2, frame(true), 1100);
    CPPUNIT_ASSERT(!s.takeKeyframeRequest(5000).has_value()); // switched: nothing pending
  }

  void fallsBackWhenLayerStops()
  {
    SimulcastLayerSelector s(3, 1);
    s.onPacket(0, frame(true), 0);
    s.onPacket(1, frame(true), 0);
    s.onPacket(2, frame(true), 0);
    CPPUNIT_ASSERT_EQUAL(2, s.currentSpatial());
    // Layer 2 stops (bandwidth): only 0 and 1 keep arriving.
    int64_t t = 0;
    for (; t < SimulcastLayerSelector::InactiveAfterMs + 100; t += 100) {
      s.onPacket(0, frame(false), t);
      s.onPacket(1, frame(false), t);
    }
    CPPUNIT_ASSERT_EQUAL(1, s.effectiveTarget(t));
    CPPUNIT_ASSERT_EQUAL(1, *s.takeKeyframeRequest(t));
    auto d = s.onPacket(1, frame(true), t);
    CPPUNIT_ASSERT(d.switched && d.forward);
    CPPUNIT_ASSERT_EQUAL(1, s.currentSpatial());
    // Layer 2 returns: back up at its next keyframe.
    s.onPacket(2, frame(false), t + 10);
    CPPUNIT_ASSERT_EQUAL(2, s.effectiveTarget(t + 10));
    CPPUNIT_ASSERT(s.onPacket(1, frame(false), t + 20).forward);
    CPPUNIT_ASSERT(s.onPacket(2, frame(true), t + 30).switched);
    // Requested layer below all active ones: the lowest active above it is used.
    SimulcastLayerSelector low(3, 1);
    low.setTarget(0, std::nullopt);
    low.onPacket(2, frame(false), 0);
    CPPUNIT_ASSERT_EQUAL(2, low.effectiveTarget(0));
  }

  void temporalLayerDropping()
  {
    SimulcastLayerSelector s(1, 3);
    CPPUNIT_ASSERT(s.onPacket(0, frame(true, 0), 0).forward);
    CPPUNIT_ASSERT_EQUAL(2, s.currentTemporal());
    CPPUNIT_ASSERT(s.onPacket(0, frame(false, 2), 1).forward);
    s.setTarget(std::nullopt, 0);
    // Down immediately at the next frame start.
    CPPUNIT_ASSERT(!s.onPacket(0, frame(false, 1), 2).forward);
    CPPUNIT_ASSERT(!s.onPacket(0, continuation(1), 2).forward);
    CPPUNIT_ASSERT(s.onPacket(0, frame(false, 0), 3).forward);
    CPPUNIT_ASSERT_EQUAL(0, s.currentTemporal());
    s.setTarget(std::nullopt, 1);
    // Up only at a sync point or a base-layer frame.
    CPPUNIT_ASSERT(!s.onPacket(0, frame(false, 1, false), 4).forward);
    CPPUNIT_ASSERT(s.onPacket(0, frame(false, 1, true), 5).forward);
    CPPUNIT_ASSERT_EQUAL(1, s.currentTemporal());
    CPPUNIT_ASSERT(!s.onPacket(0, frame(false, 2, true), 6).forward); // above the target
  }

  void clampsRequests()
  {
    SimulcastLayerSelector s(2, 1);
    s.setTarget(7, 9);
    CPPUNIT_ASSERT_EQUAL(1, s.targetSpatial());
    CPPUNIT_ASSERT_EQUAL(0, s.targetTemporal());
    s.setTarget(-3, std::nullopt);
    CPPUNIT_ASSERT_EQUAL(0, s.targetSpatial());
    CPPUNIT_ASSERT(!s.onPacket(5, frame(true), 0).forward); // unknown layer
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SimulcastLayerSelectorTest);
