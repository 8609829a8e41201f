// turn-fuzz-client: throws malformed, truncated, oversized and random input at a running
// STUN/TURN server, then checks that it still answers a Binding request.
//
//   turn-fuzz-client --proto udp|tcp|tls|udp-auth --server ADDR:PORT [--seed N] [--rounds N]
//                    [--slow-seconds N] [--strict] [--user U --password P]
//
// UDP: broken STUN headers and attributes, ChannelData with lying lengths, indications and
// requests without an allocation, DTLS-looking and random datagrams, a maximum-size datagram,
// random mutations of a valid authenticated Allocate, from several source ports.
// TCP/TLS: garbage first byte, a half-written frame left open, a huge declared length, a
// pipelined burst, a byte-by-byte Binding, random streams, slowloris connections and an idle
// connection flood; the final Binding runs while the half-open connections are still open.
// udp-auth (needs --user/--password): allocates, then sends authenticated requests and
// indications with broken peer addresses, channel numbers, lifetimes, families, tokens,
// oversized DATA and 1000 peers, ChannelData with lying lengths on a bound channel, and
// random mutations; the allocation must still refresh and Binding must still be answered.
// --strict also requires the server to close a stream whose first byte is garbage (spec §1.4).
// Exit status: 0 when the server answered the final Binding(s), 1 when it did not.
#include "StunProbe.hpp"

#include "common/crypto/Crypto.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace talk::testtools;
using Bytes = std::vector<uint8_t>;

