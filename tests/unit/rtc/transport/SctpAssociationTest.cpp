// SctpAssociation: two associations connected in memory (packets queued and delivered
// by the test, as DTLS would carry them); DCEP open/ack; ordered and unordered channels;
// string, binary and empty messages both ways; large messages; max-message-size; close.
#include "rtc/transport/SctpAssociation.hpp"

#include "RunLoopUntil.hpp"
#include "rtc/transport/TransportLibraryScope.hpp"

#include <cppunit/extensions/HelperMacros.h>
#include <deque>
#include <string>
#include <vector>

using namespace talk;
using namespace talk::rtc;

namespace {

struct Message
{
  uint16_t streamId;
  std::string label;
  std::string data;
  bool binary;
};

struct Peer : SctpAssociation::Listener
{
  std::deque<std::vector<uint8_t>> outbox;
  bool connected = false;
  bool closed = false;
  std::vector<SctpAssociation::Channel> opened;
  std::vector<uint16_t> closedChannels;
  std::vector<Message> messages;
  bool echo = false;

  void onSctpSendPacket(SctpAssociation& /*sctp*/, std::span<const uint8_t> packet) override
  {
    outbox.emplace_back(packet.begin(), packet.end());
  }
  void onSctpConnected(SctpAssociation& /*sctp*/) override { connected = true; }
  void onSctpClosed(SctpAssociation& /*sctp*/) override { closed = true; }
  void onDataChannelOpen(SctpAssociation& /*sctp*/, const SctpAssociation::Channel& channel) override
  {
    opened.push_back(channel);
  }
  void onDataChannelMessage(SctpAssociation& sctp, const SctpAssociation::Channel& channel,
                            std::span<const uint8_t> message, bool binary) override
  {
    messages.push_back({channel.streamId, channel.label, std::string(message.begin(), message.end()), binary});
    if (echo) {
      // Sending from inside a receive callback must work (the SFU relays this way).
      sctp.send(channel.streamId, message, binary);
    }
  }
  void onDataChannelClosed(SctpAssociation& /*sctp*/, const SctpAssociation::Channel& channel) override
  {
    closedChannels.push_back(channel.streamId);
  }
};

std::span<const uint8_t> bytes(const std::string& s)
{
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}

class SctpAssociationTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(SctpAssociationTest);
  CPPUNIT_TEST(connectOpenAndExchange);
  CPPUNIT_TEST(largeMessagesAndLimits);
  CPPUNIT_TEST(closeChannel);
  CPPUNIT_TEST(malformedInputIgnored);
  CPPUNIT_TEST_SUITE_END();

  TransportLibraryScope d_scope;

  struct Pair
  {
    ev::EventLoop loop;
    Peer a, b;
    std::unique_ptr<SctpAssociation> sa, sb;

    explicit Pair(size_t maxMessageSize = 262144)
    {
      SctpAssociation::Config ca;
      ca.dtlsClient = true;
      ca.maxMessageSize = maxMessageSize;
      SctpAssociation::Config cb;
      cb.dtlsClient = false;
      cb.maxMessageSize = maxMessageSize;
      sa = std::make_unique<SctpAssociation>(loop, ca, &a);
      sb = std::make_unique<SctpAssociation>(loop, cb, &b);
    }

    void pump()
    {
      bool moved = true;
      while (moved) {
        moved = false;
        while (!a.outbox.empty()) {
          auto packet = std::move(a.outbox.front());
          a.outbox.pop_front();
          sb->handlePacket(packet);
          moved = true;
        }
        while (!b.outbox.empty()) {
          auto packet = std::move(b.outbox.front());
          b.outbox.pop_front();
          sa->handlePacket(packet);
          moved = true;
        }
      }
    }

    bool runUntil(const std::function<bool()>& done)
    {
      return test::runLoopUntil(loop, [&] {
        pump();
        return done();
      });
    }

