// udp-relay-floor: the loopback floor for scripts/bench turn. What a TURN relay cannot go
// below on this machine: the same UDP packet flow as uclient -c against a server (client ->
// relay -> peer echo -> relay -> client) through a forwarder that does nothing but move
// datagrams, in batches, with the cheapest calls Linux has (epoll, recvmmsg, sendmmsg).
//
//   udp-relay-floor forward --listen IP:PORT --peer IP:PORT [--ready FILE]
//     One listening socket for all clients; one "relay" socket per client address
//     (created on its first packet, like a TURN allocation's relay socket) that sends to
//     the peer; what the peer sends back to a relay socket goes to its client from the
//     listening socket. What one epoll round produces is sent when the round ends, one
//     sendmmsg per socket. Runs until SIGTERM.
//   udp-relay-floor load --server IP:PORT -m CLIENTS -n MSGS -l LEN -z INTERVAL_MS
//     CLIENTS sockets, each sending MSGS datagrams of LEN bytes every INTERVAL_MS, like
//     uclient; then waits up to 2 s for stragglers and prints
//     "sent=N received=N lost=N".
// Not a test and not part of talk-turn: a benchmark reference, our own few lines.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <unordered_map>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int Batch = 64;
constexpr size_t MaxDatagram = 2048;
volatile std::sig_atomic_t g_stop = 0;

[[noreturn]] void die(const char* what)
{
  std::perror(what);
  std::exit(2);
}

sockaddr_storage parse(const std::string& text)
{
  sockaddr_storage ss{};
  std::string host = text;
  std::string port;
  if (!text.empty() && text[0] == '[') {
    auto close = text.find(']');
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(std::stoi(port)));
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(std::stoi(port)));
  } else {
    std::fprintf(stderr, "bad address %s\n", text.c_str());
    std::exit(2);
  }
  return ss;
}

socklen_t length(const sockaddr_storage& ss)
{
  return ss.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

int udpSocket(int family, const sockaddr_storage* bindTo)
{
  int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    die("socket");
  }
  if (bindTo != nullptr && ::bind(fd, reinterpret_cast<const sockaddr*>(bindTo), length(*bindTo)) != 0) {
    die("bind");
  }
  return fd;
}

// Key of a client address (IPv4 loopback clients: port and address are enough).
std::string key(const sockaddr_storage& ss)
{
  return std::string(reinterpret_cast<const char*>(&ss), length(ss));
}

// Batched receive and send buffers: what talk-turn's RecvBatch/SendBatcher do, minus TURN.
struct Batches
{
  std::vector<std::array<char, MaxDatagram>> data = std::vector<std::array<char, MaxDatagram>>(Batch);
  std::array<sockaddr_storage, Batch> from{};
  std::array<iovec, Batch> iov{};
  std::array<mmsghdr, Batch> msgs{};

  int receive(int fd)
  {
    for (int i = 0; i < Batch; ++i) {
      iov[i] = {data[i].data(), MaxDatagram};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    return ::recvmmsg(fd, msgs.data(), Batch, MSG_DONTWAIT, nullptr);
  }
};

// Datagrams queued during one epoll round and sent when it ends, one sendmmsg per socket
// (what talk-turn's SendBatcher does per loop iteration). Copied into an arena because the
// receive buffers are reused by the next recvmmsg.
struct Outgoing
{
  static constexpr size_t Max = 1024;
  std::vector<char> arena = std::vector<char>(Max * MaxDatagram);
  std::array<mmsghdr, Max> msgs{};
  std::array<iovec, Max> iov{};
  std::array<sockaddr_storage, Max> to{};
  std::array<int, Max> fds{};
  size_t count = 0;

