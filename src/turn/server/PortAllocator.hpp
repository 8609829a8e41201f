#pragma once
// Relay ports of one relay address, shared by all worker loops (allocation is rare and on
// the control path, so a mutex is fine; the data path never touches this). Ports are
// handed out from a random starting point, skipping busy ones (spec §2.2 step 9).
// EVEN-PORT with R=1 also holds port+1 under an 8-byte reservation token (≈30 s), together
// with the UDP socket the worker already bound to it: marking the port busy here keeps other
// allocations of this process off it, the bound socket keeps other processes off it.
#include "common/net/UniqueFd.hpp"

#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace talk::turn {

class PortAllocator
{
public:
  PortAllocator(uint16_t min, uint16_t max);

  // Marks a free port busy and returns it. even: only even ports; reserveNext: port+1 must
  // also be free and is held too (caller then calls reserve()). nullopt = none free.
  std::optional<uint16_t> acquire(bool even, bool reserveNext);
  // Marks a specific port busy (used when a bind of a chosen port failed elsewhere:
  // the caller keeps it marked and asks again). False if it was busy or out of range.
  bool acquireSpecific(uint16_t port);
  void release(uint16_t port);
  bool busy(uint16_t port) const;
  size_t inUse() const;
  uint16_t min() const { return d_min; }
  uint16_t max() const { return d_max; }

  struct Reservation
  {
    uint16_t port{0};
    UniqueFd socket; // bound to port (invalid when the reserver passed none)
  };

  // Reservation of a port already marked busy, valid until expiresMs. socket (bound to the
  // port) is held with it and closed when the reservation expires.
  void reserve(uint64_t token, uint16_t port, int64_t expiresMs, UniqueFd socket = UniqueFd());
  // Takes the port and socket held by token (single use). nullopt when unknown or expired.
  std::optional<Reservation> redeem(uint64_t token, int64_t nowMs);
  // True when token is a live (not yet redeemed) reservation of this allocator.
  bool holds(uint64_t token) const;
  // Frees the ports (and closes the sockets) of expired reservations; returns how many.
  size_t expireReservations(int64_t nowMs);

private:
  bool busyLocked(uint16_t port) const;

  // State
  mutable std::mutex d_mutex;
  uint16_t d_min;
  uint16_t d_max;
  std::vector<uint8_t> d_busy; // index port - min
  size_t d_inUse{0};
  struct Held
  {
    uint16_t port;
    int64_t expiresMs;
    UniqueFd socket;
  };
  std::unordered_map<uint64_t, Held> d_reservations;
};

}
