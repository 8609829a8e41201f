#pragma once
// Prometheus metrics in text exposition format 0.0.4. Counters and gauges are lock-free
// atomics, so any loop thread may update them; registration and render() take a lock.
// References returned by counter()/gauge() stay valid for the Registry's lifetime.
// Asking twice for the same name and labels returns the same object.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace talk::metrics {

// Label name → value, e.g. {{"transport", "udp"}}. Order is kept in the output.
using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter
{
public:
  void inc(uint64_t n = 1) { d_value.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return d_value.load(std::memory_order_relaxed); }

private:
  std::atomic<uint64_t> d_value{0};
};

class Gauge
{
public:
  void set(double v) { d_value.store(v, std::memory_order_relaxed); }
  void inc(double n = 1) { d_value.fetch_add(n, std::memory_order_relaxed); }
  void dec(double n = 1) { d_value.fetch_sub(n, std::memory_order_relaxed); }
  double value() const { return d_value.load(std::memory_order_relaxed); }

private:
  std::atomic<double> d_value{0};
};

class Registry
{
public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Names must match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*; one
  // name has one type and one help text. Violations throw std::invalid_argument.
  Counter& counter(std::string name, std::string help, Labels labels = {});
  Gauge& gauge(std::string name, std::string help, Labels labels = {});
  // gaugeCallback: value computed at scrape time (render()), on the thread that renders,
  // with the registry locked: the callback must not call into the Registry.
  // Registering the same name and labels again replaces the callback.
  void gaugeCallback(std::string name, std::string help, std::function<double()> fn, Labels labels = {});

  // Families in registration order, samples in registration order, "# HELP"/"# TYPE" once
  // per family. A callback that throws is rendered as NaN.
  std::string render() const;

  // Formats a sample value as Prometheus does: shortest round-trip decimal, "NaN",
  // "+Inf", "-Inf".
  static std::string formatValue(double value);
  static std::string escapeLabelValue(std::string_view value);

private:
  struct Family;
  Family& family(const std::string& name, const std::string& help, int kind);

  // State
  mutable std::mutex d_mutex;
  std::vector<std::unique_ptr<Family>> d_families;
};

}
