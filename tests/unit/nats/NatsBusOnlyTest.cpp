// What only a real server can show: reconnect without loss, authentication failures,
// unreachable and silent servers.
#include "LoopDriver.hpp"
#include "NatsServerProcess.hpp"
#include "nats/BusError.hpp"
#include "nats/NatsBus.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

using namespace talk;
using namespace talk::nats;
using namespace std::chrono_literals;

namespace {

struct StateRecorder : Bus::Listener
{
  std::vector<ConnectionState> states;
  void onBusState(ConnectionState state, const std::string& /*detail*/) override { states.push_back(state); }
  bool saw(ConnectionState state) const
  {
    return std::find(states.begin(), states.end(), state) != states.end();
  }
};

struct Ticker : ev::Timer::Listener
{
  std::function<void()> fn;
  void onTimer(ev::Timer& /*timer*/) override { fn(); }
};

BusErrorCode connectError(ev::EventLoop& loop, const BusConfig& config, std::string& message, double& seconds)
{
  auto start = std::chrono::steady_clock::now();
  try {
    NatsBus bus(loop, config);
  }
  catch (const BusError& e) {
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    message = e.what();
    return e.code();
  }
  CPPUNIT_FAIL("connect unexpectedly succeeded");
  return BusErrorCode::Internal;
}

}

class NatsBusOnlyTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(NatsBusOnlyTest);
  CPPUNIT_TEST(reconnectLosesNothingPublishedDuringOutage);
  CPPUNIT_TEST(wrongPasswordFailsClearly);
  CPPUNIT_TEST(wrongTokenFailsClearly);
  CPPUNIT_TEST(unreachableServerFailsWithinTimeout);
  CPPUNIT_TEST(silentServerHitsConnectTimeout);
  CPPUNIT_TEST(conflictingCredentialsAreRejected);
  CPPUNIT_TEST(destroyingBusWithPendingRequestIsQuiet);
  CPPUNIT_TEST_SUITE_END();

