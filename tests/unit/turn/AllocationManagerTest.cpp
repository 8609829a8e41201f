#include "turn/server/AllocationManager.hpp"

#include "TestUtil.hpp"
#include "common/ev/EventLoop.hpp"
#include "turn/server/PortAllocator.hpp"
#include "turn/server/QuotaTracker.hpp"

#include <cppunit/extensions/HelperMacros.h>

using namespace talk;
using namespace talk::turn;
using talk::test::addr;

class AllocationManagerTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(AllocationManagerTest);
  CPPUNIT_TEST(oneAllocationPerFiveTuple);
  CPPUNIT_TEST(expiryReleasesPortAndQuotaOnce);
  CPPUNIT_TEST(refreshPostponesExpiry);
  CPPUNIT_TEST(permissionsAreSweptWithoutEndingTheAllocation);
  CPPUNIT_TEST(quotaLimits);
  CPPUNIT_TEST_SUITE_END();

  struct Fixture : RelaySocket::Listener
  {
    ev::EventLoop loop;
    QuotaTracker quotas;
    PortAllocator ports{50000, 50099};
    std::vector<AllocationManager::EndReason> ended;
    AllocationManager manager{quotas, [this](Allocation&, AllocationManager::EndReason r) { ended.push_back(r); }};

    void onRelayReadable(RelaySocket&) override {}

    Allocation* add(const char* client, const char* user, double expires)
    {
      CPPUNIT_ASSERT(quotas.tryAcquire(user, 0, 0));
      auto tuple = FiveTuple{AddressKey::from(addr(client)), 1, Transport::Udp};
      Allocation* a = manager.create(tuple, addr(client));
      CPPUNIT_ASSERT(a != nullptr);
      a->credential.realUserId = user;
      auto socket = std::make_unique<RelaySocket>(loop, this);
      auto port = ports.acquire(false, false);
      CPPUNIT_ASSERT(port.has_value());
      auto local = addr("127.0.0.1:0");
      local.setPort(*port);
      CPPUNIT_ASSERT(socket->open(local, false));
      a->relays[0] = std::move(socket);
      a->portOwners[0] = &ports;
      a->expires = expires;
      manager.schedule(*a);
      return a;
    }
  };

public:
  void oneAllocationPerFiveTuple()
  {
    Fixture f;
    f.add("192.0.2.1:1000", "alice", 600);
    auto tuple = FiveTuple{AddressKey::from(addr("192.0.2.1:1000")), 1, Transport::Udp};
    CPPUNIT_ASSERT(f.manager.create(tuple, addr("192.0.2.1:1000")) == nullptr);
    CPPUNIT_ASSERT(f.manager.find(tuple) != nullptr);
    // Same client address on another listener or transport is another 5-tuple.
    CPPUNIT_ASSERT(f.manager.find(FiveTuple{tuple.client, 2, Transport::Udp}) == nullptr);
    CPPUNIT_ASSERT(f.manager.find(FiveTuple{tuple.client, 1, Transport::Tcp}) == nullptr);
  }

  void expiryReleasesPortAndQuotaOnce()
  {
    Fixture f;
    f.manager.tick(0);
    Allocation* a = f.add("192.0.2.1:1000", "alice", 10.5);
    const uint16_t port = a->relays[0]->local().port();
    f.manager.tick(10);
    CPPUNIT_ASSERT_EQUAL(size_t(1), f.manager.size());
    f.manager.tick(11);
    CPPUNIT_ASSERT_EQUAL(size_t(0), f.manager.size());
    CPPUNIT_ASSERT_EQUAL(size_t(1), f.ended.size());
    CPPUNIT_ASSERT(f.ended[0] == AllocationManager::EndReason::Expired);
    CPPUNIT_ASSERT(!f.ports.busy(port));
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), f.quotas.total());
    f.manager.tick(30);
    CPPUNIT_ASSERT_EQUAL(size_t(1), f.ended.size());
  }

  void refreshPostponesExpiry()
  {
    Fixture f;
    f.manager.tick(0);
    Allocation* a = f.add("192.0.2.1:1000", "alice", 10);
    f.manager.tick(5);
    a->expires = 20;
    f.manager.schedule(*a);
    f.manager.tick(15);
    CPPUNIT_ASSERT_EQUAL(size_t(1), f.manager.size());
    f.manager.tick(21);
    CPPUNIT_ASSERT_EQUAL(size_t(0), f.manager.size());
  }

  void permissionsAreSweptWithoutEndingTheAllocation()
  {
    Fixture f;
    f.manager.tick(0);
    Allocation* a = f.add("192.0.2.1:1000", "alice", 1000);
    a->installPermission(AddressKey::from(addr("198.51.100.1:1")), 0);
    f.manager.schedule(*a);
    f.manager.tick(301);
    CPPUNIT_ASSERT_EQUAL(size_t(1), f.manager.size());
    CPPUNIT_ASSERT_EQUAL(size_t(0), a->permissionCount());
    f.manager.clear(AllocationManager::EndReason::Shutdown);
    CPPUNIT_ASSERT_EQUAL(size_t(0), f.manager.size());
    CPPUNIT_ASSERT_EQUAL(size_t(0), f.ports.inUse());
  }

  void quotaLimits()
  {
    QuotaTracker q;
    CPPUNIT_ASSERT(q.tryAcquire("alice", 2, 3));
    CPPUNIT_ASSERT(q.tryAcquire("alice", 2, 3));
    CPPUNIT_ASSERT(!q.tryAcquire("alice", 2, 3));
    CPPUNIT_ASSERT(q.tryAcquire("bob", 2, 3));
    CPPUNIT_ASSERT(!q.tryAcquire("carol", 2, 3)); // total reached
    q.release("alice");
    CPPUNIT_ASSERT(q.tryAcquire("carol", 2, 3));
    q.release("nobody"); // unknown user: no underflow
    CPPUNIT_ASSERT_EQUAL(uint64_t(3), q.total());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), q.forUser("alice"));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AllocationManagerTest);
