// turn-probe: a scripted TURN client over UDP for integration tests. It allocates with
// long-term credentials and then runs a list of steps, each with the response it expects:
//
//   turn-probe --server 127.0.0.1:3478 --user U --password P [--timeout-ms N] STEP...
//   STEP: allocate EXPECT | permission PEER[,PEER...] EXPECT | channelbind CHANNEL PEER EXPECT |
//         refresh LIFETIME EXPECT | sleep SECONDS
//   EXPECT: 0 (success), an error code (403), a comma list (403,443) or "err" (any error).
//
// Every success response must carry a MESSAGE-INTEGRITY that verifies with our key and a
// valid FINGERPRINT as last attribute (spec §2, §9); otherwise the step fails.
// Prints one "ok"/"FAIL" line per step; exits 0 only if every step met its expectation.
#include "StunProbe.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace talk::testtools;

namespace {

struct Options
{
  sockaddr_storage server{};
  std::string user;
  std::string password;
  int timeoutMs = 3000;
  std::vector<std::string> steps;
};

class Session
{
public:
  explicit Session(const Options& o) : d_options(o)
  {
    d_fd = ::socket(o.server.ss_family, SOCK_DGRAM, 0);
    if (d_fd < 0 || ::connect(d_fd, reinterpret_cast<const sockaddr*>(&o.server), sizeof(sockaddr_storage)) != 0) {
      std::perror("socket/connect");
      std::exit(2);
    }
  }
  ~Session() { ::close(d_fd); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Sends a request (authenticated once a nonce is known), handles 401/438 by retrying with
  // the new realm/nonce. Returns the final response, or nullopt on timeout.
  std::optional<StunMessage> request(uint16_t m, const std::vector<std::pair<uint16_t, std::vector<uint8_t>>>& attrs,
                                     const std::vector<sockaddr_storage>& peers = {})
  {
    for (int attempt = 0; attempt < 3; ++attempt) {
      StunBuilder b(m, ClassRequest);
      for (const auto& [type, value] : attrs) {
        b.add(type, value);
      }
      for (const auto& p : peers) {
        b.addXorAddress(attr::XorPeerAddress, p);
      }
      std::vector<uint8_t> key;
      if (!d_nonce.empty()) {
        b.add(attr::Username, d_options.user);
        b.add(attr::Realm, d_realm);
        b.add(attr::Nonce, d_nonce);
        key = d_key;
      }
      auto msg = b.finish(key);
      auto response = exchange(msg);
      if (!response) {
        return std::nullopt;
      }
      int code = response->errorCode();
      if (code == 438) {
        // Visible in the output: tests assert that the stale-nonce path was taken.
        std::printf("stale nonce (438), retrying with the new nonce\n");
      }
      if ((code == 401 && d_nonce.empty()) || code == 438) {
        d_realm = response->text(attr::Realm);
        d_nonce = response->text(attr::Nonce);
        d_key = longTermKey(d_options.user, d_realm, d_options.password);
        if (d_nonce.empty()) {
          return response;
        }
        continue;
      }
      return response;
    }
    return std::nullopt;
  }

  const std::vector<uint8_t>& key() const { return d_key; }

private:
  std::optional<StunMessage> exchange(const std::vector<uint8_t>& msg)
  {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(d_options.timeoutMs);
    int rto = 250;
    while (std::chrono::steady_clock::now() < deadline) {
      if (::send(d_fd, msg.data(), msg.size(), 0) < 0) {
        std::perror("send");
        return std::nullopt;
      }
      auto resendAt = std::chrono::steady_clock::now() + std::chrono::milliseconds(rto);
      rto *= 2;
      while (true) {
        auto now = std::chrono::steady_clock::now();
        auto until = std::min(resendAt, deadline);
        if (now >= until) {
          break;
        }
        pollfd pfd{d_fd, POLLIN, 0};
        int wait = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count()) + 1;
        if (::poll(&pfd, 1, wait) <= 0) {
          continue;
        }
        uint8_t buf[65536];
        ssize_t n = ::recv(d_fd, buf, sizeof buf, 0);
        if (n <= 0) {
          continue;
        }
        auto parsed = parseStun(buf, static_cast<size_t>(n));
        if (parsed && std::memcmp(parsed->transactionId, msg.data() + 8, 12) == 0 && parsed->cls >= ClassSuccess) {
          return parsed;
        }
      }
    }
    return std::nullopt;
  }

