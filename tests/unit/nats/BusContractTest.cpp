// One behaviour suite, run against LoopbackBus and against NatsBus talking to a real
// nats-server that the fixture starts on a free loopback port.
#include "LoopDriver.hpp"
#include "NatsServerProcess.hpp"
#include "nats/BusError.hpp"
#include "nats/BusFactory.hpp"
#include "nats/LoopbackBus.hpp"
#include "nats/NatsBus.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <map>
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
};

void expectError(BusErrorCode code, const std::function<void()>& fn)
{
  try {
    fn();
  }
  catch (const BusError& e) {
    CPPUNIT_ASSERT_EQUAL(std::string(busErrorCodeName(code)), std::string(busErrorCodeName(e.code())));
    CPPUNIT_ASSERT(std::string(e.what()).size() > 10);
    return;
  }
  CPPUNIT_FAIL(std::string("expected BusError ") + busErrorCodeName(code));
}

}

class BusContractTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(BusContractTest);
  CPPUNIT_TEST(firstEventIsConnected);
  CPPUNIT_TEST(publishReachesSubscriber);
  CPPUNIT_TEST(deliveryIsNeverInsidePublish);
  CPPUNIT_TEST(wildcardsMatchLikeNats);
  CPPUNIT_TEST(queueGroupGetsOneDeliveryPerGroup);
  CPPUNIT_TEST(requestGetsReply);
  CPPUNIT_TEST(requestTimesOutExactlyOnce);
  CPPUNIT_TEST(requestWithoutSubscriberGetsNoResponders);
  CPPUNIT_TEST(destroyedSubscriptionStopsDelivery);
  CPPUNIT_TEST(handlerMayUnsubscribeItself);
  CPPUNIT_TEST(invalidSubjectsAreRejected);
  CPPUNIT_TEST(oversizedPayloadIsRejected);
  CPPUNIT_TEST_SUITE_END_ABSTRACT();

public:
  void setUp() override
  {
    d_loop = std::make_unique<ev::EventLoop>();
    d_driver = std::make_unique<test::LoopDriver>(*d_loop);
    d_bus = makeTestBus();
  }

  void tearDown() override
  {
    d_bus.reset();
    d_driver.reset();
    d_loop.reset();
  }

