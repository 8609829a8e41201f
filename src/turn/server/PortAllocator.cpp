#include "turn/server/PortAllocator.hpp"

#include "common/crypto/Crypto.hpp"

#include <stdexcept>

namespace talk::turn {

PortAllocator::PortAllocator(uint16_t min, uint16_t max) :
  d_min(min), d_max(max)
{
  if (min == 0 || max < min) {
    throw std::invalid_argument("relay port range is empty");
  }
  d_busy.assign(static_cast<size_t>(max - min) + 1, 0);
}

bool PortAllocator::busyLocked(uint16_t port) const
{
  return port < d_min || port > d_max || d_busy[port - d_min] != 0;
}

std::optional<uint16_t> PortAllocator::acquire(bool even, bool reserveNext)
{
  std::lock_guard lock(d_mutex);
  const size_t count = d_busy.size();
  uint32_t random = 0;
  crypto::randomBytes({reinterpret_cast<uint8_t*>(&random), sizeof(random)});
  const size_t start = random % count;
  for (size_t i = 0; i < count; ++i) {
    const auto port = static_cast<uint16_t>(d_min + (start + i) % count);
    if (even && (port & 1U) != 0) {
      continue;
    }
    if (busyLocked(port)) {
      continue;
    }
    if (reserveNext) {
      if (port == d_max || busyLocked(static_cast<uint16_t>(port + 1))) {
        continue;
      }
      d_busy[port + 1 - d_min] = 1;
      ++d_inUse;
    }
    d_busy[port - d_min] = 1;
    ++d_inUse;
    return port;
  }
  return std::nullopt;
}

bool PortAllocator::acquireSpecific(uint16_t port)
{
  std::lock_guard lock(d_mutex);
  if (busyLocked(port)) {
    return false;
  }
  d_busy[port - d_min] = 1;
  ++d_inUse;
  return true;
}

void PortAllocator::release(uint16_t port)
{
  std::lock_guard lock(d_mutex);
  if (port >= d_min && port <= d_max && d_busy[port - d_min] != 0) {
    d_busy[port - d_min] = 0;
    --d_inUse;
  }
}

bool PortAllocator::busy(uint16_t port) const
{
  std::lock_guard lock(d_mutex);
  return busyLocked(port);
}

size_t PortAllocator::inUse() const
{
  std::lock_guard lock(d_mutex);
  return d_inUse;
}

void PortAllocator::reserve(uint64_t token, uint16_t port, int64_t expiresMs, UniqueFd socket)
{
  std::lock_guard lock(d_mutex);
  d_reservations.insert_or_assign(token, Held{port, expiresMs, std::move(socket)});
}

std::optional<PortAllocator::Reservation> PortAllocator::redeem(uint64_t token, int64_t nowMs)
{
  std::lock_guard lock(d_mutex);
  auto it = d_reservations.find(token);
  if (it == d_reservations.end()) {
    return std::nullopt;
  }
  Held held = std::move(it->second);
  d_reservations.erase(it);
  if (held.expiresMs < nowMs) {
    // Expired but not yet swept: close the socket, then give the port back.
    held.socket.reset();
    if (held.port >= d_min && held.port <= d_max && d_busy[held.port - d_min] != 0) {
      d_busy[held.port - d_min] = 0;
      --d_inUse;
    }
    return std::nullopt;
  }
  return Reservation{held.port, std::move(held.socket)};
}

bool PortAllocator::holds(uint64_t token) const
{
  std::lock_guard lock(d_mutex);
  return d_reservations.count(token) != 0;
}

size_t PortAllocator::expireReservations(int64_t nowMs)
{
  std::lock_guard lock(d_mutex);
  size_t freed = 0;
  for (auto it = d_reservations.begin(); it != d_reservations.end();) {
    if (it->second.expiresMs < nowMs) {
      const uint16_t port = it->second.port;
      if (port >= d_min && port <= d_max && d_busy[port - d_min] != 0) {
        d_busy[port - d_min] = 0;
        --d_inUse;
      }
      it = d_reservations.erase(it); // closes the held socket
      ++freed;
    }
    else {
      ++it;
    }
  }
  return freed;
}

}
