#include "turn/server/PortAllocator.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <set>

#include <fcntl.h>
#include <sys/socket.h>

using talk::turn::PortAllocator;

class PortAllocatorTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(PortAllocatorTest);
  CPPUNIT_TEST(handsOutEveryPortOnceThenNone);
  CPPUNIT_TEST(releasedPortsComeBack);
  CPPUNIT_TEST(evenPortsOnly);
  CPPUNIT_TEST(reserveNextHoldsTheOddNeighbour);
  CPPUNIT_TEST(reservationIsSingleUse);
  CPPUNIT_TEST(expiredReservationsFreeTheirPort);
  CPPUNIT_TEST(reservationHoldsItsSocketUntilExpiry);
  CPPUNIT_TEST(rejectsEmptyRange);
  CPPUNIT_TEST_SUITE_END();

public:
  void handsOutEveryPortOnceThenNone()
  {
    PortAllocator ports(50000, 50009);
    std::set<uint16_t> seen;
    for (int i = 0; i < 10; ++i) {
      auto port = ports.acquire(false, false);
      CPPUNIT_ASSERT(port.has_value());
      CPPUNIT_ASSERT(*port >= 50000 && *port <= 50009);
      CPPUNIT_ASSERT(seen.insert(*port).second);
    }
    CPPUNIT_ASSERT(!ports.acquire(false, false).has_value());
    CPPUNIT_ASSERT_EQUAL(size_t(10), ports.inUse());
  }

  void releasedPortsComeBack()
  {
    PortAllocator ports(50000, 50001);
    auto a = ports.acquire(false, false);
    auto b = ports.acquire(false, false);
    CPPUNIT_ASSERT(a && b && *a != *b);
    ports.release(*a);
    CPPUNIT_ASSERT(!ports.busy(*a));
    auto c = ports.acquire(false, false);
    CPPUNIT_ASSERT(c.has_value());
    CPPUNIT_ASSERT_EQUAL(*a, *c);
    // Releasing twice must not corrupt the count.
    ports.release(*b);
    ports.release(*b);
    CPPUNIT_ASSERT_EQUAL(size_t(1), ports.inUse());
  }

  void evenPortsOnly()
  {
    PortAllocator ports(50001, 50006); // even: 50002, 50004, 50006
    std::set<uint16_t> seen;
    for (int i = 0; i < 3; ++i) {
      auto port = ports.acquire(true, false);
      CPPUNIT_ASSERT(port.has_value());
      CPPUNIT_ASSERT_EQUAL(0, *port % 2);
      seen.insert(*port);
    }
    CPPUNIT_ASSERT_EQUAL(size_t(3), seen.size());
    CPPUNIT_ASSERT(!ports.acquire(true, false).has_value());
    CPPUNIT_ASSERT(ports.acquire(false, false).has_value()); // odd ones remain
  }

  void reserveNextHoldsTheOddNeighbour()
  {
    PortAllocator ports(50000, 50003);
    CPPUNIT_ASSERT(ports.acquireSpecific(50003)); // 50002's neighbour busy
    auto port = ports.acquire(true, true);
    CPPUNIT_ASSERT(port.has_value());
    CPPUNIT_ASSERT_EQUAL(uint16_t(50000), *port);
    CPPUNIT_ASSERT(ports.busy(50001));
    CPPUNIT_ASSERT(!ports.acquire(true, true).has_value());
  }

  void reservationIsSingleUse()
  {
    PortAllocator ports(50000, 50003);
    auto port = ports.acquire(true, true);
    CPPUNIT_ASSERT(port.has_value());
    ports.reserve(0x1122334455667788ULL, static_cast<uint16_t>(*port + 1), 30000);
    CPPUNIT_ASSERT(ports.holds(0x1122334455667788ULL));
    CPPUNIT_ASSERT(!ports.redeem(0x99, 1000).has_value());
    auto held = ports.redeem(0x1122334455667788ULL, 1000);
    CPPUNIT_ASSERT(held.has_value());
    CPPUNIT_ASSERT_EQUAL(uint16_t(*port + 1), held->port);
    CPPUNIT_ASSERT(ports.busy(held->port)); // now owned by the redeemer
    CPPUNIT_ASSERT(!ports.redeem(0x1122334455667788ULL, 1000).has_value());
  }

  void expiredReservationsFreeTheirPort()
  {
    PortAllocator ports(50000, 50001);
    auto port = ports.acquire(true, true);
    CPPUNIT_ASSERT(port.has_value());
    ports.reserve(7, 50001, 5000);
    CPPUNIT_ASSERT_EQUAL(size_t(0), ports.expireReservations(4999));
    CPPUNIT_ASSERT(ports.busy(50001));
    CPPUNIT_ASSERT_EQUAL(size_t(1), ports.expireReservations(5001));
    CPPUNIT_ASSERT(!ports.busy(50001));
    CPPUNIT_ASSERT(!ports.holds(7));
    // A token redeemed after its expiry (not yet swept) fails and frees the port too.
    CPPUNIT_ASSERT(ports.acquireSpecific(50001));
    ports.reserve(8, 50001, 5000);
    CPPUNIT_ASSERT(!ports.redeem(8, 6000).has_value());
    CPPUNIT_ASSERT(!ports.busy(50001));
  }

  // The socket reserved with a token is handed to the redeemer, or closed on expiry.
  void reservationHoldsItsSocketUntilExpiry()
  {
    PortAllocator ports(50000, 50003);
    int pair[2];
    CPPUNIT_ASSERT_EQUAL(0, ::socketpair(AF_UNIX, SOCK_DGRAM, 0, pair));
    talk::UniqueFd other(pair[1]);
    const int fd = pair[0];
    CPPUNIT_ASSERT(ports.acquireSpecific(50001));
    ports.reserve(1, 50001, 5000, talk::UniqueFd(fd));
    auto held = ports.redeem(1, 1000);
    CPPUNIT_ASSERT(held.has_value());
    CPPUNIT_ASSERT_EQUAL(fd, held->socket.get());
    CPPUNIT_ASSERT(::fcntl(fd, F_GETFD) != -1); // still open, now owned by `held`
    held.reset();
    CPPUNIT_ASSERT_EQUAL(-1, ::fcntl(fd, F_GETFD));

    // Expiry closes it: the peer end of the pair sees the close (send fails).
    CPPUNIT_ASSERT_EQUAL(0, ::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair));
    talk::UniqueFd peer(pair[1]);
    ports.reserve(2, 50001, 5000, talk::UniqueFd(pair[0]));
    CPPUNIT_ASSERT_EQUAL(size_t(0), ports.expireReservations(4000));
    char byte = 1;
    CPPUNIT_ASSERT_EQUAL(ssize_t(1), ::send(peer.get(), &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT));
    CPPUNIT_ASSERT_EQUAL(size_t(1), ports.expireReservations(6000));
    CPPUNIT_ASSERT_EQUAL(ssize_t(-1), ::send(peer.get(), &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT));
  }

  void rejectsEmptyRange() { CPPUNIT_ASSERT_THROW(PortAllocator(50001, 50000), std::invalid_argument); }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PortAllocatorTest);
