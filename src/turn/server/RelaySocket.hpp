#pragma once
// The UDP socket of one relayed transport address (transport layer: no protocol
// knowledge). Reports readability to its Listener, which drains it with a RecvBatch.
#include "common/ev/Watchers.hpp"
#include "common/net/SocketAddress.hpp"
#include "common/net/UniqueFd.hpp"

#include <cstdint>

namespace talk::turn {

class RelaySocket : private ev::IoWatcher::Listener
{
public:
  class Listener
  {
  public:
    virtual ~Listener() = default;
    virtual void onRelayReadable(RelaySocket& socket) = 0;
  };

  RelaySocket(ev::EventLoop& loop, Listener* listener);
  RelaySocket(const RelaySocket&) = delete;
  RelaySocket& operator=(const RelaySocket&) = delete;

  // Binds local (IP and port) and starts reading. False with errno set on failure
  // (EADDRINUSE: another process holds the port; the caller picks another).
  bool open(const SocketAddress& local, bool dontFragment);
  // Starts reading a socket bound elsewhere (bindUdp) to local, e.g. the port an EVEN-PORT
  // reservation held. Applies dontFragment. False with errno set on failure.
  bool adopt(UniqueFd socket, const SocketAddress& local, bool dontFragment);
  // A non-blocking UDP socket bound to local; invalid with errno set on failure.
  static UniqueFd bindUdp(const SocketAddress& local, bool dontFragment);
  int fd() const { return d_fd.get(); }
  const SocketAddress& local() const { return d_local; }
  // Opaque back-reference for the listener (the owning allocation).
  void* owner{nullptr};
  uint8_t index{0}; // 0 or 1 (dual allocation)

private:
  void onIo(ev::IoWatcher& watcher, int events) override;

  // Passed by argument (not owned)
  Listener* d_listener;
  // Owned
  UniqueFd d_fd;
  ev::IoWatcher d_watcher;
  // State
  SocketAddress d_local;
};

}
