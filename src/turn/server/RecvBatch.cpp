#include "turn/server/RecvBatch.hpp"

#include <cerrno>
#include <cstring>

namespace talk::turn {

RecvBatch::RecvBatch() :
  d_buffers(MaxMessages * BufferSize)
{
  for (size_t i = 0; i < MaxMessages; ++i) {
    d_iov[i].iov_base = d_buffers.data() + i * BufferSize;
    d_iov[i].iov_len = BufferSize;
    std::memset(&d_headers[i], 0, sizeof(mmsghdr));
    d_headers[i].msg_hdr.msg_name = d_addresses[i].sockaddrPtr();
    d_headers[i].msg_hdr.msg_namelen = SocketAddress::capacity();
    d_headers[i].msg_hdr.msg_iov = &d_iov[i];
    d_headers[i].msg_hdr.msg_iovlen = 1;
  }
}

size_t RecvBatch::receive(int fd)
{
  // The kernel rewrote the name length (and length, flags) of the entries it filled last
  // time; everything else stays as set up once.
  for (size_t i = 0; i < d_filled; ++i) {
    d_headers[i].msg_hdr.msg_namelen = SocketAddress::capacity();
  }
  for (;;) {
    int n = ::recvmmsg(fd, d_headers.data(), MaxMessages, MSG_DONTWAIT, nullptr);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    d_filled = n < 0 ? 0 : static_cast<size_t>(n);
    return d_filled;
  }
}

}
