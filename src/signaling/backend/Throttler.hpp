#pragma once
// Brute-force protection for failed authentication attempts (signaling-protocol.md §3.2,
// §3.4, §13.1, §17): per client address and action ("hello-internal", "resume",
// "backend", …). After each failure the caller delays its answer by 100 ms·2ⁿ (n = failures
// so far in the window, capped at 25 s); at 10 failures within 30 minutes further attempts
// are refused (too_many_requests / HTTP 429) until the window has passed. IPv6 clients are
// grouped by their /64, IPv4 by the full address. Memory is bounded: at most maxEntries
// addresses are tracked; the entry that failed least recently is dropped first.
#include "common/util/Clock.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace talk::signaling::backend {

class Throttler
{
public:
  struct Options
  {
    int maxFailures{10};
    int64_t windowMs{30 * 60 * 1000};
    int64_t baseDelayMs{100};
    int64_t maxDelayMs{25000};
    size_t maxEntries{100000};
  };

  Throttler(const Clock& clock, Options options);
  explicit Throttler(const Clock& clock) : Throttler(clock, Options{}) {}

  // False when ip (textual IPv4/IPv6, as the HTTP/WebSocket layer reports it) has reached
  // maxFailures for action within the window: answer too_many_requests without trying.
  bool allowed(std::string_view ip, std::string_view action);
  // Records a failure; returns how long (ms) to delay the failure's answer.
  int64_t recordFailure(std::string_view ip, std::string_view action);

  size_t size() const { return d_entries.size(); }

  // The grouping key of an address: the IPv4 address, or the /64 of an IPv6 one
  // (IPv4-mapped IPv6 counts as IPv4). Unparsable text is used as it is.
  static std::string addressKey(std::string_view ip);

private:
  struct Entry
  {
    std::list<std::string>::iterator lru;
    int failures{0};
    int64_t windowStartMs{0};
  };
  void prune(int64_t now);

  // Passed by argument (not owned)
  const Clock& d_clock;
  // State
  Options d_options;
  std::unordered_map<std::string, Entry> d_entries; // key: addressKey + '\0' + action
  std::list<std::string> d_lru;                     // least recently failed first
};

}
