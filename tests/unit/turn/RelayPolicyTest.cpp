#include "turn/policy/RelayPolicy.hpp"

#include "TestUtil.hpp"
#include "common/util/Error.hpp"

#include <cppunit/extensions/HelperMacros.h>

using namespace talk;
using namespace talk::turn::policy;
using talk::test::addr;

namespace {

// "ip" without port → port 5000; IPv6 literals in brackets are added here.
SocketAddress peer(const std::string& ip, uint16_t port = 5000)
{
  auto a = SocketAddress::fromIp(ip, port);
  CPPUNIT_ASSERT_MESSAGE("bad test ip " + ip, a.has_value());
  return *a;
}

std::string ruleOf(const RelayPolicy& policy, const std::string& ip, uint16_t port = 5000)
{
  return policyRuleName(policy.check(peer(ip, port)).rule);
}

void expectDenied(const RelayPolicy& policy, const std::string& ip, const std::string& rule)
{
  auto d = policy.check(peer(ip));
  CPPUNIT_ASSERT_MESSAGE(ip + " should be denied", !d.allowed);
  CPPUNIT_ASSERT_EQUAL_MESSAGE(ip, rule, std::string(policyRuleName(d.rule)));
}

void expectAllowed(const RelayPolicy& policy, const std::string& ip, const std::string& rule = "allowed")
{
  auto d = policy.check(peer(ip));
  CPPUNIT_ASSERT_MESSAGE(ip + " should be allowed, got " + policyRuleName(d.rule), d.allowed);
  CPPUNIT_ASSERT_EQUAL_MESSAGE(ip, rule, std::string(policyRuleName(d.rule)));
}

}

class RelayPolicyTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(RelayPolicyTest);
  CPPUNIT_TEST(specChecklistAddressesAreRejected);
  CPPUNIT_TEST(alwaysDeniedRangesV4AndV6);
  CPPUNIT_TEST(defaultDeniedRangesV4AndV6);
  CPPUNIT_TEST(embeddedIpv4FormsAreCanonicalised);
  CPPUNIT_TEST(publicAddressesAreAllowed);
  CPPUNIT_TEST(allowListOverridesDefaultsButNotHardDenies);
  CPPUNIT_TEST(denyListAndItsInteractionWithAllowList);
  CPPUNIT_TEST(loopbackDevelopmentSwitch);
  CPPUNIT_TEST(portZeroAndServerEndpoints);
  CPPUNIT_TEST(teredoIsOptional);
  CPPUNIT_TEST(badConfigStringsAreReported);
  CPPUNIT_TEST(ipPrefixParsingAndMatching);
  CPPUNIT_TEST_SUITE_END();