namespace {

struct Options
{
  std::string proto = "udp";
  sockaddr_storage server{};
  uint32_t seed = 1;
  int rounds = 3000;
  int slowSeconds = 3;
  bool strict = false; // garbage-first-byte connections must be closed by the server
  std::string user;     // udp-auth: long-term credentials for the allocation
  std::string password;
};

std::mt19937 s_rng;

uint8_t randomByte()
{
  return static_cast<uint8_t>(s_rng() & 0xFF);
}

Bytes randomBytes(size_t n)
{
  Bytes b(n);
  for (auto& x : b) {
    x = randomByte();
  }
  return b;
}

void setU16(Bytes& b, size_t at, uint16_t v)
{
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}

Bytes binding()
{
  StunBuilder b(method::Binding, ClassRequest);
  return b.finish({});
}

Bytes channelData(uint16_t channel, uint16_t declared, size_t actual)
{
  Bytes b(4 + actual, 0xAB);
  setU16(b, 0, channel);
  setU16(b, 2, declared);
  return b;
}

Bytes rawAttribute(uint16_t method, uint16_t cls, uint16_t type, uint16_t declaredLength, const Bytes& value)
{
  StunBuilder b(method, cls);
  Bytes m = b.bytes();
  m.push_back(static_cast<uint8_t>(type >> 8));
  m.push_back(static_cast<uint8_t>(type));
  m.push_back(static_cast<uint8_t>(declaredLength >> 8));
  m.push_back(static_cast<uint8_t>(declaredLength));
  m.insert(m.end(), value.begin(), value.end());
  while (m.size() % 4 != 0) {
    m.push_back(0);
  }
  setU16(m, 2, static_cast<uint16_t>(m.size() - 20));
  return m;
}

// An authenticated-looking Allocate (key unknown to the server) used as a mutation seed.
Bytes fakeAllocate(size_t usernameLength = 20)
{
  StunBuilder b(method::Allocate, ClassRequest);
  b.add(attr::RequestedTransport, Bytes{17, 0, 0, 0});
  b.add(attr::Username, std::string(usernameLength, 'u'));
  b.add(attr::Realm, std::string("talk.test"));
  b.add(attr::Nonce, std::string(32, 'n'));
  return b.finish(Bytes(16, 0x42));
}

// The deterministic part of the UDP battery.
std::vector<Bytes> udpCases()
{
  std::vector<Bytes> cases;
  cases.push_back({});
  Bytes valid = binding();
  for (size_t n = 1; n < valid.size(); ++n) {
    cases.emplace_back(valid.begin(), valid.begin() + static_cast<long>(n));
  }
  for (uint16_t len : {uint16_t{4}, uint16_t{3}, uint16_t{0xFFFC}, uint16_t{0xFFFF}, uint16_t{2}}) {
    Bytes b = valid;
    setU16(b, 2, len);
    cases.push_back(b);
  }
  {
    Bytes b = valid;
    b[4] ^= 0xFF; // wrong magic cookie (RFC 3489 style)
    cases.push_back(b);
    b = valid;
    b[0] |= 0xC0;
    cases.push_back(b);
    b = valid;
    b[b.size() - 1] ^= 0x01; // FINGERPRINT wrong
    cases.push_back(b);
  }
  for (uint16_t m : {method::Binding, method::Allocate, method::Refresh, method::CreatePermission, method::ChannelBind, uint16_t{0x0FFF}}) {
    cases.push_back(rawAttribute(m, ClassRequest, attr::Username, 0xFFFF, Bytes(8, 'x')));
    cases.push_back(rawAttribute(m, ClassRequest, attr::XorPeerAddress, 0, {}));
    cases.push_back(rawAttribute(m, ClassRequest, attr::XorPeerAddress, 8, Bytes{0, 3, 1, 2, 3, 4, 5, 6}));
    cases.push_back(rawAttribute(m, ClassRequest, attr::XorPeerAddress, 8, Bytes{0, 2, 1, 2, 3, 4, 5, 6}));
    cases.push_back(rawAttribute(m, ClassRequest, attr::MessageIntegrity, 3, Bytes{1, 2, 3}));
    cases.push_back(rawAttribute(m, ClassRequest, 0x0777, 4, Bytes{1, 2, 3, 4})); // unknown required
    cases.push_back(rawAttribute(m, ClassIndication, attr::Data, 4, Bytes{1, 2, 3, 4}));
    cases.push_back(rawAttribute(m, ClassSuccess, attr::ErrorCode, 4, Bytes{0, 0, 4, 1}));
    cases.push_back(rawAttribute(m, ClassError, attr::ErrorCode, 2, Bytes{0, 0}));
  }
  {
    // Send indication and ChannelBind without any allocation.
    StunBuilder s(method::Send, ClassIndication);
    auto peer = parseAddress("127.0.0.1:9", 9);
    s.addXorAddress(attr::XorPeerAddress, *peer);
    s.add(attr::Data, Bytes(100, 1));
    cases.push_back(s.finish({}));
    StunBuilder c(method::ChannelBind, ClassRequest);
    c.add(attr::ChannelNumber, Bytes{0x40, 0, 0, 0});
    c.addXorAddress(attr::XorPeerAddress, *peer);
    cases.push_back(c.finish(Bytes(16, 1)));
  }
  // Oversized fields and many attributes.
  cases.push_back(fakeAllocate(600));
  cases.push_back(fakeAllocate(512));
  {
    StunBuilder b(method::Binding, ClassRequest);
    for (int i = 0; i < 2000; ++i) {
      b.add(static_cast<uint16_t>(0x8100 + i % 16), Bytes{});
    }
    cases.push_back(b.bytes());
    StunBuilder big(method::Allocate, ClassRequest);
    while (big.bytes().size() < 65000) {
      big.add(0x8123, Bytes(1000, 0x55));
    }
    cases.push_back(big.bytes());
    StunBuilder fp2(method::Binding, ClassRequest);
    Bytes twice = fp2.finish({});
    twice.insert(twice.end(), twice.end() - 8, twice.end());
    setU16(twice, 2, static_cast<uint16_t>(twice.size() - 20));
    cases.push_back(twice);
  }
  // ChannelData with lying lengths, unknown and out-of-range channels.
  cases.push_back(channelData(0x4000, 100, 10));
  cases.push_back(channelData(0x4000, 0, 0));
  cases.push_back(channelData(0x4000, 0xFFFF, 1000));
  cases.push_back(channelData(0x7FFF, 10, 10));
  cases.push_back(channelData(0x4001, 3, 64));
  cases.push_back(Bytes{0x40});
  cases.push_back(Bytes{0x40, 0x00, 0x00});
  // DTLS-looking, and first bytes no demultiplexer accepts.
  for (uint8_t first : {uint8_t{0x14}, uint8_t{0x16}, uint8_t{0x17}, uint8_t{0x3F}, uint8_t{0x80}, uint8_t{0xFF}, uint8_t{0x04}}) {
    Bytes b = randomBytes(200);
    b[0] = first;
    cases.push_back(b);
  }
  cases.push_back(Bytes(65507, 0x00)); // largest UDP payload, all zero header (length 0)
  {
    Bytes b(65507, 0x01);
    b[0] = 0x00;
    cases.push_back(b);
  }
  return cases;
}

Bytes randomCase()
{
  switch (s_rng() % 4) {
  case 0: { // random bytes that look like STUN or ChannelData
    Bytes b = randomBytes(s_rng() % 1500);
    if (!b.empty()) {
      b[0] = static_cast<uint8_t>(s_rng() % 2 == 0 ? s_rng() % 4 : 0x40 + s_rng() % 0x40);
    }
    return b;
  }
  case 1: { // a valid header with a random body of matching length
    StunBuilder h(static_cast<uint16_t>(s_rng() % 16), static_cast<uint16_t>(s_rng() % 4));
    Bytes b = h.bytes();
    Bytes body = randomBytes((s_rng() % 300) * 4);
    b.insert(b.end(), body.begin(), body.end());
    setU16(b, 2, static_cast<uint16_t>(body.size()));
    return b;
  }
  default: { // byte flips in a valid authenticated-looking Allocate
    Bytes b = fakeAllocate();
    int flips = 1 + static_cast<int>(s_rng() % 8);
    for (int i = 0; i < flips; ++i) {
      b[s_rng() % b.size()] = randomByte();
    }
    if (s_rng() % 4 == 0) {
      b.resize(s_rng() % b.size());
    }
    return b;
  }
  }
}

int udpSocket(const sockaddr_storage& server)
{
  int fd = ::socket(server.ss_family, SOCK_DGRAM, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&server), sizeof server) != 0) {
    std::perror("udp socket");
    std::exit(2);
  }
  return fd;
}

