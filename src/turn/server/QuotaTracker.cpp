#include "turn/server/QuotaTracker.hpp"

namespace talk::turn {

bool QuotaTracker::tryAcquire(const std::string& user, uint64_t perUserLimit, uint64_t totalLimit)
{
  std::lock_guard lock(d_mutex);
  if (totalLimit != 0 && d_total >= totalLimit) {
    return false;
  }
  auto& count = d_perUser[user];
  if (perUserLimit != 0 && count >= perUserLimit) {
    if (count == 0) {
      d_perUser.erase(user);
    }
    return false;
  }
  ++count;
  ++d_total;
  return true;
}

void QuotaTracker::release(const std::string& user)
{
  std::lock_guard lock(d_mutex);
  auto it = d_perUser.find(user);
  if (it == d_perUser.end() || it->second == 0) {
    return;
  }
  if (--it->second == 0) {
    d_perUser.erase(it);
  }
  --d_total;
}

uint64_t QuotaTracker::total() const
{
  std::lock_guard lock(d_mutex);
  return d_total;
}

uint64_t QuotaTracker::forUser(const std::string& user) const
{
  std::lock_guard lock(d_mutex);
  auto it = d_perUser.find(user);
  return it == d_perUser.end() ? 0 : it->second;
}

}