    void connect()
    {
      sa->connect();
      sb->connect();
      CPPUNIT_ASSERT(runUntil([&] { return a.connected && b.connected; }));
    }
  };

public:
  void connectOpenAndExchange()
  {
    Pair p;
    CPPUNIT_ASSERT(!p.sa->openChannel("too-early"));
    p.connect();
    CPPUNIT_ASSERT(p.sa->connected() && p.sb->connected());

    // A (DTLS client) opens even ids, B odd ones.
    auto status = p.sa->openChannel("status", true);
    auto fast = p.sb->openChannel("fast", false);
    CPPUNIT_ASSERT(status && fast);
    CPPUNIT_ASSERT_EQUAL(uint16_t(0), *status);
    CPPUNIT_ASSERT_EQUAL(uint16_t(1), *fast);
    CPPUNIT_ASSERT(p.runUntil([&] { return p.a.opened.size() == 2 && p.b.opened.size() == 2; }));
    // Each side saw the peer's open (announced) and its own (acked).
    CPPUNIT_ASSERT(p.sb->channelByLabel("status") != nullptr);
    CPPUNIT_ASSERT(p.sb->channelByLabel("status")->ordered);
    CPPUNIT_ASSERT(!p.sa->channelByLabel("fast")->ordered);
    CPPUNIT_ASSERT(p.sa->channel(*status)->open);

    const std::string speaking = R"({"type":"speaking","payload":{}})";
    const std::string blob("\x00\x01\x02\xff binary", 11);
    CPPUNIT_ASSERT(p.sa->send(*status, bytes(speaking), false));
    CPPUNIT_ASSERT(p.sa->send(*status, bytes(blob), true));
    CPPUNIT_ASSERT(p.sa->send(*status, {}, false));
    CPPUNIT_ASSERT(p.sb->send(*fast, bytes("unordered from b"), false));
    CPPUNIT_ASSERT(p.sb->send(*fast, {}, true));
    CPPUNIT_ASSERT(p.runUntil([&] { return p.b.messages.size() == 3 && p.a.messages.size() == 2; }));

    CPPUNIT_ASSERT_EQUAL(speaking, p.b.messages[0].data);
    CPPUNIT_ASSERT_EQUAL(std::string("status"), p.b.messages[0].label);
    CPPUNIT_ASSERT(!p.b.messages[0].binary);
    CPPUNIT_ASSERT_EQUAL(blob, p.b.messages[1].data);
    CPPUNIT_ASSERT(p.b.messages[1].binary);
    CPPUNIT_ASSERT_EQUAL(std::string(), p.b.messages[2].data);
    CPPUNIT_ASSERT(!p.b.messages[2].binary);
    CPPUNIT_ASSERT_EQUAL(std::string("unordered from b"), p.a.messages[0].data);
    CPPUNIT_ASSERT_EQUAL(std::string("fast"), p.a.messages[0].label);
    CPPUNIT_ASSERT(p.a.messages[1].binary && p.a.messages[1].data.empty());

    // Echo from inside the receive callback.
    p.b.echo = true;
    CPPUNIT_ASSERT(p.sa->send(*status, bytes("ping"), false));
    CPPUNIT_ASSERT(p.runUntil([&] { return p.a.messages.size() == 3; }));
    CPPUNIT_ASSERT_EQUAL(std::string("ping"), p.a.messages[2].data);
    CPPUNIT_ASSERT_EQUAL(*status, p.a.messages[2].streamId);

    // Unknown stream ids are refused.
    CPPUNIT_ASSERT(!p.sa->send(77, bytes("x"), false));
  }

  void largeMessagesAndLimits()
  {
    Pair p(100000);
    p.connect();
    auto id = p.sa->openChannel("bulk");
    CPPUNIT_ASSERT(id);
    std::string big(90000, 'x');
    for (size_t i = 0; i < big.size(); ++i) {
      big[i] = static_cast<char>('a' + i % 26);
    }
    CPPUNIT_ASSERT(p.sa->send(*id, bytes(big), true));
    CPPUNIT_ASSERT(p.runUntil([&] { return p.b.messages.size() == 1; }));
    CPPUNIT_ASSERT_EQUAL(big.size(), p.b.messages[0].data.size());
    CPPUNIT_ASSERT(big == p.b.messages[0].data);
    // Over our own limit: refused at send.
    CPPUNIT_ASSERT(!p.sa->send(*id, bytes(std::string(100001, 'y')), true));
    // Over the peer's announced limit: refused too.
    p.sa->setRemoteMaxMessageSize(1000);
    CPPUNIT_ASSERT(!p.sa->send(*id, bytes(std::string(1001, 'y')), true));
    CPPUNIT_ASSERT(p.sa->send(*id, bytes(std::string(1000, 'y')), true));
    CPPUNIT_ASSERT(p.runUntil([&] { return p.b.messages.size() == 2; }));
  }

  void closeChannel()
  {
    Pair p;
    p.connect();
    auto id = p.sa->openChannel("status");
    CPPUNIT_ASSERT(id);
    CPPUNIT_ASSERT(p.runUntil([&] { return p.b.opened.size() == 1 && p.a.opened.size() == 1; }));
    p.sa->closeChannel(*id);
    CPPUNIT_ASSERT(p.runUntil([&] { return p.b.closedChannels.size() == 1; }));
    CPPUNIT_ASSERT_EQUAL(*id, p.b.closedChannels[0]);
    CPPUNIT_ASSERT(p.sb->channel(*id) == nullptr);
    CPPUNIT_ASSERT(p.sa->channel(*id) == nullptr);
    CPPUNIT_ASSERT(!p.sa->send(*id, bytes("gone"), false));
    // Destroying one side while the other still runs: the survivor is not harmed.
    p.sa.reset();
    p.pump();
    CPPUNIT_ASSERT(p.sb->connected() || p.b.closed);
  }

  void malformedInputIgnored()
  {
    Pair p;
    p.connect();
    // Garbage SCTP packets (bad checksum, truncated) are dropped by usrsctp.
    std::vector<uint8_t> junk(64, 0xab);
    p.sb->handlePacket(junk);
    p.sb->handlePacket(std::span<const uint8_t>(junk.data(), 3));
    p.sb->handlePacket({});
    auto id = p.sa->openChannel("still-works");
    CPPUNIT_ASSERT(id);
    CPPUNIT_ASSERT(p.sa->send(*id, bytes("ok"), false));
    CPPUNIT_ASSERT(p.runUntil([&] { return p.b.messages.size() == 1; }));
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), p.b.messages[0].data);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SctpAssociationTest);
