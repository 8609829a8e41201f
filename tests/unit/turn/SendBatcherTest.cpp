#include "turn/server/SendBatcher.hpp"

#include "TestUtil.hpp"
#include "turn/server/RecvBatch.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <cstring>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace talk;
using namespace talk::turn;

namespace {

struct Udp
{
  int fd;
  SocketAddress local;
  Udp()
  {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    auto any = *SocketAddress::parse("127.0.0.1:0");
    CPPUNIT_ASSERT_EQUAL(0, ::bind(fd, any.sockaddrPtr(), any.length()));
    sockaddr_storage s{};
    socklen_t len = sizeof(s);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&s), &len);
    local = SocketAddress(reinterpret_cast<sockaddr*>(&s), len);
  }
  ~Udp() { ::close(fd); }
  void waitReadable()
  {
    pollfd p{fd, POLLIN, 0};
    CPPUNIT_ASSERT_EQUAL(1, ::poll(&p, 1, 2000));
  }
};

std::span<const uint8_t> bytes(const char* s)
{
  return {reinterpret_cast<const uint8_t*>(s), std::strlen(s)};
}

}

class SendBatcherTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(SendBatcherTest);
  CPPUNIT_TEST(deliversInOrderWithOneCallPerSocketRun);
  CPPUNIT_TEST(concatenatesHeadBodyAndPad);
  CPPUNIT_TEST(fullTableFlushesEarly);
  CPPUNIT_TEST_SUITE_END();

public:
  void deliversInOrderWithOneCallPerSocketRun()
  {
    Udp senderA;
    Udp senderB;
    Udp receiver;
    SendBatcher batcher;
    batcher.add(senderA.fd, receiver.local, bytes("a1"), {});
    batcher.add(senderA.fd, receiver.local, bytes("a2"), {});
    batcher.add(senderA.fd, receiver.local, bytes("a3"), {});
    batcher.add(senderB.fd, receiver.local, bytes("b1"), {});
    CPPUNIT_ASSERT(!batcher.empty());
    batcher.flush();
    CPPUNIT_ASSERT(batcher.empty());
    CPPUNIT_ASSERT_EQUAL(uint64_t(2), batcher.syscalls());
    receiver.waitReadable();
    RecvBatch batch;
    size_t got = 0;
    std::vector<std::string> texts;
    for (int i = 0; i < 10 && got < 4; ++i) {
      size_t n = batch.receive(receiver.fd);
      for (size_t k = 0; k < n; ++k) {
        texts.push_back(test::text(batch.data(k)));
        CPPUNIT_ASSERT(batch.from(k) == (texts.back()[0] == 'a' ? senderA.local : senderB.local));
      }
      got += n;
      if (got < 4) {
        receiver.waitReadable();
      }
    }
    CPPUNIT_ASSERT_EQUAL(size_t(4), texts.size());
    CPPUNIT_ASSERT_EQUAL(std::string("a1"), texts[0]);
    CPPUNIT_ASSERT_EQUAL(std::string("a3"), texts[2]);
    CPPUNIT_ASSERT_EQUAL(std::string("b1"), texts[3]);
  }

  void concatenatesHeadBodyAndPad()
  {
    Udp sender;
    Udp receiver;
    SendBatcher batcher;
    batcher.add(sender.fd, receiver.local, bytes("HEAD"), bytes("body"), 3);
    batcher.flush();
    receiver.waitReadable();
    RecvBatch batch;
    CPPUNIT_ASSERT_EQUAL(size_t(1), batch.receive(receiver.fd));
    CPPUNIT_ASSERT_EQUAL(std::string("HEADbody\0\0\0", 11), test::text(batch.data(0)));
  }

  void fullTableFlushesEarly()
  {
    Udp sender;
    Udp receiver;
    SendBatcher batcher;
    for (size_t i = 0; i < SendBatcher::MaxEntries + 1; ++i) {
      batcher.add(sender.fd, receiver.local, bytes("x"), {});
    }
    // The 65th datagram forced a flush of the first 64 in one call.
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), batcher.syscalls());
    batcher.flush();
    CPPUNIT_ASSERT_EQUAL(uint64_t(2), batcher.syscalls());
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), batcher.dropped());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SendBatcherTest);
