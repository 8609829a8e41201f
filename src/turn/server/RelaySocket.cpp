#include "turn/server/RelaySocket.hpp"

#include <cerrno>

#include <netinet/in.h>
#include <sys/socket.h>

namespace talk::turn {

RelaySocket::RelaySocket(ev::EventLoop& loop, Listener* listener) :
  d_listener(listener), d_watcher(loop, this)
{
}

namespace {

bool setDontFragment(int fd, const SocketAddress& local)
{
  // DONT-FRAGMENT (spec §2.2 step 4): the kernel sets DF and never fragments locally.
  if (local.isV4()) {
    int mode = IP_PMTUDISC_DO;
    return ::setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &mode, sizeof(mode)) == 0;
  }
  int v6mode = IPV6_PMTUDISC_DO;
  return ::setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v6mode, sizeof(v6mode)) == 0;
}

}

UniqueFd RelaySocket::bindUdp(const SocketAddress& local, bool dontFragment)
{
  UniqueFd fd(::socket(local.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    return fd;
  }
  if (local.isV6()) {
    int on = 1;
    ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
  }
  if (dontFragment) {
    setDontFragment(fd.get(), local);
  }
  if (::bind(fd.get(), local.sockaddrPtr(), local.length()) != 0) {
    const int err = errno;
    fd.reset();
    errno = err;
  }
  return fd;
}

bool RelaySocket::open(const SocketAddress& local, bool dontFragment)
{
  UniqueFd fd = bindUdp(local, dontFragment);
  if (!fd) {
    return false;
  }
  return adopt(std::move(fd), local, false);
}

bool RelaySocket::adopt(UniqueFd socket, const SocketAddress& local, bool dontFragment)
{
  if (!socket) {
    errno = EBADF;
    return false;
  }
  if (dontFragment) {
    setDontFragment(socket.get(), local);
  }
  d_fd = std::move(socket);
  d_local = local;
  d_watcher.set(d_fd.get(), EV_READ);
  return true;
}

void RelaySocket::onIo(ev::IoWatcher& /*watcher*/, int /*events*/)
{
  d_listener->onRelayReadable(*this);
}

}
