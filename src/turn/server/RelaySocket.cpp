#include "turn/server/RelaySocket.hpp"

#include <cerrno>

#include <netinet/in.h>
#include <sys/socket.h>

namespace talk::turn {

RelaySocket::RelaySocket(ev::EventLoop& loop, Listener* listener) :
  d_listener(listener), d_watcher(loop, this)
{
}

bool RelaySocket::open(const SocketAddress& local, bool dontFragment)
{
  UniqueFd fd(::socket(local.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    return false;
  }
  if (local.isV6()) {
    int on = 1;
    ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
  }
  if (dontFragment) {
    // DONT-FRAGMENT (spec §2.2 step 4): the kernel sets DF and never fragments locally.
    int mode = IP_PMTUDISC_DO;
    if (local.isV4()) {
      ::setsockopt(fd.get(), IPPROTO_IP, IP_MTU_DISCOVER, &mode, sizeof(mode));
    }
    else {
      int v6mode = IPV6_PMTUDISC_DO;
      ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v6mode, sizeof(v6mode));
    }
  }
  if (::bind(fd.get(), local.sockaddrPtr(), local.length()) != 0) {
    return false;
  }
  d_fd = std::move(fd);
  d_local = local;
  d_watcher.set(d_fd.get(), EV_READ);
  return true;
}

void RelaySocket::onIo(ev::IoWatcher& /*watcher*/, int /*events*/)
{
  d_listener->onRelayReadable(*this);
}

}
