#pragma once
// One accepted TCP or TLS connection (transport layer). Delimits STUN and ChannelData frames
// in the byte stream (spec §1.4, stun::nextStreamFrame) and hands each complete frame to its
// Listener; queues outgoing bytes with a bound, dropping what exceeds it (relayed media is
// loss-tolerant; a client that cannot keep up must not grow our memory).
// The Listener may call close() from a callback; the owner destroys the object later
// (never inside its own callback).
#include "common/ev/Watchers.hpp"
#include "common/net/SocketAddress.hpp"
#include "common/net/UniqueFd.hpp"
#include "common/util/CHandle.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <openssl/ssl.h>

namespace talk::turn {

class StreamConnection : private ev::IoWatcher::Listener
{
public:
  class Listener
  {
  public:
    virtual ~Listener() = default;
    // isStun: a STUN message of frame.size() bytes; else a ChannelData message (with pad).
    virtual void onStreamFrame(StreamConnection& connection, bool isStun, std::span<const uint8_t> frame) = 0;
    // Called once, when the peer closed, on an error, or after close().
    virtual void onStreamClosed(StreamConnection& connection) = 0;
  };

  static constexpr size_t MaxOutput = 4 * 1024 * 1024;

  // ssl: a server SSL_CTX for TLS connections; nullptr for plain TCP.
  StreamConnection(ev::EventLoop& loop, Listener* listener, UniqueFd fd, const SocketAddress& peer, uint32_t listenerId,
                   bool tls, SSL_CTX* ssl);
  ~StreamConnection() override;
  StreamConnection(const StreamConnection&) = delete;
  StreamConnection& operator=(const StreamConnection&) = delete;

  // Queues head ‖ body ‖ pad zero bytes. False if the connection is closed or the bound
  // was reached (the message is dropped).
  bool send(std::span<const uint8_t> head, std::span<const uint8_t> body, size_t pad = 0);
  void close();
  bool closed() const { return d_closed; }
  bool tls() const { return d_tls; }
  const SocketAddress& peer() const { return d_peer; }
  uint32_t listenerId() const { return d_listenerId; }
  // Opaque slot for the owner (the allocation of this connection).
  void* owner{nullptr};
  int64_t acceptedMs{0};

private:
  void onIo(ev::IoWatcher& watcher, int events) override;
  void readSome();
  void flushOutput();
  void updateWatcher();
  // Raw I/O through TLS or the socket: > 0 bytes, 0 would block, < 0 closed/error.
  long rawRead(uint8_t* buf, size_t len);
  long rawWrite(const uint8_t* buf, size_t len);
  void fail();

  // Passed by argument (not owned)
  Listener* d_listener;
  // Owned
  UniqueFd d_fd;
  CHandle<SSL, SSL_free> d_ssl;
  ev::IoWatcher d_watcher;
  // State
  SocketAddress d_peer;
  uint32_t d_listenerId;
  bool d_tls;
  bool d_closed{false};
  bool d_notified{false};
  bool d_wantWriteForRead{false}; // TLS needs the socket writable to make read progress
  bool d_wantReadForWrite{false};
  std::vector<uint8_t> d_in;
  size_t d_inUsed{0};
  std::vector<uint8_t> d_out;
  size_t d_outStart{0};
};

}
