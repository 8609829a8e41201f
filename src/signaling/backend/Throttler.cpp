#include "signaling/backend/Throttler.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace talk::signaling::backend {

Throttler::Throttler(const Clock& clock, Options options) : d_clock(clock), d_options(options) {}

std::string Throttler::addressKey(std::string_view ip)
{
  std::string text(ip);
  // Strip a zone id ("fe80::1%eth0") and brackets ("[::1]").
  if (!text.empty() && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (size_t pct = text.find('%'); pct != std::string::npos) {
    text.resize(pct);
  }
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    char buf[INET_ADDRSTRLEN];
    return inet_ntop(AF_INET, &v4, buf, sizeof(buf)) != nullptr ? std::string(buf) : text;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    static constexpr uint8_t MappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    char buf[INET6_ADDRSTRLEN];
    if (std::memcmp(v6.s6_addr, MappedPrefix, sizeof(MappedPrefix)) == 0) {
      std::memcpy(&v4, v6.s6_addr + 12, 4);
      return inet_ntop(AF_INET, &v4, buf, sizeof(buf)) != nullptr ? std::string(buf) : text;
    }
    std::memset(v6.s6_addr + 8, 0, 8);
    if (inet_ntop(AF_INET6, &v6, buf, sizeof(buf)) == nullptr) {
      return text;
    }
    return std::string(buf) + "/64";
  }
  return text;
}

void Throttler::prune(int64_t now)
{
  // Oldest failures first: stop at the first entry whose window is still open.
  while (!d_lru.empty()) {
    auto it = d_entries.find(d_lru.front());
    if (it == d_entries.end()) {
      d_lru.pop_front();
      continue;
    }
    if (now - it->second.windowStartMs < d_options.windowMs && d_entries.size() < d_options.maxEntries) {
      break;
    }
    d_entries.erase(it);
    d_lru.pop_front();
  }
}

bool Throttler::allowed(std::string_view ip, std::string_view action)
{
  int64_t now = d_clock.monotonicMs();
  std::string key = addressKey(ip);
  key.push_back('\0');
  key.append(action);
  auto it = d_entries.find(key);
  if (it == d_entries.end()) {
    return true;
  }
  if (now - it->second.windowStartMs >= d_options.windowMs) {
    d_lru.erase(it->second.lru);
    d_entries.erase(it);
    return true;
  }
  return it->second.failures < d_options.maxFailures;
}

int64_t Throttler::recordFailure(std::string_view ip, std::string_view action)
{
  int64_t now = d_clock.monotonicMs();
  std::string key = addressKey(ip);
  key.push_back('\0');
  key.append(action);
  auto it = d_entries.find(key);
  if (it != d_entries.end() && now - it->second.windowStartMs >= d_options.windowMs) {
    d_lru.erase(it->second.lru);
    d_entries.erase(it);
    it = d_entries.end();
  }
  if (it == d_entries.end()) {
    // Make room first (expired entries, then the least recently failed one).
    prune(now);
    while (d_entries.size() >= d_options.maxEntries && !d_lru.empty()) {
      d_entries.erase(d_lru.front());
      d_lru.pop_front();
    }
    d_lru.push_back(key);
    Entry entry;
    entry.lru = std::prev(d_lru.end());
    entry.windowStartMs = now;
    it = d_entries.emplace(std::move(key), entry).first;
  }
  else {
    d_lru.splice(d_lru.end(), d_lru, it->second.lru);
  }
  Entry& entry = it->second;
  int shift = std::min(entry.failures, 20);
  entry.failures = std::min(entry.failures + 1, d_options.maxFailures);
  return std::min(d_options.baseDelayMs << shift, d_options.maxDelayMs);
}

}
