#pragma once
// Collects the datagrams one loop iteration produces and sends them with sendmmsg, one call
// per run of consecutive datagrams leaving through the same socket (relayed media arrives in
// bursts from recvmmsg, so runs are common). Datagrams are copied into one reusable arena:
// no allocation per packet. flush() is called once per loop iteration (prepare watcher) and
// whenever the arena or the entry table is full.
#include "common/net/SocketAddress.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <sys/socket.h>

namespace talk::turn {

class SendBatcher
{
public:
  static constexpr size_t MaxEntries = 64;
  static constexpr size_t ArenaSize = 256 * 1024;

  SendBatcher();
  SendBatcher(const SendBatcher&) = delete;
  SendBatcher& operator=(const SendBatcher&) = delete;

  // Queues head ‖ body ‖ `pad` zero bytes for `to` on `fd`. False (and the datagram is
  // dropped) only when it is larger than the arena.
  bool add(int fd, const SocketAddress& to, std::span<const uint8_t> head, std::span<const uint8_t> body, size_t pad = 0);
  void flush();
  bool empty() const { return d_count == 0; }

  // Statistics: sendmmsg calls and datagrams that could not be sent (socket buffer full).
  uint64_t syscalls() const { return d_syscalls; }
  uint64_t dropped() const { return d_dropped; }

private:
  // State
  std::vector<uint8_t> d_arena;
  size_t d_used{0};
  size_t d_count{0};
  std::array<int, MaxEntries> d_fds{};
  std::array<SocketAddress, MaxEntries> d_addresses{};
  std::array<iovec, MaxEntries> d_iov{};
  std::array<mmsghdr, MaxEntries> d_headers{};
  uint64_t d_syscalls{0};
  uint64_t d_dropped{0};
};

}
