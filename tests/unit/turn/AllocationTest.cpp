#include "turn/server/Allocation.hpp"

#include "TestUtil.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using namespace talk;
using namespace talk::turn;
using talk::test::addr;

class AllocationTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(AllocationTest);
  CPPUNIT_TEST(permissionsArePerIpAndExpire);
  CPPUNIT_TEST(permissionRefreshExtends);
  CPPUNIT_TEST(channelBindInstallsPermission);
  CPPUNIT_TEST(channelConflictsAreRefused);
  CPPUNIT_TEST(sameChannelPairRefreshes);
  CPPUNIT_TEST(expiredChannelCanBeRebound);
  CPPUNIT_TEST(sweepAndNextExpiry);
  CPPUNIT_TEST(bandwidthCap);
  CPPUNIT_TEST(manyChannelsAreFoundByNumber);
  CPPUNIT_TEST(peerLookupAcrossTheIndexThreshold);
  CPPUNIT_TEST_SUITE_END();

  Allocation make() { return Allocation(1, FiveTuple{AddressKey::from(addr("192.0.2.1:5000")), 1, Transport::Udp}, addr("192.0.2.1:5000")); }

public:
  void permissionsArePerIpAndExpire()
  {
    Allocation a = make();
    a.installPermission(AddressKey::from(addr("198.51.100.7:1234")), 100);
    CPPUNIT_ASSERT(a.hasPermission(AddressKey::from(addr("198.51.100.7:9")).ipOnly(), 100));
    CPPUNIT_ASSERT(!a.hasPermission(AddressKey::from(addr("198.51.100.8:1234")).ipOnly(), 100));
    CPPUNIT_ASSERT(a.hasPermission(AddressKey::from(addr("198.51.100.7:1")).ipOnly(), 399.9));
    CPPUNIT_ASSERT(!a.hasPermission(AddressKey::from(addr("198.51.100.7:1")).ipOnly(), 400));
  }

  void permissionRefreshExtends()
  {
    Allocation a = make();
    const auto peer = AddressKey::from(addr("[2001:db8::5]:1"));
    a.installPermission(peer, 100);
    a.installPermission(peer, 350);
    CPPUNIT_ASSERT_EQUAL(size_t(1), a.permissionCount());
    CPPUNIT_ASSERT(a.hasPermission(peer.ipOnly(), 600));
    CPPUNIT_ASSERT(!a.hasPermission(peer.ipOnly(), 650));
  }

  void channelBindInstallsPermission()
  {
    Allocation a = make();
    CPPUNIT_ASSERT(a.bindChannel(0x4000, addr("203.0.113.9:7000"), 10));
    CPPUNIT_ASSERT(a.hasPermission(AddressKey::from(addr("203.0.113.9:1")).ipOnly(), 10));
    const ChannelBinding* byNumber = a.channelByNumber(0x4000, 10);
    CPPUNIT_ASSERT(byNumber != nullptr);
    CPPUNIT_ASSERT(byNumber->peer == addr("203.0.113.9:7000"));
    CPPUNIT_ASSERT(a.channelByPeer(AddressKey::from(addr("203.0.113.9:7000")), 10) == byNumber);
    // Same IP, other port: not this channel (channels are per transport address).
    CPPUNIT_ASSERT(a.channelByPeer(AddressKey::from(addr("203.0.113.9:7001")), 10) == nullptr);
    CPPUNIT_ASSERT(a.channelByNumber(0x4000, 610) == nullptr);
  }

  void channelConflictsAreRefused()
  {
    Allocation a = make();
    CPPUNIT_ASSERT(a.bindChannel(0x4000, addr("203.0.113.9:7000"), 10));
    CPPUNIT_ASSERT(!a.bindChannel(0x4000, addr("203.0.113.9:7001"), 20)); // number taken
    CPPUNIT_ASSERT(!a.bindChannel(0x4001, addr("203.0.113.9:7000"), 20)); // peer taken
    CPPUNIT_ASSERT(a.bindChannel(0x7FFF, addr("203.0.113.9:7001"), 20));
    CPPUNIT_ASSERT_EQUAL(size_t(2), a.channelCount());
  }

  void sameChannelPairRefreshes()
  {
    Allocation a = make();
    CPPUNIT_ASSERT(a.bindChannel(0x4100, addr("203.0.113.9:7000"), 10));
    CPPUNIT_ASSERT(a.bindChannel(0x4100, addr("203.0.113.9:7000"), 500));
    CPPUNIT_ASSERT_EQUAL(size_t(1), a.channelCount());
    CPPUNIT_ASSERT(a.channelByNumber(0x4100, 1000) != nullptr);
    CPPUNIT_ASSERT(a.channelByNumber(0x4100, 1100) == nullptr);
  }

  void expiredChannelCanBeRebound()
  {
    Allocation a = make();
    CPPUNIT_ASSERT(a.bindChannel(0x4000, addr("203.0.113.9:7000"), 10));
    CPPUNIT_ASSERT(a.bindChannel(0x4000, addr("203.0.113.10:7000"), 700));
    CPPUNIT_ASSERT_EQUAL(size_t(1), a.channelCount());
    CPPUNIT_ASSERT(a.channelByNumber(0x4000, 700)->peer == addr("203.0.113.10:7000"));
  }

  // Numbers sharing their low bits (0x4000 + k·256) probe past each other in the number
  // index; every one must still find its own peer, also after half of them expired.
  void manyChannelsAreFoundByNumber()
  {
    Allocation a = make();
    auto peerOf = [](int k) { return addr("203.0.113." + std::to_string(k % 200 + 1) + ":" + std::to_string(1000 + k)); };
    auto numberOf = [](int k) { return static_cast<uint16_t>(k < 64 ? 0x4000 + k * 256 : 0x4001 + k); };
    for (int k = 0; k < 100; ++k) {
      // Even k bound at time 0 (expire at 600), odd k at 300 (expire at 900).
      CPPUNIT_ASSERT(a.bindChannel(numberOf(k), peerOf(k), k % 2 == 0 ? 0 : 300));
    }
    CPPUNIT_ASSERT_EQUAL(size_t(100), a.channelCount());
    for (int k = 0; k < 100; ++k) {
      const ChannelBinding* c = a.channelByNumber(numberOf(k), 400);
      CPPUNIT_ASSERT(c != nullptr);
      CPPUNIT_ASSERT(c->peer == peerOf(k));
      CPPUNIT_ASSERT_EQUAL(numberOf(k), c->number);
      // The peer index finds the same binding.
      CPPUNIT_ASSERT(a.channelByPeer(AddressKey::from(peerOf(k)), 400) == c);
    }
    CPPUNIT_ASSERT(a.channelByNumber(0x4002 + 99, 400) == nullptr);
    CPPUNIT_ASSERT(a.channelByPeer(AddressKey::from(addr("203.0.113.1:999")), 400) == nullptr);
    CPPUNIT_ASSERT(a.channelByNumber(0x7F01, 400) == nullptr);
    a.sweep(700);
    CPPUNIT_ASSERT_EQUAL(size_t(50), a.channelCount());
    for (int k = 0; k < 100; ++k) {
      const ChannelBinding* c = a.channelByNumber(numberOf(k), 700);
      if (k % 2 == 0) {
        CPPUNIT_ASSERT(c == nullptr);
      }
      else {
        CPPUNIT_ASSERT(c != nullptr);
        CPPUNIT_ASSERT(c->peer == peerOf(k));
      }
      CPPUNIT_ASSERT(a.channelByPeer(AddressKey::from(peerOf(k)), 700) == c);
    }
    // A freed number can be bound again to another peer and is found.
    CPPUNIT_ASSERT(a.bindChannel(numberOf(0), addr("198.51.100.77:5"), 700));
    CPPUNIT_ASSERT(a.channelByNumber(numberOf(0), 700)->peer == addr("198.51.100.77:5"));
    CPPUNIT_ASSERT(a.channelByPeer(AddressKey::from(addr("198.51.100.77:5")), 700) == a.channelByNumber(numberOf(0), 700));
    a.sweep(2000);
    CPPUNIT_ASSERT(a.channelByPeer(AddressKey::from(peerOf(1)), 2000) == nullptr);
    CPPUNIT_ASSERT(a.channelByNumber(numberOf(1), 2000) == nullptr);
  }

  // Crossing the threshold between scanning and hashing peers, both ways.
  void peerLookupAcrossTheIndexThreshold()
  {
    Allocation a = make();
    auto peerOf = [](int k) { return addr("198.51.100." + std::to_string(k + 1) + ":" + std::to_string(4000 + k)); };
    for (int k = 0; k < 6; ++k) {
      // k < 3 expire at 600, the others at 900.
      CPPUNIT_ASSERT(a.bindChannel(static_cast<uint16_t>(0x4000 + k), peerOf(k), k < 3 ? 0 : 300));
      for (int j = 0; j <= k; ++j) {
        const ChannelBinding* c = a.channelByPeer(AddressKey::from(peerOf(j)), 400);
        CPPUNIT_ASSERT(c != nullptr);
        CPPUNIT_ASSERT_EQUAL(static_cast<uint16_t>(0x4000 + j), c->number);
      }
      CPPUNIT_ASSERT(a.channelByPeer(AddressKey::from(peerOf(k + 1)), 400) == nullptr);
    }
    a.sweep(700); // 3 left: back to scanning
    CPPUNIT_ASSERT_EQUAL(size_t(3), a.channelCount());
    for (int k = 0; k < 6; ++k) {
      const ChannelBinding* c = a.channelByPeer(AddressKey::from(peerOf(k)), 700);
      CPPUNIT_ASSERT(k < 3 ? c == nullptr : c != nullptr && c->number == 0x4000 + k);
    }
  }

  void sweepAndNextExpiry()
  {
    Allocation a = make();
    a.expires = 1000;
    a.installPermission(AddressKey::from(addr("198.51.100.1:1")), 0);  // until 300
    CPPUNIT_ASSERT(a.bindChannel(0x4000, addr("198.51.100.2:2"), 100)); // until 700 (+perm 400)
    CPPUNIT_ASSERT_EQUAL(300.0, a.nextExpiry());
    a.sweep(350);
    CPPUNIT_ASSERT_EQUAL(size_t(1), a.permissionCount());
    CPPUNIT_ASSERT_EQUAL(400.0, a.nextExpiry());
    a.sweep(800);
    CPPUNIT_ASSERT_EQUAL(size_t(0), a.permissionCount());
    CPPUNIT_ASSERT_EQUAL(size_t(0), a.channelCount());
    CPPUNIT_ASSERT_EQUAL(1000.0, a.nextExpiry());
  }

  void bandwidthCap()
  {
    Allocation a = make();
    CPPUNIT_ASSERT(a.consumeBandwidth(1000000, 0, 0)); // 0 = unlimited
    CPPUNIT_ASSERT(a.consumeBandwidth(600, 10, 1000));
    CPPUNIT_ASSERT(a.consumeBandwidth(400, 10, 1000));
    CPPUNIT_ASSERT(!a.consumeBandwidth(1, 10, 1000));
    CPPUNIT_ASSERT(a.consumeBandwidth(500, 10.5, 1000)); // refilled half a second
    CPPUNIT_ASSERT(!a.consumeBandwidth(100, 10.5, 1000));
    // Burst is capped at one second of budget.
    CPPUNIT_ASSERT(!a.consumeBandwidth(1001, 100, 1000));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AllocationTest);
