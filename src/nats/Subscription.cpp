#include "nats/Subscription.hpp"

#include <utility>

namespace talk::nats {

Subscription::Subscription(std::weak_ptr<Canceller> canceller, uint64_t id) :
  d_canceller(std::move(canceller)), d_id(id)
{
}

Subscription::~Subscription()
{
  reset();
}

Subscription::Subscription(Subscription&& other) noexcept :
  d_canceller(std::move(other.d_canceller)), d_id(std::exchange(other.d_id, 0))
{
}

Subscription& Subscription::operator=(Subscription&& other) noexcept
{
  if (this != &other) {
    reset();
    d_canceller = std::move(other.d_canceller);
    d_id = std::exchange(other.d_id, 0);
  }
  return *this;
}

void Subscription::reset() noexcept
{
  if (auto canceller = d_canceller.lock()) {
    try {
      (*canceller)(d_id);
    }
    catch (...) {
      // Unsubscribing is best effort (the connection may be gone); a destructor must not throw.
    }
  }
  d_canceller.reset();
  d_id = 0;
}

bool Subscription::active() const
{
  return !d_canceller.expired();
}

}
