#include "common/metrics/Registry.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace talk::metrics {

namespace {

enum Kind : int
{
  KindCounter = 0,
  KindGauge = 1,
};

bool validName(std::string_view name, bool allowColon)
{
  if (name.empty()) {
    return false;
  }
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allowColon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) {
      return false;
    }
  }
  return true;
}

std::string escapeHelp(std::string_view help)
{
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    }
    else if (c == '\n') {
      out += "\\n";
    }
    else {
      out += c;
    }
  }
  return out;
}

std::string labelText(const Labels& labels)
{
  if (labels.empty()) {
    return {};
  }
  std::string text = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    const auto& [name, value] = labels[i];
    // "__" prefixed names are reserved by Prometheus.
    if (!validName(name, false) || name.rfind("__", 0) == 0) {
      throw std::invalid_argument("metrics: invalid label name '" + name + "'");
    }
    text += (i == 0 ? "" : ",") + name + "=\"" + Registry::escapeLabelValue(value) + "\"";
  }
  return text + "}";
}

}

struct Registry::Family
{
  struct Sample
  {
    std::string labels; // rendered "{a=\"b\"}"
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::function<double()> callback;
  };

  std::string name;
  std::string help;
  int kind{KindCounter};
  std::vector<Sample> samples;

  Sample* find(const std::string& labels)
  {
    for (auto& s : samples) {
      if (s.labels == labels) {
        return &s;
      }
    }
    return nullptr;
  }
};

Registry::Registry() = default;
Registry::~Registry() = default;

Registry::Family& Registry::family(const std::string& name, const std::string& help, int kind)
{
  if (!validName(name, true)) {
    throw std::invalid_argument("metrics: invalid metric name '" + name + "'");
  }
  for (auto& f : d_families) {
    if (f->name == name) {
      if (f->kind != kind || f->help != help) {
        throw std::invalid_argument("metrics: '" + name + "' registered again with another type or help");
      }
      return *f;
    }
  }
  auto f = std::make_unique<Family>();
  f->name = name;
  f->help = help;
  f->kind = kind;
  d_families.push_back(std::move(f));
  return *d_families.back();
}

Counter& Registry::counter(std::string name, std::string help, Labels labels)
{
  std::string text = labelText(labels);
  std::lock_guard lock(d_mutex);
  Family& f = family(name, help, KindCounter);
  if (auto* s = f.find(text)) {
    return *s->counter;
  }
  f.samples.push_back(Family::Sample{text, std::make_unique<Counter>(), nullptr, nullptr});
  return *f.samples.back().counter;
}

Gauge& Registry::gauge(std::string name, std::string help, Labels labels)
{
  std::string text = labelText(labels);
  std::lock_guard lock(d_mutex);
  Family& f = family(name, help, KindGauge);
  if (auto* s = f.find(text)) {
    if (!s->gauge) {
      throw std::invalid_argument("metrics: '" + name + text + "' is a callback gauge");
    }
    return *s->gauge;
  }
  f.samples.push_back(Family::Sample{text, nullptr, std::make_unique<Gauge>(), nullptr});
  return *f.samples.back().gauge;
}

void Registry::gaugeCallback(std::string name, std::string help, std::function<double()> fn, Labels labels)
{
  if (!fn) {
    throw std::invalid_argument("metrics: empty callback for '" + name + "'");
  }
  std::string text = labelText(labels);
  std::lock_guard lock(d_mutex);
  Family& f = family(name, help, KindGauge);
  if (auto* s = f.find(text)) {
    if (s->gauge) {
      throw std::invalid_argument("metrics: '" + name + text + "' is a plain gauge");
    }
    s->callback = std::move(fn);
    return;
  }
  f.samples.push_back(Family::Sample{text, nullptr, nullptr, std::move(fn)});
}

std::string Registry::render() const
{
  std::lock_guard lock(d_mutex);
  std::string out;
  for (const auto& f : d_families) {
    out += "# HELP " + f->name + " " + escapeHelp(f->help) + "\n";
    out += "# TYPE " + f->name + (f->kind == KindCounter ? " counter\n" : " gauge\n");
    for (const auto& s : f->samples) {
      std::string value;
      if (s.counter) {
        value = std::to_string(s.counter->value());
      }
      else if (s.gauge) {
        value = formatValue(s.gauge->value());
      }
      else {
        double v = NAN;
        try {
          v = s.callback();
        }
        catch (...) {
          // A broken callback must not break the whole scrape.
          v = NAN;
        }
        value = formatValue(v);
      }
      out += f->name + s.labels + " " + value + "\n";
    }
  }
  return out;
}

std::string Registry::formatValue(double value)
{
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof(buf), value);
  return std::string(buf, result.ptr);
}

std::string Registry::escapeLabelValue(std::string_view value)
{
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    }
    else if (c == '"') {
      out += "\\\"";
    }
    else if (c == '\n') {
      out += "\\n";
    }
    else {
      out += c;
    }
  }
  return out;
}

}