public:
  void setUp() override
  {
    d_loop = std::make_unique<ev::EventLoop>();
    d_driver = std::make_unique<test::LoopDriver>(*d_loop);
  }

  void tearDown() override
  {
    d_driver.reset();
    d_loop.reset();
    d_server.stop();
  }

  void reconnectLosesNothingPublishedDuringOutage()
  {
    d_server.start();
    BusConfig config;
    config.url = d_server.url();
    config.reconnectWait = 100ms;
    config.reconnectJitter = 50ms;
    config.connectTimeout = 1000ms;
    NatsBus bus(*d_loop, config);
    StateRecorder recorder;
    bus.setListener(&recorder);

    constexpr int Total = 120;
    constexpr int KillAfter = 20;
    int published = 0;
    std::vector<int> received;
    bool killed = false;
    int publishedWhileDown = 0;

    Ticker publisher;
    ev::Timer timer(*d_loop, &publisher);
    publisher.fn = [&] {
      bus.publish("counter", std::to_string(published++));
      if (killed && !d_server.running()) {
        ++publishedWhileDown;
      }
      if (published == Total) {
        timer.stop();
      }
    };
    Subscription sub = bus.subscribe("counter", [&](const Message& m) {
      received.push_back(std::stoi(m.payload));
      // Kill only when nothing is in flight: plain NATS is at-most-once for bytes the
      // dead server already accepted, and that is not what this test is about.
      if (!killed && static_cast<int>(received.size()) >= KillAfter && static_cast<int>(received.size()) == published) {
        killed = true;
        d_server.stop(true);
        // Publish again only once the bus has seen the connection drop: bytes written
        // into the dead socket before that are lost (NATS is at-most-once), and on a
        // loaded machine the timer can fire before the loop reads the EOF.
        timer.stop();
      }
    });
    bool synced = false;
    bus.flush(5000ms, [&](bool ok) { synced = ok; });
    CPPUNIT_ASSERT(d_driver->runUntil([&] { return synced; }, 5.0));
    timer.start(0.02, 0.02);

    CPPUNIT_ASSERT(d_driver->runUntil([&] { return killed; }, 10.0));
    CPPUNIT_ASSERT(d_driver->runUntil([&] { return recorder.saw(ConnectionState::Disconnected); }, 10.0));
    timer.start(0.02, 0.02);
    // Keep publishing through a real outage.
    d_driver->runFor(0.6);
    CPPUNIT_ASSERT(recorder.saw(ConnectionState::Disconnected));
    CPPUNIT_ASSERT(!bus.connected());
    d_server.restart();
    CPPUNIT_ASSERT(d_driver->runUntil([&] { return static_cast<int>(received.size()) == Total; }, 20.0));
    d_driver->runFor(0.1);

    CPPUNIT_ASSERT(publishedWhileDown >= 10);
    CPPUNIT_ASSERT_EQUAL(Total, static_cast<int>(received.size()));
    for (int i = 0; i < Total; ++i) {
      CPPUNIT_ASSERT_EQUAL(i, received[static_cast<size_t>(i)]);
    }
    CPPUNIT_ASSERT(recorder.saw(ConnectionState::Reconnected));
    CPPUNIT_ASSERT(bus.connected());
    // The reattach to the new socket came from cnats's reconnect thread through the inbox.
    CPPUNIT_ASSERT(bus.adapter().crossThreadOps() > 0);
    CPPUNIT_ASSERT(bus.adapter().attached());

    // Requests work on the new connection too.
    Subscription echo = bus.subscribe("echo", [&](const Message& m) { bus.publish(m.reply, m.payload); });
    bool answered = false;
    bus.request("echo", "after", 5000ms, [&](RequestResult&& r) { answered = r.ok() && r.reply.payload == "after"; });
    CPPUNIT_ASSERT(d_driver->runUntil([&] { return answered; }, 6.0));
  }

  void wrongPasswordFailsClearly()
  {
    d_server.start(0, {"--user", "alice", "--pass", "s3cret-pw"});
    BusConfig config;
    config.url = d_server.url();
    config.user = "alice";
    config.password = "wrong-pw";
    std::string message;
    double seconds = 0;
    CPPUNIT_ASSERT(connectError(*d_loop, config, message, seconds) == BusErrorCode::AuthFailed);
    CPPUNIT_ASSERT(seconds < 5.0);
    CPPUNIT_ASSERT(message.find("credentials") != std::string::npos);
    // Never echo the secret.
    CPPUNIT_ASSERT(message.find("wrong-pw") == std::string::npos);

    config.password = "s3cret-pw";
    NatsBus bus(*d_loop, config);
    int got = 0;
    Subscription sub = bus.subscribe("x", [&](const Message&) { ++got; });
    bus.publish("x", "1");
    CPPUNIT_ASSERT(d_driver->runUntil([&] { return got == 1; }, 5.0));
  }

  void wrongTokenFailsClearly()
  {
    d_server.start(0, {"--auth", "right-token"});
    BusConfig config;
    config.url = d_server.url();
    config.token = "wrong-token";
    std::string message;
    double seconds = 0;
    CPPUNIT_ASSERT(connectError(*d_loop, config, message, seconds) == BusErrorCode::AuthFailed);
    CPPUNIT_ASSERT(message.find("wrong-token") == std::string::npos);
    config.token = "right-token";
    NatsBus bus(*d_loop, config);
    CPPUNIT_ASSERT(bus.connected());
  }

  void unreachableServerFailsWithinTimeout()
  {
    BusConfig config;
    config.url = "nats://127.0.0.1:" + std::to_string(test::NatsServerProcess::freePort());
    config.connectTimeout = 1000ms;
    std::string message;
    double seconds = 0;
    CPPUNIT_ASSERT(connectError(*d_loop, config, message, seconds) == BusErrorCode::ConnectFailed);
    CPPUNIT_ASSERT(seconds < 2.0);
    CPPUNIT_ASSERT(message.find("127.0.0.1") != std::string::npos);
  }

  void silentServerHitsConnectTimeout()
  {
    // Accepts TCP (the kernel does) but never says INFO.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    CPPUNIT_ASSERT(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    CPPUNIT_ASSERT(::listen(fd, 8) == 0);
    CPPUNIT_ASSERT(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    BusConfig config;
    config.url = "nats://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
    config.connectTimeout = 500ms;
    std::string message;
    double seconds = 0;
    BusErrorCode code = connectError(*d_loop, config, message, seconds);
    ::close(fd);
    CPPUNIT_ASSERT_EQUAL(std::string("connect-timeout"), std::string(busErrorCodeName(code)));
    CPPUNIT_ASSERT(seconds >= 0.4);
    CPPUNIT_ASSERT(seconds < 3.0);
  }

  void conflictingCredentialsAreRejected()
  {
    BusConfig config;
    config.url = "nats://127.0.0.1:4";
    config.token = "t";
    config.user = "u";
    config.password = "p";
    std::string message;
    double seconds = 0;
    CPPUNIT_ASSERT(connectError(*d_loop, config, message, seconds) == BusErrorCode::InvalidConfig);
    BusConfig missing;
    missing.url = "nats://127.0.0.1:4";
    missing.credentialsFile = "/nonexistent/talk-nats-test.creds";
    BusErrorCode code = connectError(*d_loop, missing, message, seconds);
    CPPUNIT_ASSERT(code == BusErrorCode::InvalidConfig || code == BusErrorCode::ConnectFailed);
  }

  void destroyingBusWithPendingRequestIsQuiet()
  {
    d_server.start();
    BusConfig config;
    config.url = d_server.url();
    int calls = 0;
    {
      NatsBus bus(*d_loop, config);
      Subscription silent = bus.subscribe("silent", [](const Message&) {});
      bus.request("silent", "x", 100ms, [&](RequestResult&&) { ++calls; });
      d_driver->runFor(0.02);
    }
    d_driver->runFor(0.2);
    CPPUNIT_ASSERT_EQUAL(0, calls);
  }

private:
  std::unique_ptr<ev::EventLoop> d_loop;
  std::unique_ptr<test::LoopDriver> d_driver;
  test::NatsServerProcess d_server;
};

CPPUNIT_TEST_SUITE_REGISTRATION(NatsBusOnlyTest);
