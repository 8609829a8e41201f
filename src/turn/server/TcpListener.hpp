#pragma once
// A listening TCP socket (tcp:// or tls://addr:port), one per worker loop with SO_REUSEPORT.
// Accepts connections and hands the new fd to its Listener, which wraps it in a
// StreamConnection (with TLS for tls:// listeners; that role is the class table's
// TlsListener).
#include "common/ev/Watchers.hpp"
#include "common/net/SocketAddress.hpp"
#include "common/net/UniqueFd.hpp"

#include <cstdint>

namespace talk::turn {

class TcpListener : private ev::IoWatcher::Listener
{
public:
  class Listener
  {
  public:
    virtual ~Listener() = default;
    virtual void onAccepted(TcpListener& listener, UniqueFd fd, const SocketAddress& peer) = 0;
  };

  // Binds and listens or throws talk::SystemError.
  TcpListener(ev::EventLoop& loop, Listener* listener, const SocketAddress& local, uint32_t id, bool tls, bool reusePort);
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  uint32_t id() const { return d_id; }
  bool tls() const { return d_tls; }
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
  bool d_tls;
};

}
