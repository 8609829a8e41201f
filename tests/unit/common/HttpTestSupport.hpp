#pragma once
// Helpers for the http tests: drive the loop until something happened (bounded), raw
// blocking sockets for a client thread (every call bounded by socket timeouts), and
// RFC 6455 frames built and parsed by hand, so the server meets a peer that is not lws.
#include "common/ev/EventLoop.hpp"
#include "common/ev/Watchers.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>
#include <unistd.h>

namespace talk::test {

struct Tick : ev::Timer::Listener
{
  void onTimer(ev::Timer& /*timer*/) override {}
};

// Runs the loop until done() or the bound passes; returns done().
inline bool runUntil(ev::EventLoop& loop, const std::function<bool()>& done, double seconds = 10)
{
  Tick tick;
  ev::Timer timer(loop, &tick);
  timer.start(0.005, 0.005); // keeps runOnce(true) from blocking long
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    loop.runOnce(true);
  }
  return done();
}

// Runs fn in a thread while the loop runs here; returns when fn is done.
inline void withClient(ev::EventLoop& loop, const std::function<void()>& fn, double seconds = 30)
{
  std::atomic<bool> done{false};
  std::thread client([&] {
    fn();
    done = true;
  });
  runUntil(loop, [&] { return done.load(); }, seconds);
  client.join(); // socket timeouts bound fn
}

// Runs the loop for a while (for "nothing else happens" checks and pacing).
inline void runFor(ev::EventLoop& loop, double seconds)
{
  runUntil(loop, [] { return false; }, seconds);
}

