#include "turn/server/SendBatcher.hpp"

#include <cerrno>
#include <cstring>

namespace talk::turn {

SendBatcher::SendBatcher() :
  d_arena(ArenaSize)
{
}

bool SendBatcher::add(int fd, const SocketAddress& to, std::span<const uint8_t> head, std::span<const uint8_t> body, size_t pad)
{
  const size_t total = head.size() + body.size() + pad;
  if (total > ArenaSize) {
    ++d_dropped;
    return false;
  }
  if (d_count == MaxEntries || d_used + total > ArenaSize) {
    flush();
  }
  uint8_t* out = d_arena.data() + d_used;
  if (!head.empty()) {
    std::memcpy(out, head.data(), head.size());
  }
  if (!body.empty()) {
    std::memcpy(out + head.size(), body.data(), body.size());
  }
  if (pad != 0) {
    std::memset(out + head.size() + body.size(), 0, pad);
  }
  const size_t i = d_count++;
  d_fds[i] = fd;
  d_addresses[i] = to;
  d_iov[i].iov_base = out;
  d_iov[i].iov_len = total;
  d_used += total;
  return true;
}

void SendBatcher::flush()
{
  size_t start = 0;
  while (start < d_count) {
    size_t end = start + 1;
    while (end < d_count && d_fds[end] == d_fds[start]) {
      ++end;
    }
    for (size_t i = start; i < end; ++i) {
      std::memset(&d_headers[i], 0, sizeof(mmsghdr));
      d_headers[i].msg_hdr.msg_name = d_addresses[i].sockaddrPtr();
      d_headers[i].msg_hdr.msg_namelen = d_addresses[i].length();
      d_headers[i].msg_hdr.msg_iov = &d_iov[i];
      d_headers[i].msg_hdr.msg_iovlen = 1;
    }
    size_t next = start;
    while (next < end) {
      ++d_syscalls;
      int sent = ::sendmmsg(d_fds[start], &d_headers[next], static_cast<unsigned>(end - next), MSG_DONTWAIT);
      if (sent < 0) {
        if (errno == EINTR) {
          continue;
        }
        // EAGAIN (buffer full), EMSGSIZE (DF), unreachable peers: UDP is lossy, drop the
        // first datagram and go on with the rest.
        ++d_dropped;
        ++next;
        continue;
      }
      next += static_cast<size_t>(sent);
    }
    start = end;
  }
  d_count = 0;
  d_used = 0;
}

}
