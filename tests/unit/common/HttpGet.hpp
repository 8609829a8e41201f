#pragma once
// A blocking HTTP/1.0 client for tests: runs in a helper thread while the test drives the
// event loop. Bounded by a receive timeout; loopback only.
#include <arpa/inet.h>
#include <cstring>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace talk::test {

struct HttpResponse
{
  int status{0};
  std::string headers; // status line and headers, CRLF separated
  std::string body;
  std::string error;
};

inline HttpResponse httpGet(int port, const std::string& path, const std::string& method = "GET")
{
  HttpResponse out;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    out.error = "socket";
    return out;
  }
  struct timeval tv
  {
    5, 0
  };
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  struct sockaddr_in sin
  {
  };
  sin.sin_family = AF_INET;
  sin.sin_port = htons(static_cast<uint16_t>(port));
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<struct sockaddr*>(&sin), sizeof(sin)) != 0) {
    out.error = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
    return out;
  }
  std::string request = method + " " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    out.error = "send";
    ::close(fd);
    return out;
  }
  std::string raw;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      if (n < 0) {
        out.error = std::string("recv: ") + std::strerror(errno);
      }
      break;
    }
    raw.append(buf, static_cast<size_t>(n));
    size_t end = raw.find("\r\n\r\n");
    if (end != std::string::npos) {
      // Stop at Content-Length when the server keeps the connection open.
      size_t cl = raw.find("content-length: ");
      if (cl == std::string::npos) {
        cl = raw.find("Content-Length: ");
      }
      if (cl != std::string::npos && cl < end && raw.size() >= end + 4 + std::stoul(raw.substr(cl + 16))) {
        break;
      }
    }
  }
  ::close(fd);
  size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos) {
    if (out.error.empty()) {
      out.error = "no header end in: " + raw;
    }
    return out;
  }
  out.headers = raw.substr(0, end);
  out.body = raw.substr(end + 4);
  if (out.headers.rfind("HTTP/1.", 0) == 0 && out.headers.size() > 12) {
    out.status = std::stoi(out.headers.substr(9, 3));
  }
  return out;
}

}