class RawClient
{
public:
  RawClient() = default;
  ~RawClient() { closeNow(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  // receiveBuffer > 0 shrinks SO_RCVBUF before connecting (a slow reader).
  bool connect(int port, bool v6 = false, int receiveBuffer = 0, double timeoutSeconds = 5)
  {
    d_fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (d_fd < 0) {
      return false;
    }
    setTimeout(timeoutSeconds);
    if (receiveBuffer > 0) {
      ::setsockopt(d_fd, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof(receiveBuffer));
    }
    int one = 1;
    ::setsockopt(d_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (v6) {
      sockaddr_in6 sin6{};
      sin6.sin6_family = AF_INET6;
      sin6.sin6_port = htons(static_cast<uint16_t>(port));
      sin6.sin6_addr = in6addr_loopback;
      return ::connect(d_fd, reinterpret_cast<sockaddr*>(&sin6), sizeof(sin6)) == 0;
    }
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(static_cast<uint16_t>(port));
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return ::connect(d_fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) == 0;
  }

  void setTimeout(double seconds)
  {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(seconds);
    tv.tv_usec = static_cast<suseconds_t>((seconds - static_cast<double>(tv.tv_sec)) * 1e6);
    ::setsockopt(d_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(d_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  }

  bool send(const std::string& bytes)
  {
    size_t at = 0;
    while (at < bytes.size()) {
      ssize_t n = ::send(d_fd, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
      if (n <= 0) {
        return false;
      }
      at += static_cast<size_t>(n);
    }
    return true;
  }

  void shutdownWrite() { ::shutdown(d_fd, SHUT_WR); }
  void closeNow()
  {
    if (d_fd >= 0) {
      ::close(d_fd);
      d_fd = -1;
    }
  }
  int fd() const { return d_fd; }

  // Reads more into buffer(); false on timeout, error or EOF (eof() tells).
  bool readMore()
  {
    char chunk[65536];
    ssize_t n = ::recv(d_fd, chunk, sizeof(chunk), 0);
    if (n == 0) {
      d_eof = true;
    }
    if (n <= 0) {
      return false;
    }
    d_buffer.append(chunk, static_cast<size_t>(n));
    return true;
  }

  // Waits for the peer to close (EOF or reset); false on timeout.
  bool waitClosed()
  {
    for (;;) {
      char chunk[65536];
      ssize_t n = ::recv(d_fd, chunk, sizeof(chunk), 0);
      if (n == 0) {
        return true;
      }
      if (n < 0) {
        return errno == ECONNRESET || errno == EPIPE;
      }
      d_buffer.append(chunk, static_cast<size_t>(n));
    }
  }

  std::string& buffer() { return d_buffer; }
  bool eof() const { return d_eof; }

  struct HttpResponse
  {
    int status{0};
    std::string head; // status line + headers, lower-cased names kept as sent
    std::string body;
    std::string header(const std::string& lowerName) const
    {
      std::string lower;
      for (char c : head) {
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      size_t at = lower.find("\r\n" + lowerName + ":");
      if (at == std::string::npos) {
        return {};
      }
      size_t start = at + 3 + lowerName.size();
      while (start < head.size() && head[start] == ' ') {
        ++start;
      }
      return head.substr(start, head.find("\r\n", start) - start);
    }
    bool has(const std::string& lowerName) const
    {
      std::string lower;
      for (char c : head) {
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      return lower.find("\r\n" + lowerName + ":") != std::string::npos;
    }
  };

  // Reads one response (Content-Length framed; HEAD: headOnly). nullopt on timeout/EOF.
  std::optional<HttpResponse> readResponse(bool headOnly = false)
  {
    for (;;) {
      size_t end = d_buffer.find("\r\n\r\n");
      if (end != std::string::npos) {
        HttpResponse r;
        r.head = d_buffer.substr(0, end);
        if (r.head.size() > 12 && r.head.rfind("HTTP/1.", 0) == 0) {
          r.status = std::atoi(r.head.c_str() + 9);
        }
        if (r.status == 100) {
          d_buffer.erase(0, end + 4);
          continue; // interim response
        }
        std::string cl = r.header("content-length");
        size_t length = headOnly || cl.empty() ? 0 : std::stoul(cl);
        if (d_buffer.size() >= end + 4 + length) {
          r.body = d_buffer.substr(end + 4, length);
          d_buffer.erase(0, end + 4 + length);
          return r;
        }
      }
      if (!readMore()) {
        return std::nullopt;
      }
    }
  }

private:
  int d_fd{-1};
  std::string d_buffer;
  bool d_eof{false};
};

// --- WebSocket frames (RFC 6455 §5.2), client side: always masked ---------------------

inline std::string wsFrame(uint8_t opcode, const std::string& payload, bool fin = true, bool mask = true)
{
  std::string f;
  f += static_cast<char>((fin ? 0x80 : 0) | opcode);
  uint8_t maskBit = mask ? 0x80 : 0;
  if (payload.size() < 126) {
    f += static_cast<char>(maskBit | payload.size());
  }
  else if (payload.size() < 65536) {
    f += static_cast<char>(maskBit | 126);
    f += static_cast<char>(payload.size() >> 8);
    f += static_cast<char>(payload.size() & 0xff);
  }
  else {
    f += static_cast<char>(maskBit | 127);
    for (int i = 7; i >= 0; --i) {
      f += static_cast<char>((static_cast<uint64_t>(payload.size()) >> (8 * i)) & 0xff);
    }
  }
  const uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
  if (mask) {
    f.append(reinterpret_cast<const char*>(key), 4);
  }
  for (size_t i = 0; i < payload.size(); ++i) {
    f += static_cast<char>(static_cast<uint8_t>(payload[i]) ^ (mask ? key[i % 4] : 0));
  }
  return f;
}

inline std::string wsClose(uint16_t code, const std::string& reason = "")
{
  std::string payload;
  payload += static_cast<char>(code >> 8);
  payload += static_cast<char>(code & 0xff);
  payload += reason;
  return wsFrame(0x8, payload);
}

inline std::string wsUpgrade(const std::string& path, const std::string& protocol = "", const std::string& extra = "")
{
  std::string r = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
  if (!protocol.empty()) {
    r += "Sec-WebSocket-Protocol: " + protocol + "\r\n";
  }
  return r + extra + "\r\n";
}

struct WsFrameIn
{
  uint8_t opcode{0};
  bool fin{false};
  std::string payload;
  uint16_t closeCode() const { return payload.size() >= 2 ? static_cast<uint16_t>((static_cast<uint8_t>(payload[0]) << 8) | static_cast<uint8_t>(payload[1])) : 0; }
};

// Parses one unmasked server frame from the front of buffer.
inline std::optional<WsFrameIn> takeFrame(std::string& buffer)
{
  if (buffer.size() < 2) {
    return std::nullopt;
  }
  auto b = [&](size_t i) { return static_cast<uint8_t>(buffer[i]); };
  WsFrameIn f;
  f.fin = (b(0) & 0x80) != 0;
  f.opcode = b(0) & 0x0f;
  uint64_t length = b(1) & 0x7f;
  size_t at = 2;
  if (length == 126) {
    if (buffer.size() < 4) {
      return std::nullopt;
    }
    length = (static_cast<uint64_t>(b(2)) << 8) | b(3);
    at = 4;
  }
  else if (length == 127) {
    if (buffer.size() < 10) {
      return std::nullopt;
    }
    length = 0;
    for (int i = 0; i < 8; ++i) {
      length = (length << 8) | b(2 + static_cast<size_t>(i));
    }
    at = 10;
  }
  if (buffer.size() < at + length) {
    return std::nullopt;
  }
  f.payload = buffer.substr(at, length);
  buffer.erase(0, at + length);
  return f;
}

// Reads frames until one arrives (nullopt on timeout/EOF).
inline std::optional<WsFrameIn> readFrame(RawClient& c)
{
  for (;;) {
    if (auto f = takeFrame(c.buffer())) {
      return f;
    }
    if (!c.readMore()) {
      return std::nullopt;
    }
  }
}

// Sends the upgrade and consumes the 101; returns the response head ("" on failure).
inline std::string wsHandshake(RawClient& c, const std::string& path, const std::string& protocol = "", const std::string& extra = "")
{
  if (!c.send(wsUpgrade(path, protocol, extra))) {
    return {};
  }
  for (;;) {
    size_t end = c.buffer().find("\r\n\r\n");
    if (end != std::string::npos) {
      std::string head = c.buffer().substr(0, end);
      c.buffer().erase(0, end + 4);
      return head;
    }
    if (!c.readMore()) {
      return {};
    }
  }
}

}
