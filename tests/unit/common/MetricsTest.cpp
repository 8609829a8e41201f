#include "common/metrics/Registry.hpp"

#include <cmath>
#include <cppunit/extensions/HelperMacros.h>
#include <stdexcept>
#include <thread>
#include <vector>

using talk::metrics::Registry;

class MetricsTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(MetricsTest);
  CPPUNIT_TEST(rendersExactExposition);
  CPPUNIT_TEST(escapesLabelValuesAndHelp);
  CPPUNIT_TEST(sameNameAndLabelsGiveSameObject);
  CPPUNIT_TEST(rejectsBadNames);
  CPPUNIT_TEST(formatsSpecialValues);
  CPPUNIT_TEST(callbackGauges);
  CPPUNIT_TEST(countersAreThreadSafe);
  CPPUNIT_TEST_SUITE_END();

public:
  void rendersExactExposition()
  {
    Registry r;
    auto& udp = r.counter("talk_packets_total", "Packets received.", {{"transport", "udp"}});
    auto& tcp = r.counter("talk_packets_total", "Packets received.", {{"transport", "tcp"}});
    auto& g = r.gauge("talk_allocations", "Active allocations.");
    auto& two = r.gauge("talk_load", "Load per shard.", {{"shard", "0"}, {"kind", "cpu"}});
    udp.inc();
    udp.inc(41);
    tcp.inc(3);
    g.set(7);
    g.dec(2);
    two.set(0.5);
    std::string expected =
        "# HELP talk_packets_total Packets received.\n"
        "# TYPE talk_packets_total counter\n"
        "talk_packets_total{transport=\"udp\"} 42\n"
        "talk_packets_total{transport=\"tcp\"} 3\n"
        "# HELP talk_allocations Active allocations.\n"
        "# TYPE talk_allocations gauge\n"
        "talk_allocations 5\n"
        "# HELP talk_load Load per shard.\n"
        "# TYPE talk_load gauge\n"
        "talk_load{shard=\"0\",kind=\"cpu\"} 0.5\n";
    CPPUNIT_ASSERT_EQUAL(expected, r.render());
    CPPUNIT_ASSERT_EQUAL(uint64_t{42}, udp.value());
    CPPUNIT_ASSERT_EQUAL(5.0, g.value());
  }

  void escapesLabelValuesAndHelp()
  {
    Registry r;
    r.counter("x_total", "Help with \\ and\nnewline.", {{"path", "a\"b\\c\nd"}}).inc();
    std::string expected =
        "# HELP x_total Help with \\\\ and\\nnewline.\n"
        "# TYPE x_total counter\n"
        "x_total{path=\"a\\\"b\\\\c\\nd\"} 1\n";
    CPPUNIT_ASSERT_EQUAL(expected, r.render());
    CPPUNIT_ASSERT_EQUAL(std::string("plain"), Registry::escapeLabelValue("plain"));
  }

  void sameNameAndLabelsGiveSameObject()
  {
    Registry r;
    auto& a = r.counter("c_total", "h", {{"k", "v"}});
    auto& b = r.counter("c_total", "h", {{"k", "v"}});
    auto& c = r.counter("c_total", "h", {{"k", "w"}});
    CPPUNIT_ASSERT(&a == &b);
    CPPUNIT_ASSERT(&a != &c);
    // One name has one type and one help text.
    CPPUNIT_ASSERT_THROW(r.gauge("c_total", "h"), std::invalid_argument);
    CPPUNIT_ASSERT_THROW(r.counter("c_total", "other help"), std::invalid_argument);
  }

  void rejectsBadNames()
  {
    Registry r;
    CPPUNIT_ASSERT_THROW(r.counter("", "h"), std::invalid_argument);
    CPPUNIT_ASSERT_THROW(r.counter("9lives", "h"), std::invalid_argument);
    CPPUNIT_ASSERT_THROW(r.counter("has-dash", "h"), std::invalid_argument);
    CPPUNIT_ASSERT_THROW(r.counter("ok_total", "h", {{"bad-label", "v"}}), std::invalid_argument);
    CPPUNIT_ASSERT_THROW(r.counter("ok_total", "h", {{"__reserved", "v"}}), std::invalid_argument);
    CPPUNIT_ASSERT_THROW(r.counter("ok_total", "h", {{"a:b", "v"}}), std::invalid_argument);
    r.counter("ns:sub_total", "colons are fine in metric names");
    CPPUNIT_ASSERT(r.render().find("ns:sub_total 0\n") != std::string::npos);
    // Failed registrations left nothing behind.
    CPPUNIT_ASSERT(r.render().find("ok_total") == std::string::npos);
  }

  void formatsSpecialValues()
  {
    CPPUNIT_ASSERT_EQUAL(std::string("NaN"), Registry::formatValue(NAN));
    CPPUNIT_ASSERT_EQUAL(std::string("+Inf"), Registry::formatValue(INFINITY));
    CPPUNIT_ASSERT_EQUAL(std::string("-Inf"), Registry::formatValue(-INFINITY));
    CPPUNIT_ASSERT_EQUAL(std::string("0"), Registry::formatValue(0));
    CPPUNIT_ASSERT_EQUAL(std::string("-2.5"), Registry::formatValue(-2.5));
    CPPUNIT_ASSERT_EQUAL(std::string("1732550400"), Registry::formatValue(1732550400.0));
    CPPUNIT_ASSERT_EQUAL(std::string("0.1"), Registry::formatValue(0.1));
  }

  void callbackGauges()
  {
    Registry r;
    double value = 1.5;
    r.gaugeCallback("cb", "Computed.", [&value] { return value; }, {{"a", "b"}});
    r.gaugeCallback("broken", "Throws.", []() -> double { throw std::runtime_error("no"); });
    std::string first = r.render();
    CPPUNIT_ASSERT(first.find("cb{a=\"b\"} 1.5\n") != std::string::npos);
    CPPUNIT_ASSERT(first.find("broken NaN\n") != std::string::npos);
    value = 3;
    CPPUNIT_ASSERT(r.render().find("cb{a=\"b\"} 3\n") != std::string::npos);
    // Registering again replaces the callback.
    r.gaugeCallback("cb", "Computed.", [] { return 9.0; }, {{"a", "b"}});
    CPPUNIT_ASSERT(r.render().find("cb{a=\"b\"} 9\n") != std::string::npos);
    CPPUNIT_ASSERT_THROW(r.gauge("cb", "Computed.", {{"a", "b"}}), std::invalid_argument);
  }

  void countersAreThreadSafe()
  {
    Registry r;
    auto& c = r.counter("n_total", "h");
    auto& g = r.gauge("g", "h");
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 10000; ++i) {
          c.inc();
          g.inc(0.5);
        }
      });
    }
    for (auto& t : threads) {
      t.join();
    }
    CPPUNIT_ASSERT_EQUAL(uint64_t{40000}, c.value());
    CPPUNIT_ASSERT_EQUAL(20000.0, g.value());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MetricsTest);
