#pragma once
// Reusable receive buffers for recvmmsg: one per worker loop, shared by its listener and
// relay sockets (a batch is fully handled before the next socket is read), so receiving
// allocates nothing per packet.
#include "common/net/SocketAddress.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <sys/socket.h>

namespace talk::turn {

class RecvBatch
{
public:
  static constexpr size_t MaxMessages = 32;
  // Largest UDP payload; smaller buffers would truncate big ChannelData messages.
  static constexpr size_t BufferSize = 65536;

  RecvBatch();
  RecvBatch(const RecvBatch&) = delete;
  RecvBatch& operator=(const RecvBatch&) = delete;

  // Reads up to MaxMessages datagrams without blocking. Returns the count (0 when nothing
  // is pending or on error). Truncated datagrams are reported with truncated(i).
  size_t receive(int fd);

  std::span<const uint8_t> data(size_t i) const { return {d_buffers.data() + i * BufferSize, d_headers[i].msg_len}; }
  std::span<uint8_t> mutableData(size_t i) { return {d_buffers.data() + i * BufferSize, d_headers[i].msg_len}; }
  const SocketAddress& from(size_t i) const { return d_addresses[i]; }
  bool truncated(size_t i) const { return (d_headers[i].msg_hdr.msg_flags & MSG_TRUNC) != 0; }

private:
  // State
  std::vector<uint8_t> d_buffers;
  std::array<SocketAddress, MaxMessages> d_addresses{};
  std::array<iovec, MaxMessages> d_iov{};
  std::array<mmsghdr, MaxMessages> d_headers{};
  size_t d_filled{0}; // entries the last receive() filled
};

}
