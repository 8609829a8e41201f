#include "turn/server/TcpListener.hpp"

#include "common/util/Error.hpp"
#include "turn/server/UdpListener.hpp"

#include <cerrno>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace talk::turn {

TcpListener::TcpListener(ev::EventLoop& loop, Listener* listener, const SocketAddress& local, uint32_t id, bool tls, bool reusePort) :
  d_listener(listener), d_fd(bindSocket(local, SOCK_STREAM, reusePort)), d_watcher(loop, this), d_local(local), d_id(id), d_tls(tls)
{
  if (::listen(d_fd.get(), 1024) != 0) {
    throwSystemError("listen " + local.toString());
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  if (::getsockname(d_fd.get(), reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
    d_local = SocketAddress(reinterpret_cast<sockaddr*>(&bound), len);
  }
  d_watcher.set(d_fd.get(), EV_READ);
}

void TcpListener::onIo(ev::IoWatcher& /*watcher*/, int /*events*/)
{
  for (int i = 0; i < 64; ++i) {
    sockaddr_storage peer{};
    socklen_t len = sizeof(peer);
    int fd = ::accept4(d_fd.get(), reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      // EAGAIN: drained. EMFILE and friends: try again on the next readiness event.
      return;
    }
    int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    d_listener->onAccepted(*this, UniqueFd(fd), SocketAddress(reinterpret_cast<sockaddr*>(&peer), len));
  }
}

}
