// Client addresses behind proxies and address allow-lists (spec §1, §14).
#include "signaling/ClientAddress.hpp"

#include <cppunit/extensions/HelperMacros.h>

using namespace talk::signaling;

class ClientAddressTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(ClientAddressTest);
  CPPUNIT_TEST(prefixes);
  CPPUNIT_TEST(proxiesAreTrustedOnlyWhenListed);
  CPPUNIT_TEST_SUITE_END();

public:
  void prefixes()
  {
    std::vector<std::string> list{"10.0.0.0/8", "::1", "fc00::/7", "192.168.1.7", "bogus/x", "1.2.3.4/99"};
    CPPUNIT_ASSERT(ipInList("10.200.3.4", list));
    CPPUNIT_ASSERT(!ipInList("11.0.0.1", list));
    CPPUNIT_ASSERT(ipInList("::1", list));
    CPPUNIT_ASSERT(ipInList("fd12::5", list));
    CPPUNIT_ASSERT(!ipInList("fe80::1", list));
    CPPUNIT_ASSERT(ipInList("::ffff:10.1.1.1", list));
    CPPUNIT_ASSERT(ipInList("192.168.1.7", list));
    CPPUNIT_ASSERT(!ipInList("192.168.1.8", list));
    CPPUNIT_ASSERT(!ipInList("1.2.3.4", list));
    CPPUNIT_ASSERT(!ipInList("not an ip", list));
    CPPUNIT_ASSERT(ipInList("1.2.3.4", {"0.0.0.0/0"}));
  }

  void proxiesAreTrustedOnlyWhenListed()
  {
    std::vector<std::string> trusted{"127.0.0.0/8", "10.0.0.0/8"};
    CPPUNIT_ASSERT_EQUAL(std::string("203.0.113.9"), effectiveClientIp("127.0.0.1", "203.0.113.9", "", trusted));
    CPPUNIT_ASSERT_EQUAL(std::string("198.51.100.1"), effectiveClientIp("198.51.100.1", "203.0.113.9", "1.1.1.1", trusted));
    CPPUNIT_ASSERT_EQUAL(std::string("203.0.113.5"),
      effectiveClientIp("127.0.0.1", "", "6.6.6.6, 203.0.113.5, 10.1.2.3", trusted));
    CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), effectiveClientIp("127.0.0.1", "", "10.0.0.1", trusted));
    CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), effectiveClientIp("127.0.0.1", "garbage", "junk", trusted));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ClientAddressTest);
