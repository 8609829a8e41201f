// turn-probe: a scripted TURN client over UDP for integration tests. It allocates with
// long-term credentials and then runs a list of steps, each with the response it expects:
//
//   turn-probe --server 127.0.0.1:3478 --user U --password P [--timeout-ms N]
//              [--additional-type 0x8000|0x8032] STEP...
//   STEP: allocate EXPECT | permission PEER[,PEER...] EXPECT | channelbind CHANNEL PEER EXPECT |
//         refresh LIFETIME EXPECT | sleep SECONDS |
//         allocate-family FAMILY EXPECT   (REQUESTED-ADDRESS-FAMILY; FAMILY 4, 6 or a raw byte)
//         allocate-dual EXPECT            (ADDITIONAL-ADDRESS-FAMILY = IPv6, RFC 8656)
//         allocate-conflict EXPECT        (REQUESTED- and ADDITIONAL-ADDRESS-FAMILY together)
//         refresh-family FAMILY LIFETIME EXPECT
//         relays FAMILIES                 (last Allocate success: relayed address families, e.g. 4,6)
//         address-error FAMILY CODE       (last Allocate success: ADDRESS-ERROR-CODE for FAMILY)
//         send PEER                       (Send indication; the echo must come back as a Data
//                                          indication from PEER with the same bytes)
//         channeldata CHANNEL PEER        (ChannelData; the echo must come back on CHANNEL)
//   EXPECT: 0 (success), an error code (403), a comma list (403,443) or "err" (any error).
// The server address may be IPv6 ([::1]:3478). send/channeldata need an echoing peer
// (turnutils_peer) and a permission or channel for it.
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
  // ADDITIONAL-ADDRESS-FAMILY code point: RFC 8656's 0x8000, or coturn 4.6.1's draft 0x8032.
  uint16_t additionalType = attr::AdditionalAddressFamily;
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

  // Sends `msg` (retransmitted a few times) until a datagram for which `accept` returns
  // true arrives; false on timeout.
  template <typename Accept>
  bool sendUntil(const std::vector<uint8_t>& msg, Accept accept)
  {
    for (int attempt = 0; attempt < 4; ++attempt) {
      if (::send(d_fd, msg.data(), msg.size(), 0) < 0) {
        std::perror("send");
        return false;
      }
      auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(d_options.timeoutMs / 4);
      while (true) {
        auto now = std::chrono::steady_clock::now();
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
        if (n > 0 && accept(buf, static_cast<size_t>(n))) {
          return true;
        }
      }
    }
    return false;
  }

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
  std::fprintf(stderr, "usage: turn-probe --server ADDR:PORT --user U --password P [--timeout-ms N]\n"
                       "                  [--additional-type 0x8000|0x8032] STEP...\n"
                       "  STEP: allocate EXPECT | permission PEER EXPECT | channelbind CH PEER EXPECT |\n"
                       "        refresh LIFETIME EXPECT | sleep SECONDS | allocate-family 4|6|N EXPECT |\n"
                       "        allocate-dual EXPECT | allocate-conflict EXPECT | refresh-family F LIFETIME EXPECT |\n"
                       "        relays 4[,6] | address-error F CODE | send PEER | channeldata CH PEER\n");
  std::exit(2);
}