void drain(int fd)
{
  uint8_t buf[65536];
  while (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0) {
  }
}

bool udpBindingAnswered(const sockaddr_storage& server)
{
  int fd = udpSocket(server);
  bool ok = false;
  for (int attempt = 0; attempt < 5 && !ok; ++attempt) {
    Bytes req = binding();
    ::send(fd, req.data(), req.size(), 0);
    pollfd pfd{fd, POLLIN, 0};
    while (!ok && ::poll(&pfd, 1, 600) > 0) {
      uint8_t buf[2048];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      auto m = n > 0 ? parseStun(buf, static_cast<size_t>(n)) : std::nullopt;
      ok = m && m->cls == ClassSuccess && std::memcmp(m->transactionId, req.data() + 8, 12) == 0 &&
           m->find(attr::XorMappedAddress) != nullptr;
    }
  }
  ::close(fd);
  return ok;
}

int runUdp(const Options& o)
{
  std::vector<int> fds;
  for (int i = 0; i < 8; ++i) {
    fds.push_back(udpSocket(o.server));
  }
  size_t sent = 0;
  auto cases = udpCases();
  for (size_t i = 0; i < cases.size(); ++i) {
    int fd = fds[i % fds.size()];
    ::send(fd, cases[i].data(), cases[i].size(), 0);
    ++sent;
    drain(fd);
  }
  for (int r = 0; r < o.rounds; ++r) {
    int fd = fds[static_cast<size_t>(r) % fds.size()];
    Bytes b = randomCase();
    ::send(fd, b.data(), b.size(), 0);
    ++sent;
    if (r % 100 == 0) {
      drain(fd);
      // Let the server breathe: we test parsing, not socket buffer overflow.
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  for (int fd : fds) {
    drain(fd);
    ::close(fd);
  }
  std::printf("udp: sent %zu malformed/random datagrams\n", sent);
  bool ok = udpBindingAnswered(o.server);
  std::printf("udp: Binding after the storm %s\n", ok ? "answered" : "NOT answered");
  return ok ? 0 : 1;
}

// Waits (bounded) for the response to `req` on a connected UDP socket.
std::optional<StunMessage> udpExchange(int fd, const Bytes& req)
{
  for (int attempt = 0; attempt < 4; ++attempt) {
    ::send(fd, req.data(), req.size(), 0);
    pollfd pfd{fd, POLLIN, 0};
    while (::poll(&pfd, 1, 500) > 0) {
      uint8_t buf[65536];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      auto m = n > 0 ? parseStun(buf, static_cast<size_t>(n)) : std::nullopt;
      if (m && std::memcmp(m->transactionId, req.data() + 8, 12) == 0) {
        return m;
      }
    }
  }
  return std::nullopt;
}

// Authenticated requests on a live allocation: the parsers behind authentication (peer
// addresses, channel numbers, lifetimes, families, tokens) get broken values with a valid
// MESSAGE-INTEGRITY, and ChannelData on a bound channel gets lying lengths.
int runUdpAuth(const Options& o)
{
  int fd = udpSocket(o.server);
  StunBuilder first(method::Allocate, ClassRequest);
  first.add(attr::RequestedTransport, Bytes{17, 0, 0, 0});
  auto challenge = udpExchange(fd, first.finish({}));
  if (!challenge || challenge->errorCode() != 401) {
    std::printf("udp-auth: no 401 challenge\n");
    return 1;
  }
  std::string realm = challenge->text(attr::Realm);
  std::string nonce = challenge->text(attr::Nonce);
  Bytes key = longTermKey(o.user, realm, o.password);
  auto authed = [&](uint16_t m, uint16_t cls, const std::vector<std::pair<uint16_t, Bytes>>& attrs) {
    StunBuilder b(m, cls);
    for (const auto& [t, v] : attrs) {
      b.add(t, v);
    }
    b.add(attr::Username, o.user);
    b.add(attr::Realm, realm);
    b.add(attr::Nonce, nonce);
    return b.finish(key);
  };
  auto alloc = udpExchange(fd, authed(method::Allocate, ClassRequest, {{attr::RequestedTransport, {17, 0, 0, 0}}}));
  if (!alloc || alloc->cls != ClassSuccess) {
    std::printf("udp-auth: Allocate failed (%d)\n", alloc ? alloc->errorCode() : -1);
    return 1;
  }
  auto relay = alloc->xorAddress(attr::XorRelayedAddress);
  std::printf("udp-auth: allocated %s\n", relay ? formatAddress(*relay).c_str() : "?");
  // A valid channel to an unreachable loopback port, so ChannelData has somewhere to go.
  StunBuilder bind(method::ChannelBind, ClassRequest);
  bind.add(attr::ChannelNumber, Bytes{0x40, 0x00, 0, 0});
  bind.addXorAddress(attr::XorPeerAddress, *parseAddress("127.0.0.1:9", 9));
  bind.add(attr::Username, o.user);
  bind.add(attr::Realm, realm);
  bind.add(attr::Nonce, nonce);
  auto bound = udpExchange(fd, bind.finish(key));
  std::printf("udp-auth: ChannelBind 0x4000 -> %d\n", bound ? bound->errorCode() : -1);

  const std::vector<Bytes> badPeers = {
      {}, {0}, {0, 1, 0, 0}, {0, 1, 1, 2, 3, 4, 5}, {0, 1, 1, 2, 3, 4, 5, 6, 7}, {0, 2, 1, 2, 3, 4, 5, 6},
      {0, 3, 1, 2, 3, 4, 5, 6}, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, Bytes(20, 0), Bytes(19, 1), Bytes(24, 2)};
  const std::vector<uint16_t> requestMethods = {method::Allocate, method::Refresh, method::CreatePermission, method::ChannelBind,
                                                0x00A, 0x00B, 0x0FFF};
  size_t sent = 0;
  auto send = [&](const Bytes& b) {
    ::send(fd, b.data(), b.size(), 0);
    ++sent;
    if (sent % 50 == 0) {
      drain(fd);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  };
  for (const Bytes& peer : badPeers) {
    send(authed(method::CreatePermission, ClassRequest, {{attr::XorPeerAddress, peer}}));
    send(authed(method::ChannelBind, ClassRequest, {{attr::ChannelNumber, {0x40, 0x01, 0, 0}}, {attr::XorPeerAddress, peer}}));
    send(authed(method::Send, ClassIndication, {{attr::XorPeerAddress, peer}, {attr::Data, Bytes(10, 1)}}));
  }
  for (const Bytes& channel : std::vector<Bytes>{{}, {0x40}, {0x40, 0, 0}, {0x3F, 0xFF, 0, 0}, {0xFF, 0xFF, 0, 0}, Bytes(8, 0x40)}) {
    StunBuilder b(method::ChannelBind, ClassRequest);
    b.add(attr::ChannelNumber, channel);
    b.addXorAddress(attr::XorPeerAddress, *parseAddress("127.0.0.1:10", 9));
    b.add(attr::Username, o.user);
    b.add(attr::Realm, realm);
    b.add(attr::Nonce, nonce);
    send(b.finish(key));
  }
  for (const Bytes& lifetime : std::vector<Bytes>{{}, {0}, {0xFF, 0xFF, 0xFF, 0xFF}, {0, 0, 0, 1}, Bytes(8, 0)}) {
    send(authed(method::Refresh, ClassRequest, {{attr::Lifetime, lifetime}}));
  }
  // Allocate on the busy 5-tuple with hostile extras (family, even port, token, DF).
  for (const auto& extra : std::vector<std::pair<uint16_t, Bytes>>{{0x0017, {}}, {0x0017, {9, 0, 0, 0}}, {0x0018, {}},
                                                                    {0x0018, {0xFF, 0, 0, 0}}, {0x0022, {1, 2, 3}}, {0x0022, Bytes(8, 7)},
                                                                    {0x001A, {1, 2, 3, 4}}, {0x8000, {2}}, {0x0019, {}}, {0x0019, {6}}}) {
    send(authed(method::Allocate, ClassRequest, {{attr::RequestedTransport, {17, 0, 0, 0}}, extra}));
  }
  // Send indications: missing DATA, huge DATA, DATA before the peer.
  auto peer9 = *parseAddress("127.0.0.1:9", 9);
  {
    StunBuilder b(method::Send, ClassIndication);
    b.addXorAddress(attr::XorPeerAddress, peer9);
    send(b.finish({}));
    StunBuilder big(method::Send, ClassIndication);
    big.addXorAddress(attr::XorPeerAddress, peer9);
    big.add(attr::Data, Bytes(65000, 3));
    send(big.finish({}));
    StunBuilder many(method::CreatePermission, ClassRequest);
    for (int i = 0; i < 1000; ++i) {
      many.addXorAddress(attr::XorPeerAddress, peer9);
    }
    many.add(attr::Username, o.user);
    many.add(attr::Realm, realm);
    many.add(attr::Nonce, nonce);
    send(many.finish(key));
  }
  // ChannelData on the bound channel with lying lengths, and on unbound channels.
  for (uint16_t len : {uint16_t{0}, uint16_t{1}, uint16_t{100}, uint16_t{0xFFFF}}) {
    send(channelData(0x4000, len, 8));
    send(channelData(0x4000, 8, len % 2000));
    send(channelData(0x4FFF, len, 8));
  }
  // Random mutations of authenticated requests (MI then fails or the content is odd).
  for (int r = 0; r < o.rounds; ++r) {
    uint16_t m = requestMethods[s_rng() % requestMethods.size()];
    Bytes b = authed(m, ClassRequest, {{static_cast<uint16_t>(s_rng() % 0x30), randomBytes(s_rng() % 40)}, {attr::XorPeerAddress, randomBytes(8)}});
    if (s_rng() % 2 == 0) {
      b[20 + s_rng() % (b.size() - 20)] = randomByte();
    }
    send(b);
  }
  drain(fd);
  // The allocation must still be usable: a fresh-nonce Refresh on it succeeds.
  auto refreshed = udpExchange(fd, authed(method::Refresh, ClassRequest, {{attr::Lifetime, {0, 0, 2, 0x58}}}));
  if (refreshed && refreshed->errorCode() == 438) {
    nonce = refreshed->text(attr::Nonce);
    refreshed = udpExchange(fd, authed(method::Refresh, ClassRequest, {{attr::Lifetime, {0, 0, 2, 0x58}}}));
  }
  bool ok = refreshed && refreshed->cls == ClassSuccess;
  std::printf("udp-auth: sent %zu hostile authenticated messages; Refresh afterwards %s\n", sent, ok ? "succeeded" : "FAILED");
  udpExchange(fd, authed(method::Refresh, ClassRequest, {{attr::Lifetime, {0, 0, 0, 0}}}));
  ::close(fd);
  bool answered = udpBindingAnswered(o.server);
  std::printf("udp-auth: Binding afterwards %s\n", answered ? "answered" : "NOT answered");
  return ok && answered ? 0 : 1;
}

// A stream connection, plain TCP or TLS.
class Stream
{
public:
  Stream(const sockaddr_storage& server, SSL_CTX* ctx)
  {
    d_fd = ::socket(server.ss_family, SOCK_STREAM, 0);
    if (d_fd < 0 || ::connect(d_fd, reinterpret_cast<const sockaddr*>(&server), sizeof server) != 0) {
      d_ok = false;
      return;
    }
    if (ctx != nullptr) {
      d_ssl = SSL_new(ctx);
      SSL_set_fd(d_ssl, d_fd);
      timeval tv{3, 0};
      ::setsockopt(d_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      d_ok = SSL_connect(d_ssl) == 1;
    }
  }
  ~Stream()
  {
    if (d_ssl != nullptr) {
      SSL_free(d_ssl);
    }
    if (d_fd >= 0) {
      ::close(d_fd);
    }
  }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  bool ok() const { return d_ok; }

  bool write(const Bytes& b)
  {
    if (!d_ok) {
      return false;
    }
    if (d_ssl != nullptr) {
      return b.empty() || SSL_write(d_ssl, b.data(), static_cast<int>(b.size())) > 0;
    }
    size_t off = 0;
    while (off < b.size()) {
      ssize_t n = ::send(d_fd, b.data() + off, b.size() - off, MSG_NOSIGNAL);
      if (n <= 0) {
        return false;
      }
      off += static_cast<size_t>(n);
    }
    return true;
  }

  // Reads exactly n bytes within the deadline.
  bool read(uint8_t* out, size_t n, std::chrono::steady_clock::time_point deadline)
  {
    size_t got = 0;
    while (got < n) {
      if (d_ssl == nullptr || SSL_pending(d_ssl) == 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        pollfd pfd{d_fd, POLLIN, 0};
        if (left <= 0 || ::poll(&pfd, 1, static_cast<int>(left)) <= 0) {
          return false;
        }
      }
      int r = d_ssl != nullptr ? SSL_read(d_ssl, out + got, static_cast<int>(n - got))
                               : static_cast<int>(::recv(d_fd, out + got, n - got, 0));
      if (r <= 0) {
        return false;
      }
      got += static_cast<size_t>(r);
    }
    return true;
  }

  // Reads one STUN message; false on timeout, close or a non-STUN frame.
  bool readStun(StunMessage& out, int timeoutMs)
  {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    uint8_t hdr[20];
    if (!read(hdr, 20, deadline)) {
      return false;
    }
    size_t len = static_cast<size_t>((hdr[2] << 8) | hdr[3]);
    Bytes msg(hdr, hdr + 20);
    msg.resize(20 + len);
    if (len > 0 && !read(msg.data() + 20, len, deadline)) {
      return false;
    }
    auto m = parseStun(msg.data(), msg.size());
    if (!m) {
      return false;
    }
    out = *m;
    return true;
  }

  // True once the peer closed (or reset) the connection within the timeout.
  bool closedWithin(int timeoutMs)
  {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    uint8_t buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd pfd{d_fd, POLLIN, 0};
      if (::poll(&pfd, 1, 100) <= 0) {
        continue;
      }
      int r = d_ssl != nullptr ? SSL_read(d_ssl, buf, sizeof buf) : static_cast<int>(::recv(d_fd, buf, sizeof buf, 0));
      if (r <= 0) {
        return true;
      }
    }
    return false;
  }

private:
  int d_fd = -1;
  SSL* d_ssl = nullptr;
  bool d_ok = true;
};

bool streamBindingAnswered(const Options& o, SSL_CTX* ctx, const char* label)
{
  Stream s(o.server, ctx);
  Bytes req = binding();
  StunMessage m;
  bool ok = s.ok() && s.write(req) && s.readStun(m, 3000) && m.cls == ClassSuccess &&
            std::memcmp(m.transactionId, req.data() + 8, 12) == 0;
  std::printf("%s: Binding %s\n", label, ok ? "answered" : "NOT answered");
  return ok;
}

int runStream(const Options& o)
{
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctxHolder(nullptr, SSL_CTX_free);
  if (o.proto == "tls") {
    ctxHolder.reset(SSL_CTX_new(TLS_client_method()));
    SSL_CTX_set_verify(ctxHolder.get(), SSL_VERIFY_NONE, nullptr);
  }
  SSL_CTX* ctx = ctxHolder.get();
  const char* label = o.proto.c_str();
  int failures = 0;
  std::vector<std::unique_ptr<Stream>> held; // half-open connections kept until the end

  // Sanity first: the server must answer before we start (or the test proves nothing).
  if (!streamBindingAnswered(o, ctx, label)) {
    return 1;
  }
  {
    // Pipelined: 50 Bindings in one write, 50 answers in order.
    Stream s(o.server, ctx);
    Bytes burst;
    for (int i = 0; i < 50; ++i) {
      Bytes b = binding();
      burst.insert(burst.end(), b.begin(), b.end());
    }
    int answered = 0;
    StunMessage m;
    if (s.write(burst)) {
      while (answered < 50 && s.readStun(m, 3000) && m.cls == ClassSuccess) {
        ++answered;
      }
    }
    std::printf("%s: pipelined burst: %d/50 answered\n", label, answered);
    failures += answered == 50 ? 0 : 1;
  }
  {
    // One Binding written a byte at a time.
    Stream s(o.server, ctx);
    Bytes b = binding();
    bool ok = s.ok();
    for (uint8_t x : b) {
      ok = ok && s.write(Bytes{x});
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    StunMessage m;
    ok = ok && s.readStun(m, 3000) && m.cls == ClassSuccess;
    std::printf("%s: byte-by-byte Binding %s\n", label, ok ? "answered" : "NOT answered");
    failures += ok ? 0 : 1;
  }
  {
    // Garbage first byte: the server should drop the connection, not us.
    for (uint8_t first : {uint8_t{0xFF}, uint8_t{0x80}, uint8_t{0x3F}}) {
      Stream s(o.server, ctx);
      Bytes b = randomBytes(64);
      b[0] = first;
      s.write(b);
      bool closed = s.closedWithin(3000);
      std::printf("%s: garbage first byte 0x%02x: connection %s\n", label, first, closed ? "closed by server" : "left open");
      if (o.strict && !closed) {
        ++failures; // spec §1.4: a stream that is neither STUN, ChannelData nor TLS is closed
      }
    }
  }
  {
    // Half-written frames and huge declared lengths, left open.
    auto halfStun = std::make_unique<Stream>(o.server, ctx);
    Bytes b = fakeAllocate();
    halfStun->write(Bytes(b.begin(), b.begin() + 30));
    held.push_back(std::move(halfStun));
    auto huge = std::make_unique<Stream>(o.server, ctx);
    Bytes h = binding();
    setU16(h, 2, 0xFFFC);
    h.resize(1000, 0x41);
    huge->write(h);
    held.push_back(std::move(huge));
    auto hugeChannel = std::make_unique<Stream>(o.server, ctx);
    hugeChannel->write(channelData(0x4000, 0xFFFF, 500));
    held.push_back(std::move(hugeChannel));
    auto headerOnly = std::make_unique<Stream>(o.server, ctx);
    headerOnly->write(Bytes(b.begin(), b.begin() + 19));
    held.push_back(std::move(headerOnly));
  }
  if (o.proto == "tcp") {
    // TLS-looking bytes on a plain port, and a truncated ClientHello.
    Stream s(o.server, nullptr);
    s.write(Bytes{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03});
    s.closedWithin(1000);
  }
  {
    // Random streams that start like STUN or ChannelData.
    for (int i = 0; i < 20; ++i) {
      Stream s(o.server, ctx);
      Bytes b = randomBytes(1000 + s_rng() % 64000);
      b[0] = static_cast<uint8_t>(i % 2 == 0 ? s_rng() % 4 : 0x40 + s_rng() % 0x40);
      s.write(b);
    }
    // Valid messages followed by broken ones on the same connection.
    Stream s(o.server, ctx);
    Bytes mixed = binding();
    Bytes bad = rawAttribute(method::Allocate, ClassRequest, attr::Username, 0xFFFF, Bytes(8, 'x'));
    mixed.insert(mixed.end(), bad.begin(), bad.end());
    s.write(mixed);
  }
  {
    // Idle connection flood.
    for (int i = 0; i < 200; ++i) {
      auto s = std::make_unique<Stream>(o.server, o.proto == "tls" ? nullptr : ctx);
      if (s->ok()) {
        held.push_back(std::move(s));
      }
    }
    std::printf("%s: %zu connections held open\n", label, held.size());
  }
  {
    // Slowloris: 30 connections dribble a Binding one byte per 200 ms.
    std::vector<std::unique_ptr<Stream>> slow;
    std::vector<Bytes> msgs;
    for (int i = 0; i < 30; ++i) {
      slow.push_back(std::make_unique<Stream>(o.server, ctx));
      msgs.push_back(fakeAllocate(400));
    }
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(o.slowSeconds);
    size_t pos = 0;
    while (std::chrono::steady_clock::now() < end) {
      for (size_t i = 0; i < slow.size(); ++i) {
        if (pos < msgs[i].size()) {
          slow[i]->write(Bytes{msgs[i][pos]});
        }
      }
      ++pos;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    // The server must keep serving others while these (and the held ones) hang.
    failures += streamBindingAnswered(o, ctx, label) ? 0 : 1;
  }
  held.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  failures += streamBindingAnswered(o, ctx, label) ? 0 : 1;
  return failures == 0 ? 0 : 1;
}

}

int main(int argc, char** argv)
{
  // The server closing a connection under us is an expected outcome, not a reason to die.
  ::signal(SIGPIPE, SIG_IGN);
  setvbuf(stdout, nullptr, _IOLBF, 0);
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--proto" && i + 1 < argc) {
      o.proto = argv[++i];
    } else if (a == "--server" && i + 1 < argc) {
      auto s = parseAddress(argv[++i], 3478);
      if (!s) {
        std::fprintf(stderr, "bad --server\n");
        return 2;
      }
      o.server = *s;
    } else if (a == "--seed" && i + 1 < argc) {
      o.seed = static_cast<uint32_t>(std::strtoul(argv[++i], nullptr, 0));
    } else if (a == "--rounds" && i + 1 < argc) {
      o.rounds = std::atoi(argv[++i]);
    } else if (a == "--user" && i + 1 < argc) {
      o.user = argv[++i];
    } else if (a == "--password" && i + 1 < argc) {
      o.password = argv[++i];
    } else if (a == "--strict") {
      o.strict = true;
    } else if (a == "--slow-seconds" && i + 1 < argc) {
      o.slowSeconds = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: turn-fuzz-client --proto udp|tcp|tls|udp-auth --server ADDR:PORT [--seed N] [--rounds N]\n"
                           "       [--slow-seconds N] [--strict] [--user U --password P]\n");
      return 2;
    }
  }
  if (o.server.ss_family == 0) {
    std::fprintf(stderr, "--server is required\n");
    return 2;
  }
  std::printf("seed %u\n", o.seed);
  s_rng.seed(o.seed);
  if (o.proto == "udp") {
    return runUdp(o);
  }
  if (o.proto == "udp-auth" && !o.user.empty()) {
    return runUdpAuth(o);
  }
  if (o.proto == "tcp" || o.proto == "tls") {
    return runStream(o);
  }
  std::fprintf(stderr, "--proto must be udp, tcp, tls or udp-auth (with --user/--password)\n");
  return 2;
}
