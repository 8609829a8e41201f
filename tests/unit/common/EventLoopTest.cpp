#include "common/ev/AsyncInbox.hpp"
#include "common/ev/Watchers.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <csignal>
#include <stdexcept>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace talk::ev;

namespace {

struct CountingTimer : Timer::Listener
{
  int fired = 0;
  bool throwOnFire = false;
  void onTimer(Timer& /*timer*/) override
  {
    ++fired;
    if (throwOnFire) {
      throw std::runtime_error("listener failure must not escape into libev");
    }
  }
};

struct PipeReader : IoWatcher::Listener
{
  std::string received;
  void onIo(IoWatcher& watcher, int events) override
  {
    CPPUNIT_ASSERT(events & EV_READ);
    char buf[64];
    ssize_t n = ::read(watcher.fd(), buf, sizeof(buf));
    if (n > 0) {
      received.append(buf, static_cast<size_t>(n));
    }
  }
};

struct SignalCounter : SignalWatcher::Listener
{
  int last = 0;
  void onSignal(SignalWatcher& /*watcher*/, int signal) override { last = signal; }
};

}

class EventLoopTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(EventLoopTest);
  CPPUNIT_TEST(timerFiresAndRepeats);
  CPPUNIT_TEST(throwingListenerIsContained);
  CPPUNIT_TEST(ioWatcherReadsPipe);
  CPPUNIT_TEST(signalReachesLoop);
  CPPUNIT_TEST(inboxDeliversFromOtherThreadsInOrder);
  CPPUNIT_TEST(destroyedTimerNeverFires);
  CPPUNIT_TEST_SUITE_END();

public:
  void timerFiresAndRepeats()
  {
    EventLoop loop;
    CountingTimer listener;
    Timer timer(loop, &listener);
    timer.start(0.001, 0.001);
    while (listener.fired < 3) {
      loop.runOnce(true);
    }
    timer.stop();
    CPPUNIT_ASSERT(!timer.active());
    CPPUNIT_ASSERT_EQUAL(3, listener.fired);
  }

  void throwingListenerIsContained()
  {
    EventLoop loop;
    CountingTimer listener;
    listener.throwOnFire = true;
    Timer timer(loop, &listener);
    timer.start(0.0);
    loop.run();  // returns once the one-shot timer is done
    CPPUNIT_ASSERT_EQUAL(1, listener.fired);
  }

  void ioWatcherReadsPipe()
  {
    EventLoop loop;
    int fds[2];
    CPPUNIT_ASSERT_EQUAL(0, ::pipe(fds));
    PipeReader reader;
    IoWatcher watcher(loop, &reader);
    watcher.set(fds[0], EV_READ);
    CPPUNIT_ASSERT_EQUAL(ssize_t(5), ::write(fds[1], "hello", 5));
    loop.runOnce(true);
    CPPUNIT_ASSERT_EQUAL(std::string("hello"), reader.received);
    watcher.stop();
    ::close(fds[0]);
    ::close(fds[1]);
  }

  void signalReachesLoop()
  {
    EventLoop loop;
    SignalCounter counter;
    SignalWatcher watcher(loop, &counter, SIGUSR2);
    ::raise(SIGUSR2);
    for (int i = 0; i < 100 && counter.last == 0; ++i) {
      loop.runOnce(false);
      usleep(1000);
    }
    CPPUNIT_ASSERT_EQUAL(int(SIGUSR2), counter.last);
  }

  void inboxDeliversFromOtherThreadsInOrder()
  {
    EventLoop loop;
    std::vector<int> seen;
    AsyncInbox<int> inbox(loop, [&](int&& v) {
      seen.push_back(v);
      if (seen.size() == 1000) {
        loop.stop();
      }
    });
    CountingTimer guard;
    Timer watchdog(loop, &guard);
    watchdog.start(10.0);  // bounds the wait if delivery is broken
    std::thread producer([&] {
      for (int i = 0; i < 1000; ++i) {
        inbox.post(int(i));
      }
    });
    loop.run();
    producer.join();
    CPPUNIT_ASSERT_EQUAL(0, guard.fired);
    CPPUNIT_ASSERT_EQUAL(size_t(1000), seen.size());
    for (int i = 0; i < 1000; ++i) {
      CPPUNIT_ASSERT_EQUAL(i, seen[static_cast<size_t>(i)]);
    }
  }

  void destroyedTimerNeverFires()
  {
    EventLoop loop;
    CountingTimer listener;
    {
      Timer timer(loop, &listener);
      timer.start(0.0);
    }
    loop.runOnce(false);
    CPPUNIT_ASSERT_EQUAL(0, listener.fired);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(EventLoopTest);