protected:
  virtual std::unique_ptr<Bus> makeTestBus() = 0;

  // Barrier: after it, everything published before has been delivered.
  void sync()
  {
    bool done = false;
    bool ok = false;
    d_bus->flush(5000ms, [&](bool result) {
      done = true;
      ok = result;
    });
    CPPUNIT_ASSERT(d_driver->runUntil([&] { return done; }, 6.0));
    CPPUNIT_ASSERT(ok);
  }

  void firstEventIsConnected()
  {
    StateRecorder recorder;
    d_bus->setListener(&recorder);
    CPPUNIT_ASSERT(d_driver->runUntil([&] { return !recorder.states.empty(); }, 5.0));
    CPPUNIT_ASSERT(recorder.states.front() == ConnectionState::Connected);
    CPPUNIT_ASSERT(d_bus->connected());
    d_bus->setListener(nullptr);
  }

  void publishReachesSubscriber()
  {
    std::vector<Message> got;
    Subscription sub = d_bus->subscribe("room.42.events", [&](const Message& m) { got.push_back(m); });
    sync();
    d_bus->publish("room.42.events", std::string("hello\0world", 11));
    d_bus->publish("room.43.events", "not for us");
    CPPUNIT_ASSERT(d_driver->runUntil([&] { return got.size() == 1; }, 5.0));
    sync();
    CPPUNIT_ASSERT_EQUAL(size_t(1), got.size());
    CPPUNIT_ASSERT_EQUAL(std::string("room.42.events"), got[0].subject);
    CPPUNIT_ASSERT_EQUAL(std::string("hello\0world", 11), got[0].payload);
    CPPUNIT_ASSERT(got[0].reply.empty());
  }

  void deliveryIsNeverInsidePublish()
  {
    bool inPublish = false;
    int calls = 0;
    int reentrant = 0;
    Subscription sub = d_bus->subscribe("async.check", [&](const Message& /*m*/) {
      ++calls;
      if (inPublish) {
        ++reentrant;
      }
    });
    sync();
    for (int i = 0; i < 10; ++i) {
      inPublish = true;
      d_bus->publish("async.check", "x");
      inPublish = false;
    }
    CPPUNIT_ASSERT(d_driver->runUntil([&] { return calls == 10; }, 5.0));
    CPPUNIT_ASSERT_EQUAL(0, reentrant);
  }

  void wildcardsMatchLikeNats()
  {
    std::map<std::string, std::vector<std::string>> got;
    auto record = [&](const std::string& name) {
      return [&got, name](const Message& m) { got[name].push_back(m.subject); };
    };
    Subscription star = d_bus->subscribe("foo.*", record("star"));
    Subscription tail = d_bus->subscribe("foo.>", record("tail"));
    Subscription mid = d_bus->subscribe("*.bar.*", record("mid"));
    sync();
    d_bus->publish("foo", "1");
    d_bus->publish("foo.bar", "2");
    d_bus->publish("foo.bar.baz", "3");
    d_bus->publish("x.bar.y", "4");
    d_bus->publish("foobar.x", "5");
    sync();
    CPPUNIT_ASSERT((got["star"] == std::vector<std::string>{"foo.bar"}));
    CPPUNIT_ASSERT((got["tail"] == std::vector<std::string>{"foo.bar", "foo.bar.baz"}));
    CPPUNIT_ASSERT((got["mid"] == std::vector<std::string>{"foo.bar.baz", "x.bar.y"}));
  }

  void queueGroupGetsOneDeliveryPerGroup()
  {
    std::vector<int> workers(3, 0);
    int plain = 0;
    int other = 0;
    std::vector<Subscription> subs;
    for (int i = 0; i < 3; ++i) {
      subs.push_back(d_bus->subscribe("jobs.new", "workers", [&workers, i](const Message& /*m*/) { ++workers[i]; }));
    }
    subs.push_back(d_bus->subscribe("jobs.new", [&](const Message& /*m*/) { ++plain; }));
    subs.push_back(d_bus->subscribe("jobs.*", "auditors", [&](const Message& /*m*/) { ++other; }));
    sync();
    constexpr int Count = 60;
    for (int i = 0; i < Count; ++i) {
      d_bus->publish("jobs.new", std::to_string(i));
    }
    CPPUNIT_ASSERT(d_driver->runUntil([&] { return plain == Count && other == Count; }, 5.0));
    sync();
    CPPUNIT_ASSERT_EQUAL(Count, workers[0] + workers[1] + workers[2]);
    CPPUNIT_ASSERT_EQUAL(Count, plain);
    CPPUNIT_ASSERT_EQUAL(Count, other);
  }

  void requestGetsReply()
  {
    Subscription responder = d_bus->subscribe("svc.echo", [&](const Message& m) {
      CPPUNIT_ASSERT(!m.reply.empty());
      d_bus->publish(m.reply, m.payload + "!");
    });
    sync();
    std::vector<RequestResult> results;
    for (int i = 0; i < 5; ++i) {
      d_bus->request("svc.echo", "ping" + std::to_string(i), 5000ms,
        [&](RequestResult&& r) { results.push_back(std::move(r)); });
    }
    CPPUNIT_ASSERT(d_driver->runUntil([&] { return results.size() == 5; }, 6.0));
    std::vector<std::string> payloads;
    for (auto& r : results) {
      CPPUNIT_ASSERT(r.ok());
      payloads.push_back(r.reply.payload);
    }
    std::sort(payloads.begin(), payloads.end());
    CPPUNIT_ASSERT((payloads == std::vector<std::string>{"ping0!", "ping1!", "ping2!", "ping3!", "ping4!"}));
  }

  void requestTimesOutExactlyOnce()
  {
    int seen = 0;
    Subscription silent = d_bus->subscribe("svc.silent", [&](const Message& /*m*/) { ++seen; });
    sync();
    int calls = 0;
    RequestStatus status = RequestStatus::Ok;
    auto start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::duration took{};
    d_bus->request("svc.silent", "anyone?", 200ms, [&](RequestResult&& r) {
      ++calls;
      status = r.status;
      took = std::chrono::steady_clock::now() - start;
    });
    CPPUNIT_ASSERT(d_driver->runUntil([&] { return calls > 0; }, 5.0));
    d_driver->runFor(0.3);
    CPPUNIT_ASSERT_EQUAL(1, calls);
    CPPUNIT_ASSERT_EQUAL(1, seen);
    CPPUNIT_ASSERT(status == RequestStatus::Timeout);
    CPPUNIT_ASSERT(took >= 150ms);
    CPPUNIT_ASSERT(took < 2000ms);
  }

  void requestWithoutSubscriberGetsNoResponders()
  {
    int calls = 0;
    RequestStatus status = RequestStatus::Ok;
    auto start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::duration took{};
    d_bus->request("nobody.home", "hello?", 3000ms, [&](RequestResult&& r) {
      ++calls;
      status = r.status;
      took = std::chrono::steady_clock::now() - start;
    });
    CPPUNIT_ASSERT(d_driver->runUntil([&] { return calls > 0; }, 5.0));
    d_driver->runFor(0.1);
    CPPUNIT_ASSERT_EQUAL(1, calls);
    CPPUNIT_ASSERT(status == RequestStatus::NoResponders);
    // Well before the timeout: the answer came from the bus, not from the timer.
    CPPUNIT_ASSERT(took < 2000ms);
  }

  void destroyedSubscriptionStopsDelivery()
  {
    int count = 0;
    auto sub = std::make_unique<Subscription>(d_bus->subscribe("news", [&](const Message& /*m*/) { ++count; }));
    CPPUNIT_ASSERT(sub->active());
    sync();
    d_bus->publish("news", "1");
    sync();
    CPPUNIT_ASSERT_EQUAL(1, count);
    // Published before the unsubscribe but not yet delivered: must not arrive either.
    d_bus->publish("news", "2");
    sub.reset();
    d_bus->publish("news", "3");
    sync();
    d_driver->runFor(0.05);
    CPPUNIT_ASSERT_EQUAL(1, count);

    // Moving and resetting behave too.
    Subscription a = d_bus->subscribe("news", [&](const Message& /*m*/) { ++count; });
    Subscription b = std::move(a);
    CPPUNIT_ASSERT(!a.active());
    CPPUNIT_ASSERT(b.active());
    b.reset();
    CPPUNIT_ASSERT(!b.active());
    d_bus->publish("news", "4");
    sync();
    CPPUNIT_ASSERT_EQUAL(1, count);
  }

  void handlerMayUnsubscribeItself()
  {
    int count = 0;
    Subscription sub;
    sub = d_bus->subscribe("once", [&](const Message& /*m*/) {
      ++count;
      sub.reset();
    });
    sync();
    for (int i = 0; i < 5; ++i) {
      d_bus->publish("once", "x");
    }
    sync();
    d_driver->runFor(0.05);
    CPPUNIT_ASSERT_EQUAL(1, count);
  }

  void invalidSubjectsAreRejected()
  {
    for (const char* bad : {"", "a b", "a..b", ".a", "a.", "a.*", "a.>", ">", "tab\there", "new\nline"}) {
      expectError(BusErrorCode::InvalidSubject, [&] { d_bus->publish(bad, "x"); });
    }
    expectError(BusErrorCode::InvalidSubject, [&] { d_bus->publish("ok", "x", "reply with space"); });
    for (const char* bad : {"", "a b", "a..b", "a.>.b", "..", "a."}) {
      expectError(BusErrorCode::InvalidSubject, [&] { (void)d_bus->subscribe(bad, [](const Message&) {}); });
    }
    expectError(BusErrorCode::InvalidQueueGroup, [&] { (void)d_bus->subscribe("ok", "bad group", [](const Message&) {}); });
    int calls = 0;
    expectError(BusErrorCode::InvalidSubject, [&] {
      d_bus->request("a b", "x", 100ms, [&](RequestResult&&) { ++calls; });
    });
    d_driver->runFor(0.2);
    CPPUNIT_ASSERT_EQUAL(0, calls);
    // The bus still works afterwards.
    int got = 0;
    Subscription sub = d_bus->subscribe("still.ok", [&](const Message&) { ++got; });
    sync();
    d_bus->publish("still.ok", "x");
    CPPUNIT_ASSERT(d_driver->runUntil([&] { return got == 1; }, 5.0));
  }

  void oversizedPayloadIsRejected()
  {
    size_t max = d_bus->maxPayload();
    CPPUNIT_ASSERT_EQUAL(Bus::DefaultMaxPayload, max);
    std::string big(max + 1, 'x');
    expectError(BusErrorCode::PayloadTooLarge, [&] { d_bus->publish("big", big); });
    int calls = 0;
    expectError(BusErrorCode::PayloadTooLarge, [&] {
      d_bus->request("big", big, 100ms, [&](RequestResult&&) { ++calls; });
    });
    // Exactly the maximum is fine.
    size_t gotSize = 0;
    Subscription sub = d_bus->subscribe("big", [&](const Message& m) { gotSize = m.payload.size(); });
    sync();
    big.pop_back();
    d_bus->publish("big", big);
    CPPUNIT_ASSERT(d_driver->runUntil([&] { return gotSize == max; }, 5.0));
    d_driver->runFor(0.15);
    CPPUNIT_ASSERT_EQUAL(0, calls);
  }