std::vector<uint8_t> u32(uint32_t v)
{
  return {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
}

// "4" -> 0x01, "6" -> 0x02, anything else: the raw byte (to provoke 440).
uint8_t familyByte(const std::string& text)
{
  if (text == "4") {
    return 0x01;
  }
  if (text == "6") {
    return 0x02;
  }
  return static_cast<uint8_t>(std::strtoul(text.c_str(), nullptr, 0));
}

std::vector<uint8_t> familyValue(uint8_t family)
{
  return {family, 0, 0, 0};
}

// A payload nobody else sends: the step and a counter.
std::vector<uint8_t> payloadFor(const std::string& what, int serial)
{
  std::string text = "turn-probe " + what + " #" + std::to_string(serial);
  return std::vector<uint8_t>(text.begin(), text.end());
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
    } else if (a == "--additional-type" && i + 1 < argc) {
      o.additionalType = static_cast<uint16_t>(std::strtoul(argv[++i], nullptr, 0));
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
  std::optional<StunMessage> lastAllocate;
  int serial = 0;
  auto allocate = [&](const std::string& what, const std::string& expect,
                      std::vector<std::pair<uint16_t, std::vector<uint8_t>>> attrs) {
    attrs.insert(attrs.begin(), {attr::RequestedTransport, {17, 0, 0, 0}});
    auto r = session.request(method::Allocate, attrs);
    report(what, expect, r);
    if (r && r->cls == ClassSuccess) {
      lastAllocate = r;
    }
  };
  auto check = [&](bool ok, const std::string& what) {
    std::printf("%s %s\n", ok ? "ok" : "FAIL", what.c_str());
    if (!ok) {
      ++failures;
    }
  };
  for (; i < argc; ++i) {
    std::string step = argv[i];
    if (step == "allocate" && i + 1 < argc) {
      std::string expect = argv[++i];
      allocate("allocate", expect, {});
    } else if (step == "allocate-family" && i + 2 < argc) {
      std::string family = argv[++i];
      std::string expect = argv[++i];
      allocate("allocate family " + family, expect, {{attr::RequestedAddressFamily, familyValue(familyByte(family))}});
    } else if (step == "allocate-dual" && i + 1 < argc) {
      std::string expect = argv[++i];
      allocate("allocate dual", expect, {{o.additionalType, familyValue(0x02)}});
    } else if (step == "allocate-conflict" && i + 1 < argc) {
      std::string expect = argv[++i];
      allocate("allocate requested+additional family", expect,
               {{attr::RequestedAddressFamily, familyValue(0x01)}, {o.additionalType, familyValue(0x02)}});
    } else if (step == "relays" && i + 1 < argc) {
      std::string want = argv[++i];
      std::string got;
      if (lastAllocate) {
        for (const auto& relay : lastAllocate->xorAddresses(attr::XorRelayedAddress)) {
          got += std::string(got.empty() ? "" : ",") + (relay.ss_family == AF_INET6 ? "6" : "4");
        }
      }
      check(got == want, "relay families " + got + " (expected " + want + ")");
    } else if (step == "address-error" && i + 2 < argc) {
      uint8_t family = familyByte(argv[++i]);
      int code = std::atoi(argv[++i]);
      const StunAttribute* a = lastAllocate ? lastAllocate->find(attr::AddressErrorCode) : nullptr;
      int got = a != nullptr && a->value.size() >= 4 && a->value[0] == family ? (a->value[2] & 7) * 100 + a->value[3] : 0;
      check(got == code, "ADDRESS-ERROR-CODE for family " + std::to_string(family) + " -> " + std::to_string(got) +
                           " (expected " + std::to_string(code) + ")");
    } else if (step == "sleep" && i + 1 < argc) {
      std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(std::atof(argv[++i]) * 1000)));
    } else if (step == "refresh" && i + 2 < argc) {
      uint32_t lifetime = static_cast<uint32_t>(std::atoi(argv[++i]));
      std::string expect = argv[++i];
      report("refresh " + std::to_string(lifetime), expect, session.request(method::Refresh, {{attr::Lifetime, u32(lifetime)}}));
    } else if (step == "refresh-family" && i + 3 < argc) {
      std::string family = argv[++i];
      uint32_t lifetime = static_cast<uint32_t>(std::atoi(argv[++i]));
      std::string expect = argv[++i];
      report("refresh family " + family + " " + std::to_string(lifetime), expect,
             session.request(method::Refresh, {{attr::Lifetime, u32(lifetime)},
                                               {attr::RequestedAddressFamily, familyValue(familyByte(family))}}));
    } else if (step == "send" && i + 1 < argc) {
      std::string peerText = argv[++i];
      auto peer = parseAddress(peerText, 9);
      if (!peer) {
        std::printf("FAIL bad peer address %s\n", peerText.c_str());
        return 2;
      }
      const auto payload = payloadFor("send", ++serial);
      StunBuilder b(method::Send, ClassIndication);
      b.addXorAddress(attr::XorPeerAddress, *peer);
      b.add(attr::Data, payload);
      auto msg = b.finish({}, true);
      bool echoed = session.sendUntil(msg, [&](const uint8_t* data, size_t size) {
        auto m = parseStun(data, size);
        if (!m || m->method != method::Data || m->cls != ClassIndication) {
          return false;
        }
        auto from = m->xorAddress(attr::XorPeerAddress);
        const StunAttribute* d = m->find(attr::Data);
        return from && sameAddress(*from, *peer) && d != nullptr && d->value == payload;
      });
      check(echoed, "send to " + peerText + ": echo came back as a Data indication from the peer");
    } else if (step == "channeldata" && i + 2 < argc) {
      auto channel = static_cast<uint16_t>(std::strtoul(argv[++i], nullptr, 0));
      std::string peerText = argv[++i];
      const auto payload = payloadFor("channeldata", ++serial);
      std::vector<uint8_t> msg = {static_cast<uint8_t>(channel >> 8), static_cast<uint8_t>(channel), 0,
                                  static_cast<uint8_t>(payload.size())};
      msg.insert(msg.end(), payload.begin(), payload.end());
      bool echoed = session.sendUntil(msg, [&](const uint8_t* data, size_t size) {
        return size >= 4 + payload.size() && data[0] == msg[0] && data[1] == msg[1] && data[2] == 0 &&
          data[3] == payload.size() && std::memcmp(data + 4, payload.data(), payload.size()) == 0;
      });
      check(echoed, "channeldata on " + std::to_string(channel) + " to " + peerText + ": echo came back on the channel");
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
