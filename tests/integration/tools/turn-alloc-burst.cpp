// turn-alloc-burst: creates many TURN allocations at once (one UDP socket each, all in
// flight together) and reports how fast the server granted them; used by scripts/bench-turn
// for allocations per second and memory per allocation.
//
//   turn-alloc-burst --server ADDR:PORT --user U --password P --count N
//                    [--hold-seconds S] [--ready-file F] [--timeout S]
//
// Every socket sends Allocate, answers the 401 with credentials and waits for success
// (retransmitting every 500 ms). Prints "allocated K/N in T s (R/s)". With --hold-seconds,
// keeps the allocations for S seconds (touching --ready-file once all are up, so a caller
// can sample the server's memory), then deletes them with Refresh LIFETIME 0.
// Exit 0 when all N were granted.
#include "StunProbe.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using namespace talk::testtools;
using Clock = std::chrono::steady_clock;

namespace {

struct Client
{
  int fd = -1;
  enum class Phase { Unauth, Auth, Done, Failed } phase = Phase::Unauth;
  std::vector<uint8_t> pending;
  Clock::time_point sentAt;
  int tries = 0;
  std::string realm;
  std::string nonce;
  std::vector<uint8_t> key;
};

std::vector<uint8_t> allocateRequest(Client& c, const std::string& user)
{
  StunBuilder b(method::Allocate, ClassRequest);
  b.add(attr::RequestedTransport, std::vector<uint8_t>{17, 0, 0, 0});
  if (c.phase == Client::Phase::Auth) {
    b.add(attr::Username, user);
    b.add(attr::Realm, c.realm);
    b.add(attr::Nonce, c.nonce);
    return b.finish(c.key);
  }
  return b.finish({});
}

}

int main(int argc, char** argv)
{
  sockaddr_storage server{};
  std::string user;
  std::string password;
  int count = 100;
  int holdSeconds = 0;
  int timeoutSeconds = 30;
  std::string readyFile;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    std::string v = argv[i + 1];
    if (a == "--server") {
      auto s = parseAddress(v, 3478);
      if (!s) {
        return 2;
      }
      server = *s;
    } else if (a == "--user") {
      user = v;
    } else if (a == "--password") {
      password = v;
    } else if (a == "--count") {
      count = std::atoi(v.c_str());
    } else if (a == "--hold-seconds") {
      holdSeconds = std::atoi(v.c_str());
    } else if (a == "--ready-file") {
      readyFile = v;
    } else if (a == "--timeout") {
      timeoutSeconds = std::atoi(v.c_str());
    } else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (server.ss_family == 0 || user.empty() || count <= 0) {
    std::fprintf(stderr, "usage: turn-alloc-burst --server ADDR:PORT --user U --password P --count N "
                         "[--hold-seconds S] [--ready-file F] [--timeout S]\n");
    return 2;
  }

  std::vector<Client> clients(static_cast<size_t>(count));
  for (auto& c : clients) {
    c.fd = ::socket(server.ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (c.fd < 0 || ::connect(c.fd, reinterpret_cast<const sockaddr*>(&server), sizeof server) != 0) {
      std::perror("socket");
      return 2;
    }
  }
  auto start = Clock::now();
  auto deadline = start + std::chrono::seconds(timeoutSeconds);
  for (auto& c : clients) {
    c.pending = allocateRequest(c, user);
    ::send(c.fd, c.pending.data(), c.pending.size(), 0);
    c.sentAt = Clock::now();
  }
  int done = 0;
  int failed = 0;
  std::vector<pollfd> pfds(clients.size());
  while (done + failed < count && Clock::now() < deadline) {
    for (size_t i = 0; i < clients.size(); ++i) {
      pfds[i] = {clients[i].fd, POLLIN, 0};
    }
    ::poll(pfds.data(), pfds.size(), 50);
    auto now = Clock::now();
    for (size_t i = 0; i < clients.size(); ++i) {
      Client& c = clients[i];
      if (c.phase == Client::Phase::Done || c.phase == Client::Phase::Failed) {
        continue;
      }
      uint8_t buf[2048];
      ssize_t n;
      while ((n = ::recv(c.fd, buf, sizeof buf, 0)) > 0) {
        auto m = parseStun(buf, static_cast<size_t>(n));
        if (!m || std::memcmp(m->transactionId, c.pending.data() + 8, 12) != 0) {
          continue;
        }
        int code = m->errorCode();
        if (m->cls == ClassSuccess) {
          c.phase = Client::Phase::Done;
          ++done;
          break;
        }
        if ((code == 401 && c.phase == Client::Phase::Unauth) || code == 438) {
          c.realm = m->text(attr::Realm);
          c.nonce = m->text(attr::Nonce);
          c.key = longTermKey(user, c.realm, password);
          c.phase = Client::Phase::Auth;
          c.tries = 0;
          c.pending = allocateRequest(c, user);
          ::send(c.fd, c.pending.data(), c.pending.size(), 0);
          c.sentAt = now;
          continue;
        }
        std::fprintf(stderr, "allocation %zu: error %d\n", i, code);
        c.phase = Client::Phase::Failed;
        ++failed;
        break;
      }
      if ((c.phase == Client::Phase::Unauth || c.phase == Client::Phase::Auth) && now - c.sentAt > std::chrono::milliseconds(500)) {
        ::send(c.fd, c.pending.data(), c.pending.size(), 0); // retransmission: same transaction
        c.sentAt = now;
        ++c.tries;
      }
    }
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("allocated %d/%d in %.3f s (%.0f/s), %d refused\n", done, count, elapsed, done / elapsed, failed);
  std::fflush(stdout);

  if (holdSeconds > 0) {
    if (!readyFile.empty()) {
      std::ofstream(readyFile) << done << "\n";
    }
    std::this_thread::sleep_for(std::chrono::seconds(holdSeconds));
  }
  // Delete what we hold, so the next round starts from an empty server.
  for (auto& c : clients) {
    if (c.phase == Client::Phase::Done) {
      StunBuilder b(method::Refresh, ClassRequest);
      b.add(attr::Lifetime, std::vector<uint8_t>{0, 0, 0, 0});
      b.add(attr::Username, user);
      b.add(attr::Realm, c.realm);
      b.add(attr::Nonce, c.nonce);
      auto msg = b.finish(c.key);
      ::send(c.fd, msg.data(), msg.size(), 0);
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (auto& c : clients) {
    ::close(c.fd);
  }
  return done == count ? 0 : 1;
}
