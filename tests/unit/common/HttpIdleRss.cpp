// Measures the memory an idle WebSocket costs http::Server: a child process opens N
// connections (raw sockets, answering pings), the parent serves them and reports its RSS
// growth per connection. Optionally holds them for a while and checks none was dropped.
//   http-idle-rss [connections=2000] [hold-seconds=0] [ping-interval=30]
// Not a test (no pass/fail on numbers); run by hand, ideally from a build without ASan.
#include "common/http/Server.hpp"

#include "HttpTestSupport.hpp"
#include "common/daemon/LibraryScope.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <vector>

namespace {

long rssKiB()
{
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::atol(line.c_str() + 6);
    }
  }
  return -1;
}

void raiseFdLimit()
{
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

struct Quiet : talk::http::WebSocket::Listener
{
  void onMessage(talk::http::WebSocket& /*ws*/, std::string_view /*payload*/, bool /*binary*/) override {}
  void onClose(talk::http::WebSocket& /*ws*/) override {}
};

// The child: N upgraded connections, then it answers pings until the parent says stop.
int runClients(int port, int count, int readyFd, int stopFd)
{
  std::vector<std::unique_ptr<talk::test::RawClient>> clients;
  for (int i = 0; i < count; ++i) {
    auto c = std::make_unique<talk::test::RawClient>();
    if (!c->connect(port, false, 0, 10) || talk::test::wsHandshake(*c, "/ws").rfind("HTTP/1.1 101", 0) != 0) {
      std::fprintf(stderr, "client %d failed to connect: %s\n", i, std::strerror(errno));
      break;
    }
    clients.push_back(std::move(c));
  }
  char n = static_cast<char>(clients.size() == static_cast<size_t>(count) ? 1 : 0);
  if (::write(readyFd, &n, 1) != 1) {
    return 1;
  }
  std::vector<pollfd> fds;
  fds.push_back({stopFd, POLLIN, 0});
  for (auto& c : clients) {
    fds.push_back({c->fd(), POLLIN, 0});
  }
  size_t dropped = 0;
  for (;;) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      continue;
    }
    if (fds[0].revents != 0) {
      break;
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].revents == 0 || fds[i].fd < 0) {
        continue;
      }
      auto& c = *clients[i - 1];
      if (!c.readMore()) {
        ++dropped;
        fds[i].fd = -1;
        continue;
      }
      while (auto f = talk::test::takeFrame(c.buffer())) {
        if (f->opcode == 0x9) {
          c.send(talk::test::wsFrame(0xA, f->payload));
        }
      }
    }
  }
  std::printf("child: %zu connections dropped by the server\n", dropped);
  return dropped == 0 ? 0 : 2;
}

}

int main(int argc, char** argv)
{
  int count = argc > 1 ? std::atoi(argv[1]) : 2000;
  double hold = argc > 2 ? std::atof(argv[2]) : 0;
  unsigned ping = argc > 3 ? static_cast<unsigned>(std::atoi(argv[3])) : 30;
  raiseFdLimit();
  talk::daemon::LibraryScope scope;
  talk::ev::EventLoop loop;
  talk::http::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.pingIntervalSeconds = ping;
  talk::http::Server server(loop, options);
  Quiet quiet;
  server.webSocket("/ws", "", [&](talk::http::WebSocket&) { return &quiet; });
  server.start();

  int ready[2];
  int stop[2];
  if (::pipe(ready) != 0 || ::pipe(stop) != 0) {
    return 1;
  }
  // Warm up (first connection allocates lws's pools), then measure.
  {
    talk::test::RawClient warm;
    talk::test::withClient(loop, [&] {
      warm.connect(server.port());
      talk::test::wsHandshake(warm, "/ws");
    });
    talk::test::runUntil(loop, [&] { return server.webSocketCount() == 1; });
  }
  talk::test::runUntil(loop, [&] { return server.webSocketCount() == 0; }, 1);
  long before = rssKiB();

  pid_t child = ::fork();
  if (child == 0) {
    ::close(ready[0]);
    ::close(stop[1]);
    std::_Exit(runClients(server.port(), count, ready[1], stop[0]));
  }
  ::close(ready[1]);
  ::close(stop[0]);
  talk::test::runUntil(loop, [&] { return server.webSocketCount() == static_cast<size_t>(count); }, 300);
  char ok = 0;
  if (::read(ready[0], &ok, 1) != 1 || ok != 1) {
    std::printf("clients could not all connect (fd limit?)\n");
  }
  talk::test::runFor(loop, 0.5);
  long after = rssKiB();
  size_t open = server.webSocketCount();
  std::printf("idle websockets=%zu rss_before=%ld KiB rss_after=%ld KiB per_connection=%.0f bytes\n", open, before, after,
              open > 0 ? static_cast<double>(after - before) * 1024.0 / static_cast<double>(open) : 0.0);
  if (hold > 0) {
    talk::test::runFor(loop, hold);
    std::printf("after holding %.0f s with pings every %u s: open=%zu\n", hold, ping, server.webSocketCount());
  }
  bool kept = server.webSocketCount() == open;
  char bye = 1;
  if (::write(stop[1], &bye, 1) != 1) {
    return 1;
  }
  int status = 0;
  // The loop keeps running so the server sees the clients go.
  talk::test::runUntil(loop, [&] { return ::waitpid(child, &status, WNOHANG) == child; }, 60);
  return kept && open == static_cast<size_t>(count) ? 0 : 1;
}