protected:
  std::unique_ptr<ev::EventLoop> d_loop;
  std::unique_ptr<test::LoopDriver> d_driver;
  std::unique_ptr<Bus> d_bus;
};

class LoopbackBusTest : public BusContractTest
{
  CPPUNIT_TEST_SUB_SUITE(LoopbackBusTest, BusContractTest);
  CPPUNIT_TEST(factoryMakesLoopback);
  CPPUNIT_TEST_SUITE_END();

protected:
  std::unique_ptr<Bus> makeTestBus() override
  {
    BusConfig config;
    config.url = "loopback";
    return makeBus(*d_loop, config);
  }

public:
  void factoryMakesLoopback() { CPPUNIT_ASSERT(dynamic_cast<LoopbackBus*>(d_bus.get()) != nullptr); }
};

class NatsBusTest : public BusContractTest
{
  CPPUNIT_TEST_SUB_SUITE(NatsBusTest, BusContractTest);
  CPPUNIT_TEST(factoryMakesNatsBus);
  CPPUNIT_TEST_SUITE_END();

public:
  void setUp() override
  {
    d_server.start();
    BusContractTest::setUp();
  }

  void tearDown() override
  {
    BusContractTest::tearDown();
    d_server.stop();
  }

  void factoryMakesNatsBus() { CPPUNIT_ASSERT(dynamic_cast<NatsBus*>(d_bus.get()) != nullptr); }

protected:
  std::unique_ptr<Bus> makeTestBus() override
  {
    BusConfig config;
    config.url = d_server.url();
    config.name = "talk-nats-unit";
    config.connectTimeout = 2000ms;
    return makeBus(*d_loop, config);
  }

  test::NatsServerProcess d_server;
};

CPPUNIT_TEST_SUITE_REGISTRATION(LoopbackBusTest);
CPPUNIT_TEST_SUITE_REGISTRATION(NatsBusTest);
