#pragma once
// A UDP listening socket (udp://addr:port). With several worker loops each loop binds its
// own socket with SO_REUSEPORT and the kernel spreads clients by 4-tuple hash, so one
// client's datagrams always reach the same loop (architecture.md decision 6).
#include "common/ev/Watchers.hpp"
#include "common/net/SocketAddress.hpp"
#include "common/net/UniqueFd.hpp"

#include <cstdint>

namespace talk::turn {

class UdpListener : private ev::IoWatcher::Listener
{
public:
  class Listener
  {
  public:
    virtual ~Listener() = default;
    virtual void onUdpReadable(UdpListener& listener) = 0;
  };

  // Binds or throws talk::SystemError. reusePort: set SO_REUSEPORT (several loops).
  UdpListener(ev::EventLoop& loop, Listener* listener, const SocketAddress& local, uint32_t id, bool reusePort);
  UdpListener(const UdpListener&) = delete;
  UdpListener& operator=(const UdpListener&) = delete;

  int fd() const { return d_fd.get(); }
  uint32_t id() const { return d_id; }
  const SocketAddress& local() const { return d_local; }

private:
  void onIo(ev::IoWatcher& watcher, int events) override;

  // Passed by argument (not owned)
  Listener* d_listener;
  // Owned
  UniqueFd d_fd;
  ev::IoWatcher d_watcher;
  // State
  SocketAddress d_local;
  uint32_t d_id;
};

// Opens a non-blocking socket of `type` bound to `local` (SO_REUSEADDR, optional
// SO_REUSEPORT, IPV6_V6ONLY for IPv6). Throws talk::SystemError naming the address.
UniqueFd bindSocket(const SocketAddress& local, int type, bool reusePort);

}
