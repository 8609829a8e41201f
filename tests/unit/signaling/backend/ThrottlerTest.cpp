// Brute-force throttling with a hand-moved clock.
#include "signaling/backend/Throttler.hpp"

#include "../../turn/FakeClock.hpp"

#include <cppunit/extensions/HelperMacros.h>

using namespace talk::signaling::backend;
using talk::test::FakeClock;

class ThrottlerTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(ThrottlerTest);
  CPPUNIT_TEST(delayGrowsAndCaps);
  CPPUNIT_TEST(blocksAfterTenFailures);
  CPPUNIT_TEST(windowExpiry);
  CPPUNIT_TEST(actionsAreSeparate);
  CPPUNIT_TEST(ipv6GroupedBySlash64);
  CPPUNIT_TEST(addressKeys);
  CPPUNIT_TEST(memoryIsBounded);
  CPPUNIT_TEST_SUITE_END();

public:
  void delayGrowsAndCaps()
  {
    FakeClock clock;
    Throttler::Options options;
    options.maxFailures = 100;
    Throttler throttler(clock, options);
    const int64_t expected[] = {100, 200, 400, 800, 1600, 3200, 6400, 12800, 25000, 25000, 25000};
    for (int64_t delay : expected) {
      CPPUNIT_ASSERT_EQUAL(delay, throttler.recordFailure("192.0.2.1", "hello"));
    }
  }

  void blocksAfterTenFailures()
  {
    FakeClock clock;
    Throttler throttler(clock);
    for (int i = 0; i < 9; ++i) {
      throttler.recordFailure("192.0.2.1", "hello");
      CPPUNIT_ASSERT(throttler.allowed("192.0.2.1", "hello"));
    }
    throttler.recordFailure("192.0.2.1", "hello");
    CPPUNIT_ASSERT(!throttler.allowed("192.0.2.1", "hello"));
    CPPUNIT_ASSERT(throttler.allowed("192.0.2.2", "hello"));
  }

  void windowExpiry()
  {
    FakeClock clock;
    Throttler throttler(clock);
    for (int i = 0; i < 10; ++i) {
      throttler.recordFailure("192.0.2.1", "hello");
    }
    clock.advance(29 * 60);
    CPPUNIT_ASSERT(!throttler.allowed("192.0.2.1", "hello"));
    clock.advance(61);
    CPPUNIT_ASSERT(throttler.allowed("192.0.2.1", "hello"));
    // A fresh window starts with the short delay again.
    CPPUNIT_ASSERT_EQUAL(int64_t(100), throttler.recordFailure("192.0.2.1", "hello"));
  }

  void actionsAreSeparate()
  {
    FakeClock clock;
    Throttler throttler(clock);
    for (int i = 0; i < 10; ++i) {
      throttler.recordFailure("192.0.2.1", "resume");
    }
    CPPUNIT_ASSERT(!throttler.allowed("192.0.2.1", "resume"));
    CPPUNIT_ASSERT(throttler.allowed("192.0.2.1", "backend"));
  }

  void ipv6GroupedBySlash64()
  {
    FakeClock clock;
    Throttler throttler(clock);
    for (int i = 0; i < 10; ++i) {
      throttler.recordFailure("2001:db8:1:2::" + std::to_string(i + 1), "hello");
    }
    CPPUNIT_ASSERT(!throttler.allowed("2001:db8:1:2:ffff:ffff:ffff:ffff", "hello"));
    CPPUNIT_ASSERT(throttler.allowed("2001:db8:1:3::1", "hello"));
    CPPUNIT_ASSERT_EQUAL(size_t(1), throttler.size());
  }

  void addressKeys()
  {
    CPPUNIT_ASSERT_EQUAL(std::string("192.0.2.7"), Throttler::addressKey("192.0.2.7"));
    CPPUNIT_ASSERT_EQUAL(std::string("192.0.2.7"), Throttler::addressKey("::ffff:192.0.2.7"));
    CPPUNIT_ASSERT_EQUAL(std::string("2001:db8::/64"), Throttler::addressKey("2001:db8::abcd:1"));
    CPPUNIT_ASSERT_EQUAL(std::string("2001:db8::/64"), Throttler::addressKey("[2001:DB8:0:0:1::2]"));
    CPPUNIT_ASSERT_EQUAL(std::string("fe80::/64"), Throttler::addressKey("fe80::1%eth0"));
    CPPUNIT_ASSERT_EQUAL(std::string("not-an-ip"), Throttler::addressKey("not-an-ip"));
  }

  void memoryIsBounded()
  {
    FakeClock clock;
    Throttler::Options options;
    options.maxEntries = 100;
    Throttler throttler(clock, options);
    for (int i = 0; i < 10000; ++i) {
      throttler.recordFailure("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256), "hello");
      CPPUNIT_ASSERT(throttler.size() <= 100);
    }
    // The most recent offenders are still tracked.
    for (int i = 0; i < 9; ++i) {
      throttler.recordFailure("10.0.39.15", "hello");
    }
    CPPUNIT_ASSERT(!throttler.allowed("10.0.39.15", "hello"));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ThrottlerTest);