public:
  void specChecklistAddressesAreRejected()
  {
    // spec §9 "Peer filters" list, every entry with the default policy.
    RelayPolicy policy;
    expectDenied(policy, "0.0.0.0", "unspecified");
    expectDenied(policy, "::", "unspecified");
    expectDenied(policy, "::1", "loopback-denied");
    expectDenied(policy, "::ffff:127.0.0.1", "loopback-denied");
    expectDenied(policy, "::127.0.0.1", "loopback-denied");
    expectDenied(policy, "64:ff9b::7f00:1", "loopback-denied");
    expectDenied(policy, "2002:7f00:1::", "loopback-denied");
    expectDenied(policy, "169.254.169.254", "link-local");
    expectDenied(policy, "fe80::1", "link-local");
    expectDenied(policy, "224.0.0.1", "multicast");
  }

  void alwaysDeniedRangesV4AndV6()
  {
    RelayPolicy policy;
    for (const char* ip : {"0.0.0.0", "0.1.2.3", "0.255.255.255"}) {
      expectDenied(policy, ip, "unspecified");
    }
    for (const char* ip : {"127.0.0.1", "127.255.255.254", "127.1.2.3"}) {
      expectDenied(policy, ip, "loopback-denied");
    }
    for (const char* ip : {"169.254.0.1", "169.254.255.255", "fe80::", "febf:ffff::1"}) {
      expectDenied(policy, ip, "link-local");
    }
    for (const char* ip : {"224.0.0.0", "239.255.255.255", "ff02::1", "ff0e::1", "ff00::"}) {
      expectDenied(policy, ip, "multicast");
    }
    for (const char* ip : {"240.0.0.1", "255.255.255.255", "250.1.2.3"}) {
      expectDenied(policy, ip, "reserved");
    }
    // Just outside the ranges.
    expectAllowed(policy, "1.0.0.1");
    expectAllowed(policy, "126.255.255.255");
    expectAllowed(policy, "128.0.0.1");
    expectAllowed(policy, "169.253.255.255");
    expectAllowed(policy, "169.255.0.1");
    expectAllowed(policy, "223.255.255.255");
    expectAllowed(policy, "2a00::1");
    expectDenied(policy, "fec0::1", "private"); // site-local is default-denied, not link-local
  }

  void defaultDeniedRangesV4AndV6()
  {
    RelayPolicy policy;
    for (const char* ip : {"10.0.0.1", "10.255.255.255", "100.64.0.1", "100.127.255.254", "172.16.0.1",
                           "172.31.255.255", "192.168.0.1", "192.168.255.255", "192.0.0.8", "192.88.99.1",
                           "198.18.0.1", "198.19.255.255", "fc00::1", "fd12:3456::1", "fec0::1", "feff::1"}) {
      expectDenied(policy, ip, "private");
    }
    for (const char* ip : {"192.0.2.1", "198.51.100.1", "203.0.113.255", "2001:db8::1", "2001:db8:ffff::1"}) {
      expectDenied(policy, ip, "documentation");
    }
    // Boundaries.
    for (const char* ip : {"9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0", "172.15.255.255",
                           "172.32.0.0", "192.167.255.255", "192.169.0.0", "192.0.1.1", "192.0.3.0", "198.17.255.255",
                           "198.20.0.0", "198.51.99.255", "198.51.101.0", "203.0.112.255", "203.0.114.0",
                           "fbff:ffff::1", "2001:db9::1", "2001:db7::1"}) {
      expectAllowed(policy, ip);
    }
  }

  void embeddedIpv4FormsAreCanonicalised()
  {
    RelayPolicy policy;
    // 10.1.2.3 hidden in every IPv6 form.
    for (const char* ip : {"::ffff:10.1.2.3", "::10.1.2.3", "64:ff9b::a01:203", "2002:a01:203::1", "2002:a01:203:1::"}) {
      auto d = policy.check(peer(ip, 7000));
      CPPUNIT_ASSERT_MESSAGE(ip, !d.allowed);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(ip, std::string("private"), std::string(policyRuleName(d.rule)));
      CPPUNIT_ASSERT_EQUAL_MESSAGE(ip, std::string("10.1.2.3:7000"), d.canonical.toString());
      CPPUNIT_ASSERT_MESSAGE(ip, d.reduced);
    }
    for (const char* ip : {"::ffff:169.254.169.254", "::169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::"}) {
      expectDenied(policy, ip, "link-local");
    }
    for (const char* ip : {"::ffff:224.0.0.1", "64:ff9b::e000:1", "2002:e000:1::"}) {
      expectDenied(policy, ip, "multicast");
    }
    for (const char* ip : {"::ffff:0.0.0.0", "::0.0.0.2", "64:ff9b::", "2002::"}) {
      expectDenied(policy, ip, "unspecified");
    }
    // Public IPv4 behind the same forms is allowed, and the canonical form is IPv4.
    auto d = policy.check(peer("::ffff:8.8.8.8", 53));
    CPPUNIT_ASSERT(d.allowed);
    CPPUNIT_ASSERT(d.canonical.isV4());
    CPPUNIT_ASSERT_EQUAL(std::string("8.8.8.8:53"), d.canonical.toString());
    CPPUNIT_ASSERT_EQUAL(std::string("8.8.8.8:5000"), policy.check(peer("2002:808:808::")).canonical.toString());
    CPPUNIT_ASSERT_EQUAL(std::string("8.8.8.8:5000"), policy.check(peer("64:ff9b::808:808")).canonical.toString());
    // Plain IPv6 stays IPv6; :: and ::1 are not IPv4-compatible addresses.
    CPPUNIT_ASSERT(RelayPolicy::canonicalise(peer("2a00:1450::1")).isV6());
    CPPUNIT_ASSERT(!policy.check(peer("2a00:1450::1")).reduced);
    CPPUNIT_ASSERT(!policy.check(peer("8.8.8.8")).reduced);
    CPPUNIT_ASSERT(RelayPolicy::canonicalise(peer("::")).isV6());
    CPPUNIT_ASSERT(RelayPolicy::canonicalise(peer("::1")).isV6());
    // NAT64 needs bytes 4–11 zero; 64:ff9b:1::/48 (local-use) is left alone.
    CPPUNIT_ASSERT(RelayPolicy::canonicalise(peer("64:ff9b:1::a01:203")).isV6());
  }

  void publicAddressesAreAllowed()
  {
    RelayPolicy policy;
    for (const char* ip : {"8.8.8.8", "1.1.1.1", "93.184.216.34", "2a00:1450:4001:80b::200e", "2606:4700::1111",
                           "2002:808:808::1"}) {
      expectAllowed(policy, ip);
    }
  }

  void allowListOverridesDefaultsButNotHardDenies()
  {
    RelayPolicy::Settings s;
    s.allow = {"10.0.0.0/8", "fd00::/8", "192.0.2.7", "169.254.0.0/16", "127.0.0.1", "0.0.0.0/0", "::/0"};
    RelayPolicy policy(s);
    expectAllowed(policy, "10.20.30.40", "allow-list");
    expectAllowed(policy, "::ffff:10.20.30.40", "allow-list");
    expectAllowed(policy, "2002:a14:1e28::", "allow-list");
    expectAllowed(policy, "fd00::1", "allow-list");
    expectAllowed(policy, "192.0.2.7", "allow-list");
    expectAllowed(policy, "8.8.8.8", "allow-list"); // 0.0.0.0/0 matches too
    // Rule 3 is not overridable, not even by 0.0.0.0/0 or explicit entries.
    expectDenied(policy, "169.254.169.254", "link-local");
    expectDenied(policy, "127.0.0.1", "loopback-denied");
    expectDenied(policy, "::1", "loopback-denied");
    expectDenied(policy, "224.0.0.1", "multicast");
    expectDenied(policy, "0.0.0.0", "unspecified");
    expectDenied(policy, "fe80::1", "link-local");
    // Narrow allow entry: its neighbours stay default-denied.
    RelayPolicy narrow(RelayPolicy::Settings{{"192.0.2.7"}, {}, false, true, {}});
    expectAllowed(narrow, "192.0.2.7", "allow-list");
    expectDenied(narrow, "192.0.2.8", "documentation");
  }

  void denyListAndItsInteractionWithAllowList()
  {
    RelayPolicy::Settings s;
    s.deny = {"8.8.8.0/24", "2a00:1450::/32"};
    s.allow = {"8.8.8.8"};
    RelayPolicy policy(s);
    expectDenied(policy, "8.8.8.9", "deny-list");
    expectDenied(policy, "::ffff:8.8.8.9", "deny-list");
    expectDenied(policy, "2a00:1450:4001::1", "deny-list");
    expectAllowed(policy, "8.8.8.8", "allow-list"); // allow beats deny (coturn semantics)
    expectAllowed(policy, "8.8.4.4");
  }

  void loopbackDevelopmentSwitch()
  {
    RelayPolicy::Settings s;
    s.allowLoopback = true;
    RelayPolicy policy(s);
    expectAllowed(policy, "127.0.0.1", "loopback");
    expectAllowed(policy, "::1", "loopback");
    expectAllowed(policy, "::ffff:127.0.0.1", "loopback");
    expectDenied(policy, "169.254.1.1", "link-local");
    expectDenied(policy, "10.0.0.1", "private");
  }

  void portZeroAndServerEndpoints()
  {
    RelayPolicy::Settings s;
    s.allowLoopback = true;
    s.deniedEndpoints = {addr("127.0.0.1:3478"), addr("[::ffff:127.0.0.1]:9090"), addr("[2a00::5]:4222")};
    RelayPolicy policy(s);
    CPPUNIT_ASSERT_EQUAL(std::string("port-zero"), ruleOf(policy, "8.8.8.8", 0));
    CPPUNIT_ASSERT_EQUAL(std::string("server-endpoint"), ruleOf(policy, "127.0.0.1", 3478));
    CPPUNIT_ASSERT_EQUAL(std::string("server-endpoint"), ruleOf(policy, "::ffff:127.0.0.1", 3478));
    CPPUNIT_ASSERT_EQUAL(std::string("server-endpoint"), ruleOf(policy, "127.0.0.1", 9090));
    CPPUNIT_ASSERT_EQUAL(std::string("server-endpoint"), ruleOf(policy, "2a00::5", 4222));
    CPPUNIT_ASSERT_EQUAL(std::string("loopback"), ruleOf(policy, "127.0.0.1", 3479)); // a relay port: fine
    CPPUNIT_ASSERT_EQUAL(std::string("allowed"), ruleOf(policy, "2a00::5", 4223));
    SocketAddress invalid;
    CPPUNIT_ASSERT(!policy.check(invalid).allowed);
    CPPUNIT_ASSERT_EQUAL(std::string("bad-family"), std::string(policyRuleName(policy.check(invalid).rule)));
    RelayPolicy::Settings bad;
    bad.deniedEndpoints = {SocketAddress()};
    CPPUNIT_ASSERT_THROW(RelayPolicy{bad}, ConfigError);
  }

  void teredoIsOptional()
  {
    // Teredo 2001:0::/32: client 10.0.0.1 port 40000 stored inverted: ~0x0a000001 = f5fffffe,
    // ~40000 (0x9c40) = 0x63bf. Server part (bytes 4–7) 8.8.8.8 is ignored.
    const std::string teredo = "2001:0:808:808:0:63bf:f5ff:fffe";
    RelayPolicy on;
    auto d = on.check(peer(teredo));
    CPPUNIT_ASSERT(!d.allowed);
    CPPUNIT_ASSERT_EQUAL(std::string("10.0.0.1:40000"), d.canonical.toString());
    RelayPolicy off(RelayPolicy::Settings{{}, {}, false, false, {}});
    CPPUNIT_ASSERT(off.check(peer(teredo)).allowed);
    CPPUNIT_ASSERT(off.check(peer(teredo)).canonical.isV6());
  }

  void badConfigStringsAreReported()
  {
    auto message = [](std::vector<std::string> allow, std::vector<std::string> deny) -> std::string {
      try {
        RelayPolicy p(RelayPolicy::Settings{std::move(allow), std::move(deny), false, true, {}});
      }
      catch (const ConfigError& e) {
        return e.what();
      }
      return "";
    };
    std::string m = message({"10.0.0.0/33"}, {});
    CPPUNIT_ASSERT_MESSAGE(m, m.find("relay allow-list") != std::string::npos && m.find("10.0.0.0/33") != std::string::npos &&
                                m.find("exceeds 32") != std::string::npos);
    m = message({}, {"10.1.2.3/8"});
    CPPUNIT_ASSERT_MESSAGE(m, m.find("relay deny-list") != std::string::npos && m.find("did you mean 10.0.0.0/8") != std::string::npos);
    m = message({"hello"}, {});
    CPPUNIT_ASSERT_MESSAGE(m, m.find("not an IPv4 or IPv6 address") != std::string::npos);
    for (const char* bad : {"", "/8", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/-1", "10.0.0.0/8/8", " 10.0.0.0/8",
                            "fd00::/129", "fe80::1%eth0", "10.0.0.0/0008"}) {
      CPPUNIT_ASSERT_MESSAGE(std::string("accepted '") + bad + "'", !message({bad}, {}).empty());
    }
  }

  void ipPrefixParsingAndMatching()
  {
    auto p = IpPrefix::parse("172.16.0.0/12");
    CPPUNIT_ASSERT_EQUAL(std::string("172.16.0.0/12"), p.toString());
    CPPUNIT_ASSERT(p.contains(peer("172.31.1.1")));
    CPPUNIT_ASSERT(!p.contains(peer("172.32.0.0")));
    CPPUNIT_ASSERT(!p.contains(peer("::ffff:172.16.0.1"))); // no canonicalisation at this level
    CPPUNIT_ASSERT_EQUAL(std::string("192.0.2.7/32"), IpPrefix::parse("192.0.2.7").toString());
    CPPUNIT_ASSERT_EQUAL(std::string("2001:db8::1/128"), IpPrefix::parse("2001:db8::1").toString());
    CPPUNIT_ASSERT_EQUAL(std::string("fd00::/8"), IpPrefix::parse("fd00::/8").toString());
    auto any = IpPrefix::parse("::/0");
    CPPUNIT_ASSERT(any.contains(peer("2a00::1")));
    CPPUNIT_ASSERT(!any.contains(peer("1.2.3.4")));
    auto odd = IpPrefix::parse("fe80::/10");
    CPPUNIT_ASSERT(odd.contains(peer("febf::1")));
    CPPUNIT_ASSERT(!odd.contains(peer("fec0::1")));
    CPPUNIT_ASSERT_EQUAL(std::string("10.0.0.0/7"), IpPrefix::fromBytes(AF_INET, test::fromHex("0b010203"), 7).toString());
    std::string error;
    CPPUNIT_ASSERT(!IpPrefix::tryParse("300.1.1.1", &error));
    CPPUNIT_ASSERT(error.find("300.1.1.1") != std::string::npos);
    CPPUNIT_ASSERT_THROW(IpPrefix::parse("1.2.3.4/40"), ConfigError);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RelayPolicyTest);