  void add(int fd, const char* data, size_t size, const sockaddr_storage& dest)
  {
    if (count == Max) {
      flush();
    }
    char* slot = arena.data() + count * MaxDatagram;
    std::memcpy(slot, data, size);
    fds[count] = fd;
    to[count] = dest;
    iov[count] = {slot, size};
    msgs[count] = {};
    msgs[count].msg_hdr.msg_name = &to[count];
    msgs[count].msg_hdr.msg_namelen = length(dest);
    msgs[count].msg_hdr.msg_iov = &iov[count];
    msgs[count].msg_hdr.msg_iovlen = 1;
    ++count;
  }
  // Runs of the same socket go out in one call; a full socket buffer drops the rest of the
  // run, like a real relay.
  void flush()
  {
    size_t start = 0;
    while (start < count) {
      size_t end = start + 1;
      while (end < count && fds[end] == fds[start]) {
        ++end;
      }
      size_t done = start;
      while (done < end) {
        int n = ::sendmmsg(fds[start], msgs.data() + done, static_cast<unsigned>(end - done), 0);
        if (n <= 0) {
          break;
        }
        done += static_cast<size_t>(n);
      }
      start = end;
    }
    count = 0;
  }
};

int forward(const sockaddr_storage& listenAddress, const sockaddr_storage& peer, const std::string& ready)
{
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  int listener = udpSocket(listenAddress.ss_family, &listenAddress);
  // The same buffers as talk-turn's listening sockets (UdpListener), for the same bursts.
  int size = 4 * 1024 * 1024;
  ::setsockopt(listener, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  ::setsockopt(listener, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = ~uint64_t(0);
  ::epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  std::unordered_map<std::string, size_t> relayOf; // client address -> relays index
  struct Relay
  {
    int fd;
    sockaddr_storage client;
  };
  std::vector<Relay> relays;
  Batches in;
  Outgoing toPeers;   // one relay socket each
  Outgoing toClients; // all on the listening socket: one sendmmsg per round
  if (!ready.empty()) {
    std::ofstream(ready) << "ready\n";
  }
  std::array<epoll_event, 256> events{};
  while (!g_stop) {
    int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 1000);
    for (int e = 0; e < n; ++e) {
      const uint64_t id = events[e].data.u64;
      const int fd = id == ~uint64_t(0) ? listener : relays[id].fd;
      int got;
      while ((got = in.receive(fd)) > 0) {
        for (int i = 0; i < got; ++i) {
          const char* data = in.data[i].data();
          const size_t bytes = in.msgs[i].msg_len;
          if (fd == listener) {
            auto it = relayOf.find(key(in.from[i]));
            if (it == relayOf.end()) {
              // First packet of a client: its relay socket, like a TURN allocation's.
              Relay r{udpSocket(peer.ss_family, nullptr), in.from[i]};
              epoll_event rev{};
              rev.events = EPOLLIN;
              rev.data.u64 = relays.size();
              ::epoll_ctl(ep, EPOLL_CTL_ADD, r.fd, &rev);
              it = relayOf.emplace(key(in.from[i]), relays.size()).first;
              relays.push_back(r);
            }
            toPeers.add(relays[it->second].fd, data, bytes, peer);
          } else {
            toClients.add(listener, data, bytes, relays[id].client);
          }
        }
        if (got < Batch) {
          break;
        }
      }
    }
    toPeers.flush();
    toClients.flush();
  }
  return 0;
}

int load(const sockaddr_storage& server, int clients, int msgs, size_t len, int intervalMs)
{
  std::vector<int> fds;
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  for (int c = 0; c < clients; ++c) {
    int fd = udpSocket(server.ss_family, nullptr);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&server), length(server)) != 0) {
      die("connect");
    }
    int size = 1 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    fds.push_back(fd);
  }
  std::vector<char> payload(len, 'x');
  long sent = 0;
  long received = 0;
  char buf[MaxDatagram];
  auto drain = [&](int timeoutMs) {
    std::array<epoll_event, 256> events{};
    int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), timeoutMs);
    for (int e = 0; e < n; ++e) {
      while (::recv(events[e].data.fd, buf, sizeof buf, MSG_DONTWAIT) > 0) {
        ++received;
      }
    }
  };
  auto start = std::chrono::steady_clock::now();
  for (int m = 0; m < msgs; ++m) {
    // Every client sends once per interval, spread over the interval like uclient's timers.
    for (int c = 0; c < clients; ++c) {
      auto due = start + std::chrono::microseconds(static_cast<long>(m) * intervalMs * 1000 +
                                                   static_cast<long>(c) * intervalMs * 1000 / clients);
      while (std::chrono::steady_clock::now() < due) {
        // Millisecond sleeps (no spinning: the load must not take the CPU the measured
        // forwarder needs); clients due meanwhile send together, as uclient's timers do.
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(due - std::chrono::steady_clock::now()).count();
        drain(static_cast<int>(left < 1 ? 1 : left));
      }
      if (::send(fds[static_cast<size_t>(c)], payload.data(), payload.size(), 0) == static_cast<ssize_t>(len)) {
        ++sent;
      }
    }
  }
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (received < sent && std::chrono::steady_clock::now() < end) {
    drain(50);
  }
  std::printf("sent=%ld received=%ld lost=%ld\n", sent, received, sent - received);
  return 0;
}

void usage()
{
  std::fprintf(stderr, "usage: udp-relay-floor forward --listen IP:PORT --peer IP:PORT [--ready FILE]\n"
                       "       udp-relay-floor load --server IP:PORT -m CLIENTS -n MSGS -l LEN -z INTERVAL_MS\n");
  std::exit(2);
}

}

int main(int argc, char** argv)
{
  if (argc < 2) {
    usage();
  }
  const std::string mode = argv[1];
  std::map<std::string, std::string> opt;
  for (int i = 2; i + 1 < argc; i += 2) {
    opt[argv[i]] = argv[i + 1];
  }
  if (mode == "forward" && opt.count("--listen") && opt.count("--peer")) {
    return forward(parse(opt["--listen"]), parse(opt["--peer"]), opt["--ready"]);
  }
  if (mode == "load" && opt.count("--server")) {
    auto num = [&](const char* k, int d) { return opt.count(k) ? std::atoi(opt[k].c_str()) : d; };
    return load(parse(opt["--server"]), num("-m", 100), num("-n", 2000), static_cast<size_t>(num("-l", 170)), num("-z", 10));
  }
  usage();
}
