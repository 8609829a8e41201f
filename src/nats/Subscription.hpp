#pragma once
// RAII handle for one subscription: destroying it (or calling reset()) unsubscribes.
// It may outlive its bus; then reset() does nothing. Loop thread only, like the bus.
#include <cstdint>
#include <functional>
#include <memory>

namespace talk::nats {

class Subscription
{
public:
  // The bus side: what to call to remove subscription `id`. The bus owns it through a
  // shared_ptr and drops it when destroyed, which is how a late Subscription notices.
  using Canceller = std::function<void(uint64_t id)>;

  Subscription() = default;
  Subscription(std::weak_ptr<Canceller> canceller, uint64_t id);
  ~Subscription();
  Subscription(Subscription&& other) noexcept;
  Subscription& operator=(Subscription&& other) noexcept;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // Unsubscribes now; no handler call for this subscription happens afterwards.
  void reset() noexcept;
  bool active() const;
  uint64_t id() const { return d_id; }

private:
  std::weak_ptr<Canceller> d_canceller;
  uint64_t d_id{0};
};

}
