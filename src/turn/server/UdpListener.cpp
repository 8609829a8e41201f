#include "turn/server/UdpListener.hpp"

#include "common/util/Error.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

namespace talk::turn {

UniqueFd bindSocket(const SocketAddress& local, int type, bool reusePort)
{
  UniqueFd fd(::socket(local.family(), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    throwSystemError("socket for " + local.toString());
  }
  int on = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (reusePort && ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0) {
    throwSystemError("SO_REUSEPORT on " + local.toString());
  }
  if (local.isV6()) {
    ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
  }
  if (type == SOCK_DGRAM) {
    // Bursts of relayed media: a larger receive buffer avoids drops between loop iterations.
    int size = 4 * 1024 * 1024;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
  }
  if (::bind(fd.get(), local.sockaddrPtr(), local.length()) != 0) {
    throwSystemError("bind " + local.toString());
  }
  return fd;
}

UdpListener::UdpListener(ev::EventLoop& loop, Listener* listener, const SocketAddress& local, uint32_t id, bool reusePort) :
  d_listener(listener), d_fd(bindSocket(local, SOCK_DGRAM, reusePort)), d_watcher(loop, this), d_local(local), d_id(id)
{
  // Port 0 in tests: learn the real port.
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  if (::getsockname(d_fd.get(), reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
    d_local = SocketAddress(reinterpret_cast<sockaddr*>(&bound), len);
  }
  d_watcher.set(d_fd.get(), EV_READ);
}

void UdpListener::onIo(ev::IoWatcher& /*watcher*/, int /*events*/)
{
  d_listener->onUdpReadable(*this);
}

}
