#include "common/net/SocketAddress.hpp"

#include <cppunit/extensions/HelperMacros.h>

using talk::SocketAddress;

class SocketAddressTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(SocketAddressTest);
  CPPUNIT_TEST(parsesV4AndV6);
  CPPUNIT_TEST(rejectsMalformed);
  CPPUNIT_TEST(comparesByIpAndPort);
  CPPUNIT_TEST_SUITE_END();

public:
  void parsesV4AndV6()
  {
    auto v4 = SocketAddress::parse("192.0.2.1:3478");
    CPPUNIT_ASSERT(v4 && v4->isV4());
    CPPUNIT_ASSERT_EQUAL(uint16_t(3478), v4->port());
    CPPUNIT_ASSERT_EQUAL(std::string("192.0.2.1:3478"), v4->toString());
    auto v6 = SocketAddress::parse("[2001:db8::1]:443");
    CPPUNIT_ASSERT(v6 && v6->isV6());
    CPPUNIT_ASSERT_EQUAL(std::string("[2001:db8::1]:443"), v6->toString());
    CPPUNIT_ASSERT_EQUAL(size_t(16), v6->addressLength());
  }

  void rejectsMalformed()
  {
    for (const char* bad : {"", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "::1:80", "[::1]80", "999.1.1.1:1", "host:80", "1.2.3.4:8a"}) {
      CPPUNIT_ASSERT_MESSAGE(bad, !SocketAddress::parse(bad).has_value());
    }
  }

  void comparesByIpAndPort()
  {
    auto a = *SocketAddress::parse("10.0.0.1:1000");
    auto b = *SocketAddress::parse("10.0.0.1:1001");
    CPPUNIT_ASSERT(a != b);
    CPPUNIT_ASSERT(a.sameIp(b));
    b.setPort(1000);
    CPPUNIT_ASSERT(a == b);
    CPPUNIT_ASSERT_EQUAL(a.hash(), b.hash());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SocketAddressTest);
