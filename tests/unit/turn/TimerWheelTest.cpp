#include "turn/server/TimerWheel.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <utility>
#include <vector>

using talk::turn::TimerWheel;

class TimerWheelTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(TimerWheelTest);
  CPPUNIT_TEST(firesAtTheDueSecondNotBefore);
  CPPUNIT_TEST(delaysLongerThanOneLap);
  CPPUNIT_TEST(catchesUpAfterAStall);
  CPPUNIT_TEST(fireMayReschedule);
  CPPUNIT_TEST_SUITE_END();

  using Fired = std::vector<std::pair<uint64_t, int64_t>>;

  static void advance(TimerWheel& wheel, int64_t now, Fired& fired)
  {
    wheel.advance(now, [&](uint64_t id, int64_t due) { fired.emplace_back(id, due); });
  }

public:
  void firesAtTheDueSecondNotBefore()
  {
    TimerWheel wheel(16);
    Fired fired;
    advance(wheel, 100, fired);
    wheel.schedule(1, 103);
    wheel.schedule(2, 105);
    advance(wheel, 102, fired);
    CPPUNIT_ASSERT(fired.empty());
    advance(wheel, 103, fired);
    CPPUNIT_ASSERT_EQUAL(size_t(1), fired.size());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), fired[0].first);
    advance(wheel, 110, fired);
    CPPUNIT_ASSERT_EQUAL(size_t(2), fired.size());
    CPPUNIT_ASSERT_EQUAL(uint64_t(2), fired[1].first);
    CPPUNIT_ASSERT_EQUAL(size_t(0), wheel.size());
  }

  void delaysLongerThanOneLap()
  {
    TimerWheel wheel(8);
    Fired fired;
    advance(wheel, 0, fired);
    wheel.schedule(9, 20); // 2.5 laps away
    for (int64_t t = 1; t < 20; ++t) {
      advance(wheel, t, fired);
    }
    CPPUNIT_ASSERT(fired.empty());
    advance(wheel, 20, fired);
    CPPUNIT_ASSERT_EQUAL(size_t(1), fired.size());
    CPPUNIT_ASSERT_EQUAL(int64_t(20), fired[0].second);
  }

  void catchesUpAfterAStall()
  {
    TimerWheel wheel(8);
    Fired fired;
    advance(wheel, 0, fired);
    for (uint64_t id = 1; id <= 5; ++id) {
      wheel.schedule(id, static_cast<int64_t>(id * 3));
    }
    advance(wheel, 1000, fired); // far more than one lap at once
    CPPUNIT_ASSERT_EQUAL(size_t(5), fired.size());
  }

  void fireMayReschedule()
  {
    TimerWheel wheel(8);
    int count = 0;
    wheel.advance(0, [](uint64_t, int64_t) {});
    wheel.schedule(1, 2);
    for (int64_t t = 1; t <= 10; ++t) {
      wheel.advance(t, [&](uint64_t id, int64_t due) {
        ++count;
        if (count < 3) {
          wheel.schedule(id, due + 2);
        }
      });
    }
    CPPUNIT_ASSERT_EQUAL(3, count);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TimerWheelTest);
