#include "turn/server/StreamConnection.hpp"

#include "turn/stun/Framing.hpp"

#include <cerrno>
#include <cstring>

#include <openssl/err.h>
#include <sys/socket.h>

namespace talk::turn {

namespace {
// A frame is at most 20 + 65535 bytes; a bit of room avoids a second read per frame.
constexpr size_t InputCapacity = 65536 + 1024;
constexpr int MaxReadsPerEvent = 16;
}

StreamConnection::StreamConnection(ev::EventLoop& loop, Listener* listener, UniqueFd fd, const SocketAddress& peer,
                                   uint32_t listenerId, bool tls, SSL_CTX* ssl) :
  d_listener(listener),
  d_fd(std::move(fd)),
  d_watcher(loop, this),
  d_peer(peer),
  d_listenerId(listenerId),
  d_tls(tls)
{
  if (tls) {
    d_ssl.reset(SSL_new(ssl));
    if (!d_ssl || SSL_set_fd(d_ssl.get(), d_fd.get()) != 1) {
      ERR_clear_error();
      d_closed = true;
      return;
    }
    SSL_set_accept_state(d_ssl.get());
  }
  d_in.resize(InputCapacity);
  d_watcher.set(d_fd.get(), EV_READ);
}

StreamConnection::~StreamConnection() = default;

long StreamConnection::rawRead(uint8_t* buf, size_t len)
{
  if (d_ssl) {
    ERR_clear_error();
    int n = SSL_read(d_ssl.get(), buf, static_cast<int>(len));
    if (n > 0) {
      d_wantWriteForRead = false;
      return n;
    }
    int err = SSL_get_error(d_ssl.get(), n);
    if (err == SSL_ERROR_WANT_READ) {
      d_wantWriteForRead = false;
      return 0;
    }
    if (err == SSL_ERROR_WANT_WRITE) {
      d_wantWriteForRead = true;
      return 0;
    }
    ERR_clear_error();
    return -1;
  }
  for (;;) {
    ssize_t n = ::recv(d_fd.get(), buf, len, 0);
    if (n > 0) {
      return n;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return 0;
    }
    return -1;
  }
}

long StreamConnection::rawWrite(const uint8_t* buf, size_t len)
{
  if (d_ssl) {
    ERR_clear_error();
    int n = SSL_write(d_ssl.get(), buf, static_cast<int>(len));
    if (n > 0) {
      d_wantReadForWrite = false;
      return n;
    }
    int err = SSL_get_error(d_ssl.get(), n);
    if (err == SSL_ERROR_WANT_WRITE) {
      d_wantReadForWrite = false;
      return 0;
    }
    if (err == SSL_ERROR_WANT_READ) {
      d_wantReadForWrite = true;
      return 0;
    }
    ERR_clear_error();
    return -1;
  }
  for (;;) {
    ssize_t n = ::send(d_fd.get(), buf, len, MSG_NOSIGNAL);
    if (n >= 0) {
      return n;
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return 0;
    }
    return -1;
  }
}

bool StreamConnection::send(std::span<const uint8_t> head, std::span<const uint8_t> body, size_t pad)
{
  if (d_closed) {
    return false;
  }
  const size_t total = head.size() + body.size() + pad;
  if (d_out.size() - d_outStart + total > MaxOutput) {
    return false;
  }
  const bool wasEmpty = d_out.size() == d_outStart;
  d_out.insert(d_out.end(), head.begin(), head.end());
  d_out.insert(d_out.end(), body.begin(), body.end());
  d_out.insert(d_out.end(), pad, 0);
  if (wasEmpty && (!d_ssl || SSL_is_init_finished(d_ssl.get()))) {
    flushOutput();
  }
  else {
    updateWatcher();
  }
  return !d_closed;
}

void StreamConnection::flushOutput()
{
  while (!d_closed && d_outStart < d_out.size()) {
    // TLS records: at most 16 KiB per SSL_write keeps partial writes simple.
    size_t chunk = d_out.size() - d_outStart;
    long n = rawWrite(d_out.data() + d_outStart, chunk);
    if (n < 0) {
      fail();
      return;
    }
    if (n == 0) {
      break;
    }
    d_outStart += static_cast<size_t>(n);
  }
  if (d_outStart == d_out.size()) {
    d_out.clear();
    d_outStart = 0;
  }
  else if (d_outStart > 65536 && d_outStart * 2 > d_out.size()) {
    d_out.erase(d_out.begin(), d_out.begin() + static_cast<std::ptrdiff_t>(d_outStart));
    d_outStart = 0;
  }
  updateWatcher();
}

void StreamConnection::updateWatcher()
{
  if (d_closed) {
    return;
  }
  int events = EV_READ;
  if (d_outStart < d_out.size() || d_wantWriteForRead) {
    events |= EV_WRITE;
  }
  if (events != d_watcher.events()) {
    d_watcher.set(d_fd.get(), events);
  }
}

void StreamConnection::onIo(ev::IoWatcher& /*watcher*/, int events)
{
  if (d_closed) {
    return;
  }
  if ((events & EV_WRITE) != 0 || d_wantReadForWrite) {
    flushOutput();
  }
  if (!d_closed && ((events & EV_READ) != 0 || d_wantWriteForRead)) {
    readSome();
  }
  if (!d_closed && d_ssl && SSL_is_init_finished(d_ssl.get()) && d_outStart < d_out.size()) {
    flushOutput();
  }
}

void StreamConnection::readSome()
{
  for (int round = 0; round < MaxReadsPerEvent && !d_closed; ++round) {
    const size_t space = d_in.size() - d_inUsed;
    long n = rawRead(d_in.data() + d_inUsed, space);
    if (n < 0) {
      fail();
      return;
    }
    if (n == 0) {
      break;
    }
    d_inUsed += static_cast<size_t>(n);
    size_t pos = 0;
    while (!d_closed && pos < d_inUsed) {
      std::span<const uint8_t> rest(d_in.data() + pos, d_inUsed - pos);
      stun::StreamFrame frame = stun::nextStreamFrame(rest);
      if (frame.status == stun::FrameStatus::Invalid) {
        fail();
        return;
      }
      if (frame.status == stun::FrameStatus::NeedMore) {
        break;
      }
      d_listener->onStreamFrame(*this, frame.kind == stun::FrameKind::Stun, rest.first(frame.size));
      pos += frame.size;
    }
    if (d_closed) {
      return;
    }
    if (pos > 0) {
      std::memmove(d_in.data(), d_in.data() + pos, d_inUsed - pos);
      d_inUsed -= pos;
    }
    // A short read means the socket is drained: stop instead of paying one more recv()
    // for EAGAIN (epoll is level-triggered, so anything that arrives meanwhile wakes us
    // again). TLS may still hold decrypted bytes that epoll cannot see.
    if (static_cast<size_t>(n) < space && (!d_ssl || SSL_pending(d_ssl.get()) == 0)) {
      break;
    }
  }
  updateWatcher();
}

void StreamConnection::fail()
{
  close();
}

void StreamConnection::close()
{
  if (d_closed && d_notified) {
    return;
  }
  d_closed = true;
  d_watcher.stop();
  if (!d_notified) {
    d_notified = true;
    d_listener->onStreamClosed(*this);
  }
}

}
