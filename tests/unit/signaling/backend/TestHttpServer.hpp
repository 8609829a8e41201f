#pragma once
// A minimal HTTP/1.1 server on 127.0.0.1 for the client tests: one thread accepts, one
// thread per connection reads requests (Content-Length bodies only), asks the handler for
// a response and keeps the connection open (keep-alive) until the peer closes it. It
// records every request and the connection counts, so tests can assert on what the
// client really sent and how it used connections. Blocking sockets are fine here: the
// server runs on its own threads, never on the loop under test.
#include "common/ev/EventLoop.hpp"
#include "common/ev/Watchers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace talk::test {

struct ServerRequest
{
  std::string method;
  std::string target; // path + query
  std::map<std::string, std::string> headers; // lower-case names
  std::string body;
  int connection{0}; // 1-based number of the connection it arrived on

  std::string header(const std::string& name) const
  {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct ServerResponse
{
  int status{200};
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Milliseconds to wait before answering (keeps a connection busy for concurrency tests).
  int delayMs{0};
  // Close the connection without answering.
  bool drop{false};
};

class TestHttpServer
{
public:
  using Handler = std::function<ServerResponse(const ServerRequest&)>;

  explicit TestHttpServer(Handler handler) : d_handler(std::move(handler))
  {
    d_listenFd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(d_listenFd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(d_listenFd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(d_listenFd, 64) != 0) {
      throw std::runtime_error("test server: bind/listen failed");
    }
    socklen_t len = sizeof(addr);
    ::getsockname(d_listenFd, reinterpret_cast<sockaddr*>(&addr), &len);
    d_port = ntohs(addr.sin_port);
    d_acceptThread = std::thread([this] { acceptLoop(); });
  }

  ~TestHttpServer()
  {
    d_stopping = true;
    ::shutdown(d_listenFd, SHUT_RDWR);
    d_acceptThread.join();
    {
      std::lock_guard<std::mutex> lock(d_mutex);
      for (int fd : d_openFds) {
        ::shutdown(fd, SHUT_RDWR);
      }
    }
    for (std::thread& t : d_connectionThreads) {
      t.join();
    }
    ::close(d_listenFd);
  }

  uint16_t port() const { return d_port; }
  std::string url(const std::string& path = "/") const { return "http://127.0.0.1:" + std::to_string(d_port) + path; }

  std::vector<ServerRequest> requests() const
  {
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_requests;
  }
  // Bytes sent on every new connection before reading (e.g. to play a non-TLS server to a
  // TLS client). Set before the first connection.
  void setGreeting(std::string greeting) { d_greeting = std::move(greeting); }
  int connectionsAccepted() const { return d_accepted.load(); }
  int maxConcurrentConnections() const { return d_maxConcurrent.load(); }

private:
  void acceptLoop()
  {
    while (!d_stopping) {
      int fd = ::accept4(d_listenFd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        if (d_stopping) {
          return;
        }
        continue;
      }
      int number = ++d_accepted;
      {
        std::lock_guard<std::mutex> lock(d_mutex);
        d_openFds.push_back(fd);
        int open = ++d_open;
        d_maxConcurrent = std::max(d_maxConcurrent.load(), open);
        d_connectionThreads.emplace_back([this, fd, number] { serve(fd, number); });
      }
    }
  }

  // Reads until `buffer` holds a full request; false on EOF/error.
  static bool readRequest(int fd, std::string& buffer, ServerRequest& out)
  {
    size_t headerEnd;
    while ((headerEnd = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (!readMore(fd, buffer)) {
        return false;
      }
    }
    std::string head = buffer.substr(0, headerEnd);
    buffer.erase(0, headerEnd + 4);
    size_t lineEnd = head.find("\r\n");
    std::string requestLine = head.substr(0, lineEnd);
    size_t sp1 = requestLine.find(' ');
    size_t sp2 = requestLine.find(' ', sp1 + 1);
    out.method = requestLine.substr(0, sp1);
    out.target = requestLine.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = lineEnd == std::string::npos ? head.size() : lineEnd + 2;
    while (pos < head.size()) {
      size_t end = head.find("\r\n", pos);
      if (end == std::string::npos) {
        end = head.size();
      }
      std::string line = head.substr(pos, end - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        out.headers[name] = value;
      }
      pos = end + 2;
    }
    size_t length = out.headers.count("content-length") != 0 ? std::stoul(out.headers["content-length"]) : 0;
    while (buffer.size() < length) {
      if (!readMore(fd, buffer)) {
        return false;
      }
    }
    out.body = buffer.substr(0, length);
    buffer.erase(0, length);
    return true;
  }

  static bool readMore(int fd, std::string& buffer)
  {
    char chunk[4096];
    ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) {
      return false;
    }
    buffer.append(chunk, static_cast<size_t>(n));
    return true;
  }

  static const char* reason(int status)
  {
    switch (status) {
    case 200:
      return "OK";
    case 304:
      return "Not Modified";
    case 404:
      return "Not Found";
    default:
      return "Status";
    }
  }

  void serve(int fd, int number)
  {
    if (!d_greeting.empty()) {
      ::send(fd, d_greeting.data(), d_greeting.size(), MSG_NOSIGNAL);
    }
    std::string buffer;
    ServerRequest request;
    while (!d_stopping && readRequest(fd, buffer, request)) {
      request.connection = number;
      {
        std::lock_guard<std::mutex> lock(d_mutex);
        d_requests.push_back(request);
      }
      ServerResponse response = d_handler(request);
      if (response.delayMs > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(response.delayMs));
      }
      if (response.drop) {
        break;
      }
      std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + reason(response.status) + "\r\n";
      bool hasLength = false;
      for (const auto& [name, value] : response.headers) {
        out += name + ": " + value + "\r\n";
        hasLength = hasLength || name == "Content-Length";
      }
      if (!hasLength && response.status != 304) {
        out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
      }
      out += "\r\n";
      if (request.method != "HEAD") {
        out += response.body;
      }
      size_t sent = 0;
      while (sent < out.size()) {
        ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
          break;
        }
        sent += static_cast<size_t>(n);
      }
      request = ServerRequest{};
    }
    {
      std::lock_guard<std::mutex> lock(d_mutex);
      --d_open;
      d_openFds.erase(std::remove(d_openFds.begin(), d_openFds.end(), fd), d_openFds.end());
    }
    ::close(fd);
  }

  Handler d_handler;
  std::string d_greeting;
  int d_listenFd{-1};
  uint16_t d_port{0};
  std::atomic<bool> d_stopping{false};
  std::atomic<int> d_accepted{0};
  std::atomic<int> d_maxConcurrent{0};
  int d_open{0};
  mutable std::mutex d_mutex;
  std::vector<ServerRequest> d_requests;
  std::vector<int> d_openFds;
  std::thread d_acceptThread;
  std::vector<std::thread> d_connectionThreads;
};

// Runs the loop until done() is true; gives up (returns false) after `boundSeconds` so a
// broken client fails the test instead of hanging it. The bound is not an assertion on speed.
inline bool runUntil(ev::EventLoop& loop, const std::function<bool()>& done, double boundSeconds = 20.0)
{
  struct Bound : ev::Timer::Listener
  {
    bool fired{false};
    void onTimer(ev::Timer&) override { fired = true; }
  } bound;
  ev::Timer timer(loop, &bound);
  timer.start(boundSeconds);
  while (!done() && !bound.fired) {
    loop.runOnce(true);
  }
  return done();
}

}