  const Options& d_options;
  int d_fd = -1;
  std::string d_realm;
  std::string d_nonce;
  std::vector<uint8_t> d_key;
};

bool expectationMet(const std::string& expect, int code)
{
  if (expect == "err") {
    return code != 0;
  }
  std::stringstream ss(expect);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (std::atoi(item.c_str()) == code) {
      return true;
    }
  }
  return false;
}

void usage()
{
  std::fprintf(stderr, "usage: turn-probe --server ADDR:PORT --user U --password P [--timeout-ms N] STEP...\n"
                       "  STEP: allocate EXPECT | permission PEER EXPECT | channelbind CH PEER EXPECT |\n"
                       "        refresh LIFETIME EXPECT | sleep SECONDS\n");
  std::exit(2);
}

std::vector<uint8_t> u32(uint32_t v)
{
  return {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
}

}

int main(int argc, char** argv)
{
  Options o;
  int i = 1;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--server" && i + 1 < argc) {
      auto s = parseAddress(argv[++i], 3478);
      if (!s) {
        usage();
      }
      o.server = *s;
    } else if (a == "--user" && i + 1 < argc) {
      o.user = argv[++i];
    } else if (a == "--password" && i + 1 < argc) {
      o.password = argv[++i];
    } else if (a == "--timeout-ms" && i + 1 < argc) {
      o.timeoutMs = std::atoi(argv[++i]);
    } else {
      break;
    }
  }
  if (o.server.ss_family == 0) {
    usage();
  }
  Session session(o);
  int failures = 0;
  auto report = [&](const std::string& what, const std::string& expect, const std::optional<StunMessage>& r) {
    if (!r) {
      std::printf("FAIL %s: no response (expected %s)\n", what.c_str(), expect.c_str());
      ++failures;
      return;
    }
    int code = r->errorCode();
    std::string extra;
    bool ok = expectationMet(expect, code);
    if (code == 0 && r->cls == ClassSuccess) {
      if (!r->integrityValid(session.key())) {
        extra += " (success without valid MESSAGE-INTEGRITY)";
        ok = false;
      }
      if (!r->fingerprintValid()) {
        extra += " (no valid FINGERPRINT)";
        ok = false;
      }
      if (auto relay = r->xorAddress(attr::XorRelayedAddress)) {
        extra += " relay=" + formatAddress(*relay);
      }
    }
    std::printf("%s %s -> %d%s (expected %s)\n", ok ? "ok" : "FAIL", what.c_str(), code, extra.c_str(), expect.c_str());
    if (!ok) {
      ++failures;
    }
  };
  for (; i < argc; ++i) {
    std::string step = argv[i];
    if (step == "allocate" && i + 1 < argc) {
      std::string expect = argv[++i];
      report("allocate", expect, session.request(method::Allocate, {{attr::RequestedTransport, {17, 0, 0, 0}}}));
    } else if (step == "sleep" && i + 1 < argc) {
      std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(std::atof(argv[++i]) * 1000)));
    } else if (step == "refresh" && i + 2 < argc) {
      uint32_t lifetime = static_cast<uint32_t>(std::atoi(argv[++i]));
      std::string expect = argv[++i];
      report("refresh " + std::to_string(lifetime), expect, session.request(method::Refresh, {{attr::Lifetime, u32(lifetime)}}));
    } else if (step == "permission" && i + 2 < argc) {
      std::string peerText = argv[++i];
      std::string expect = argv[++i];
      std::vector<sockaddr_storage> peers;
      std::stringstream list(peerText);
      std::string one;
      while (std::getline(list, one, ',')) {
        auto peer = parseAddress(one, 9);
        if (!peer) {
          std::printf("FAIL bad peer address %s\n", one.c_str());
          return 2;
        }
        peers.push_back(*peer);
      }
      report("permission " + peerText, expect, session.request(method::CreatePermission, {}, peers));
    } else if (step == "channelbind" && i + 3 < argc) {
      std::string channelText = argv[++i];
      std::string peerText = argv[++i];
      std::string expect = argv[++i];
      auto channel = static_cast<uint16_t>(std::strtoul(channelText.c_str(), nullptr, 0));
      auto peer = parseAddress(peerText, 9);
      if (!peer) {
        std::printf("FAIL bad peer address %s\n", peerText.c_str());
        return 2;
      }
      report("channelbind " + channelText + " " + peerText, expect,
             session.request(method::ChannelBind, {{attr::ChannelNumber, u32(static_cast<uint32_t>(channel) << 16)}}, {*peer}));
    } else {
      usage();
    }
  }
  return failures == 0 ? 0 : 1;
}
