#include "common/metrics/MetricsServer.hpp"

#include "HttpGet.hpp"
#include "common/daemon/LibraryScope.hpp"
#include "common/ev/Watchers.hpp"
#include "common/util/Error.hpp"

#include <atomic>
#include <chrono>
#include <cppunit/extensions/HelperMacros.h>
#include <thread>

using talk::metrics::MetricsServer;
using talk::metrics::Registry;
using talk::test::httpGet;
using talk::test::HttpResponse;

namespace {

struct Tick : talk::ev::Timer::Listener
{
  void onTimer(talk::ev::Timer& /*timer*/) override {}
};

// Runs the loop until the client thread has its answer (bounded by 10 s).
HttpResponse fetch(talk::ev::EventLoop& loop, int port, const std::string& path, const std::string& method = "GET")
{
  Tick tick;
  talk::ev::Timer timer(loop, &tick);
  timer.start(0.01, 0.01); // keeps runOnce(true) from blocking for long
  std::atomic<bool> done{false};
  HttpResponse response;
  std::thread client([&] {
    response = httpGet(port, path, method);
    done = true;
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done && std::chrono::steady_clock::now() < deadline) {
    loop.runOnce(true);
  }
  client.join(); // the client's own receive timeout bounds this
  return response;
}

std::string header(const HttpResponse& r, const std::string& name)
{
  std::string lower;
  for (char c : r.headers) {
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  size_t at = lower.find("\r\n" + name + ": ");
  if (at == std::string::npos) {
    return {};
  }
  size_t start = at + 4 + name.size();
  return r.headers.substr(start, r.headers.find("\r\n", start) - start);
}

}

class MetricsServerTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(MetricsServerTest);
  CPPUNIT_TEST(servesMetricsStatusAnd404);
  CPPUNIT_TEST(largeBodyArrivesWhole);
  CPPUNIT_TEST(occupiedPortFails);
  CPPUNIT_TEST(validatesListen);
  CPPUNIT_TEST_SUITE_END();

public:
  void servesMetricsStatusAnd404()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    Registry registry;
    auto& c = registry.counter("talk_test_total", "Test counter.", {{"k", "v"}});
    c.inc(5);
    int statusCalls = 0;
    MetricsServer server(loop, registry, "127.0.0.1:0", [&] {
      ++statusCalls;
      return std::string("{\"ok\":true}");
    });
    CPPUNIT_ASSERT(server.port() > 0);

    HttpResponse m = fetch(loop, server.port(), "/metrics");
    CPPUNIT_ASSERT_MESSAGE(m.error, m.error.empty());
    CPPUNIT_ASSERT_EQUAL(200, m.status);
    CPPUNIT_ASSERT_EQUAL(registry.render(), m.body);
    CPPUNIT_ASSERT(m.body.find("talk_test_total{k=\"v\"} 5\n") != std::string::npos);
    CPPUNIT_ASSERT(header(m, "content-type").rfind("text/plain; version=0.0.4", 0) == 0);

    // Values are read at scrape time.
    c.inc();
    HttpResponse again = fetch(loop, server.port(), "/metrics?x=1");
    CPPUNIT_ASSERT_EQUAL(200, again.status);
    CPPUNIT_ASSERT(again.body.find("talk_test_total{k=\"v\"} 6\n") != std::string::npos);

    HttpResponse s = fetch(loop, server.port(), "/status");
    CPPUNIT_ASSERT_EQUAL(200, s.status);
    CPPUNIT_ASSERT_EQUAL(std::string("{\"ok\":true}\n"), s.body);
    CPPUNIT_ASSERT_EQUAL(std::string("application/json"), header(s, "content-type"));
    CPPUNIT_ASSERT_EQUAL(1, statusCalls);

    HttpResponse missing = fetch(loop, server.port(), "/metricsx");
    CPPUNIT_ASSERT_MESSAGE(missing.error, missing.error.empty());
    CPPUNIT_ASSERT_EQUAL(404, missing.status);
    HttpResponse root = fetch(loop, server.port(), "/");
    CPPUNIT_ASSERT_EQUAL(404, root.status);
    HttpResponse post = fetch(loop, server.port(), "/metrics", "POST");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(post.error + post.headers, 405, post.status);
    CPPUNIT_ASSERT(post.body.find("talk_test_total") == std::string::npos);
    // The server still answers after the errors.
    CPPUNIT_ASSERT_EQUAL(200, fetch(loop, server.port(), "/metrics").status);
  }

  void largeBodyArrivesWhole()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    Registry registry;
    for (int i = 0; i < 3000; ++i) {
      registry.gauge("talk_many", "Many samples.", {{"index", std::to_string(i)}}).set(i);
    }
    MetricsServer server(loop, registry, "127.0.0.1:0", nullptr);
    HttpResponse m = fetch(loop, server.port(), "/metrics");
    CPPUNIT_ASSERT_MESSAGE(m.error, m.error.empty());
    CPPUNIT_ASSERT_EQUAL(200, m.status);
    CPPUNIT_ASSERT(m.body.size() > 64 * 1024);
    CPPUNIT_ASSERT_EQUAL(registry.render(), m.body);
  }

  void occupiedPortFails()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    Registry registry;
    MetricsServer first(loop, registry, "127.0.0.1:0", nullptr);
    CPPUNIT_ASSERT_THROW(MetricsServer(loop, registry, "127.0.0.1:" + std::to_string(first.port()), nullptr), talk::Error);
  }

  void validatesListen()
  {
    CPPUNIT_ASSERT_NO_THROW(MetricsServer::validateListen("127.0.0.1:9090"));
    CPPUNIT_ASSERT_NO_THROW(MetricsServer::validateListen("[::1]:9090"));
    CPPUNIT_ASSERT_NO_THROW(MetricsServer::validateListen("0.0.0.0:0"));
    CPPUNIT_ASSERT_THROW(MetricsServer::validateListen("127.0.0.1"), talk::ConfigError);
    CPPUNIT_ASSERT_THROW(MetricsServer::validateListen("127.0.0.1:70000"), talk::ConfigError);
    CPPUNIT_ASSERT_THROW(MetricsServer::validateListen("127.0.0.1:x"), talk::ConfigError);
    CPPUNIT_ASSERT_THROW(MetricsServer::validateListen("::1:80"), talk::ConfigError);
    CPPUNIT_ASSERT_THROW(MetricsServer::validateListen("[::1]80"), talk::ConfigError);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MetricsServerTest);
