// Drives a real TurnWorker on loopback sockets with hand-built STUN messages: the protocol
// decisions of spec §2/§3 end to end (auth, allocation, permissions, channels, relaying,
// error codes, TCP framing).
#define TLOG_COMPONENT "test"
#include "turn/server/TurnWorker.hpp"

#include "FakeClock.hpp"
#include "TestUtil.hpp"
#include "common/crypto/Crypto.hpp"
#include "common/log/Logger.hpp"
#include "turn/auth/KeyDerivation.hpp"
#include "turn/auth/RestCredentials.hpp"
#include "turn/server/PortAllocator.hpp"
#include "turn/server/QuotaTracker.hpp"
#include "turn/stun/Attributes.hpp"
#include "turn/stun/Framing.hpp"
#include "turn/stun/MessageBuilder.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <cstring>
#include <functional>
#include <list>
#include <optional>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace talk;
using namespace talk::turn;
namespace attr = talk::turn::stun::attr;
using stun::MessageBuilder;
using stun::MessageClass;
using stun::Method;

namespace {

constexpr const char* Realm = "unit.test";
constexpr const char* Secret = "unit-secret";

struct Socket
{
  int fd{-1};
  SocketAddress local;
  Socket(int type, const SocketAddress* connectTo = nullptr)
  {
    fd = ::socket(AF_INET, type | SOCK_NONBLOCK, 0);
    auto any = *SocketAddress::parse("127.0.0.1:0");
    CPPUNIT_ASSERT_EQUAL(0, ::bind(fd, any.sockaddrPtr(), any.length()));
    if (connectTo != nullptr) {
      int rc = ::connect(fd, connectTo->sockaddrPtr(), connectTo->length());
      CPPUNIT_ASSERT(rc == 0 || errno == EINPROGRESS);
    }
    sockaddr_storage s{};
    socklen_t len = sizeof(s);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&s), &len);
    local = SocketAddress(reinterpret_cast<sockaddr*>(&s), len);
  }
  ~Socket() { ::close(fd); }
};

struct Received
{
  std::vector<uint8_t> data;
  SocketAddress from;
};

class Harness
{
public:
  explicit Harness(std::function<void(TurnRuntime&)> tweak = {}, bool withTcp = false, uint16_t minPort = 41000,
                   uint16_t maxPort = 41999)
  {
    // Allocation lines would drown the test report.
    log::setLevel(log::Level::Warning);
    config.listen.push_back(ListenSpec{Transport::Udp, *SocketAddress::parse("127.0.0.1:0"), "udp"});
    if (withTcp) {
      config.listen.push_back(ListenSpec{Transport::Tcp, *SocketAddress::parse("127.0.0.1:0"), "tcp"});
    }
    auto relay = *SocketAddress::fromIp("127.0.0.1", 0);
    config.relays.push_back(RelayAddress{relay, relay});
    config.minPort = minPort;
    config.maxPort = maxPort;
    ports.push_back(std::make_unique<PortAllocator>(config.minPort, config.maxPort));
    auto store = std::make_shared<auth::CredentialStore>();
    store->rest = auth::RestCredentials(auth::RestCredentials::Settings{{Secret}, ':', 0});
    store->users.add("static:pw");
    runtime.realm = Realm;
    runtime.credentials = store;
    runtime.policy = std::make_shared<policy::RelayPolicy>();
    if (tweak) {
      tweak(runtime);
    }
    shared = std::make_unique<WorkerShared>(WorkerShared{config, ports, quotas, metrics, {}, clock});
    worker = std::make_unique<TurnWorker>(loop, *shared, 0, std::make_shared<const TurnRuntime>(runtime));
    worker->start(false);
    for (const auto& [transport, address] : worker->boundListeners()) {
      (transport == Transport::Udp ? udpAddress : tcpAddress) = address;
    }
  }

  // Runs the worker's loop until fd has data (bounded), then reads one datagram.
  std::optional<Received> receive(int fd, double seconds = 2.0)
  {
    for (int i = 0; i < static_cast<int>(seconds * 200); ++i) {
      loop.runOnce(false);
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 5) == 1) {
        Received r;
        r.data.resize(70000);
        sockaddr_storage from{};
        socklen_t len = sizeof(from);
        ssize_t n = ::recvfrom(fd, r.data.data(), r.data.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n >= 0) {
          r.data.resize(static_cast<size_t>(n));
          r.from = SocketAddress(reinterpret_cast<sockaddr*>(&from), len);
          return r;
        }
      }
    }
    return std::nullopt;
  }

  void send(int fd, std::span<const uint8_t> bytes, const SocketAddress& to)
  {
    CPPUNIT_ASSERT_EQUAL(static_cast<ssize_t>(bytes.size()),
                         ::sendto(fd, bytes.data(), bytes.size(), 0, to.sockaddrPtr(), to.length()));
  }

  std::vector<uint8_t> transact(int fd, std::span<const uint8_t> bytes)
  {
    send(fd, bytes, udpAddress);
    auto r = receive(fd);
    CPPUNIT_ASSERT_MESSAGE("no response", r.has_value());
    return r->data;
  }

  test::FakeClock clock;
  ev::EventLoop loop;
  metrics::Registry registry;
  TurnMetrics metrics{registry};
  QuotaTracker quotas;
  TurnConfig config;
  TurnRuntime runtime;
  std::vector<std::unique_ptr<PortAllocator>> ports;
  std::unique_ptr<WorkerShared> shared;
  std::unique_ptr<TurnWorker> worker;
  SocketAddress udpAddress;
  SocketAddress tcpAddress;
};

std::array<uint8_t, 12> newTid()
{
  std::array<uint8_t, 12> tid{};
  crypto::randomBytes(tid);
  return tid;
}

// A TURN client's view: REST credentials, the nonce from the first 401.
struct Client
{
  std::string username;
  std::string password;
  std::string nonce;
  stun::IntegrityKey key;

  explicit Client(std::string user = "4000000000:alice")
  {
    username = std::move(user);
    password = auth::restPassword(Secret, username);
    key = auth::deriveKey(auth::PasswordAlgorithm::Md5, username, Realm, password);
  }

  // Builds a request; extra(builder) adds the method's attributes before the credentials.
  std::vector<uint8_t> request(Method method, const std::function<void(MessageBuilder&)>& extra, bool authenticate = true,
                               std::array<uint8_t, 12> tid = newTid())
  {
    std::vector<uint8_t> buffer(4096);
    MessageBuilder b(buffer, method, MessageClass::Request, tid);
    if (extra) {
      extra(b);
    }
    if (authenticate) {
      b.addText(attr::Username, username);
      b.addText(attr::Realm, Realm);
      b.addText(attr::Nonce, nonce);
      b.addMessageIntegrity(key);
    }
    b.addFingerprint();
    CPPUNIT_ASSERT(b.ok());
    auto bytes = b.bytes();
    return {bytes.begin(), bytes.end()};
  }
};

uint16_t errorCode(const stun::Message& m)
{
  auto a = m.find(attr::ErrorCode);
  CPPUNIT_ASSERT(a.has_value());
  auto v = stun::decodeErrorCode(a->value);
  CPPUNIT_ASSERT(v.has_value());
  return v->code;
}

// Message is a view: the bytes of every parsed response stay alive until the test ends.
std::list<std::vector<uint8_t>>& keptResponses()
{
  static std::list<std::vector<uint8_t>> kept;
  return kept;
}

stun::Message parse(std::vector<uint8_t> bytes)
{
  keptResponses().push_back(std::move(bytes));
  auto m = stun::Message::parse(keptResponses().back());
  CPPUNIT_ASSERT_MESSAGE("response does not parse", m.has_value());
  return *m;
}

void addUdpTransport(MessageBuilder& b)
{
  b.addRequestedTransport(stun::TransportUdp);
}

// 401 round trip, then an authenticated Allocate; returns the relayed address.
SocketAddress allocate(Harness& h, Client& c, int fd)
{
  auto challenge = h.transact(fd, c.request(Method::Allocate, addUdpTransport, false));
  auto m401 = parse(challenge);
  CPPUNIT_ASSERT_EQUAL(uint16_t(401), errorCode(m401));
  CPPUNIT_ASSERT(!m401.hasMessageIntegrity());
  auto nonce = m401.find(attr::Nonce);
  CPPUNIT_ASSERT(nonce.has_value());
  c.nonce = test::text(nonce->value);
  auto ok = parse(h.transact(fd, c.request(Method::Allocate, addUdpTransport)));
  CPPUNIT_ASSERT(ok.is(Method::Allocate, MessageClass::SuccessResponse));
  auto relayed = ok.find(attr::XorRelayedAddress);
  CPPUNIT_ASSERT(relayed.has_value());
  auto address = stun::decodeXorAddress(relayed->value, ok.transactionId());
  CPPUNIT_ASSERT(address.has_value());
  return *address;
}

void addPeer(MessageBuilder& b, const SocketAddress& peer)
{
  b.addXorAddress(attr::XorPeerAddress, peer);
}

// A UDP socket bound to 127.0.0.1:port, as another process holding a port would have it.
std::optional<UniqueFd> bindLoopbackPort(uint16_t port)
{
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM, 0));
  auto address = *SocketAddress::fromIp("127.0.0.1", port);
  if (!fd || ::bind(fd.get(), address.sockaddrPtr(), address.length()) != 0) {
    return std::nullopt;
  }
  return fd;
}

// Sends `count` unauthenticated Allocates from fd, returns how many 401 came back.
int countChallenges(Harness& h, int fd, int count)
{
  Client c;
  for (int i = 0; i < count; ++i) {
    h.send(fd, c.request(Method::Allocate, addUdpTransport, false), h.udpAddress);
  }
  int answered = 0;
  while (auto r = h.receive(fd, 0.5)) {
    auto m = parse(r->data);
    CPPUNIT_ASSERT_EQUAL(uint16_t(401), errorCode(m));
    ++answered;
  }
  return answered;
}

}

class TurnWorkerTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(TurnWorkerTest);
  CPPUNIT_TEST(bindingAnswersWithoutState);
  CPPUNIT_TEST(allocateChallengesThenSucceedsSigned);
  CPPUNIT_TEST(retransmittedAllocateGetsTheCachedResponse);
  CPPUNIT_TEST(wrongPasswordIs401);
  CPPUNIT_TEST(sendAndDataIndications);
  CPPUNIT_TEST(channelDataBothWays);
  CPPUNIT_TEST(loopbackPeerIsForbiddenByDefault);
  CPPUNIT_TEST(relayToOwnRelayAddressIsAllowed);
  CPPUNIT_TEST(requestErrors);
  CPPUNIT_TEST(refreshDeletes);
  CPPUNIT_TEST(userQuota);
  CPPUNIT_TEST(evenPortReservation);
  CPPUNIT_TEST(evenPortSkipsPairsWhoseOddPortIsTaken);
  CPPUNIT_TEST(challengesFromOneAddressAreNotThrottledByDefault);
  CPPUNIT_TEST(challengesAreBoundedByBurstAndRate);
  CPPUNIT_TEST(tcpFramingPadsChannelData);
  CPPUNIT_TEST_SUITE_END();

public:
  void bindingAnswersWithoutState()
  {
    Harness h;
    Socket client(SOCK_DGRAM);
    std::vector<uint8_t> buffer(256);
    auto tid = newTid();
    MessageBuilder b(buffer, Method::Binding, MessageClass::Request, tid);
    auto m = parse(h.transact(client.fd, b.bytes()));
    CPPUNIT_ASSERT(m.is(Method::Binding, MessageClass::SuccessResponse));
    auto mapped = m.find(attr::XorMappedAddress);
    CPPUNIT_ASSERT(mapped.has_value());
    CPPUNIT_ASSERT(*stun::decodeXorAddress(mapped->value, m.transactionId()) == client.local);
    CPPUNIT_ASSERT_EQUAL(size_t(0), h.worker->allocationCount());
  }

  void allocateChallengesThenSucceedsSigned()
  {
    Harness h;
    Socket client(SOCK_DGRAM);
    Client c;
    auto challenge = parse(h.transact(client.fd, c.request(Method::Allocate, addUdpTransport, false)));
    CPPUNIT_ASSERT_EQUAL(uint16_t(401), errorCode(challenge));
    CPPUNIT_ASSERT_EQUAL(std::string(Realm), test::text(challenge.find(attr::Realm)->value));
    c.nonce = test::text(challenge.find(attr::Nonce)->value);
    auto ok = parse(h.transact(client.fd, c.request(Method::Allocate, addUdpTransport)));
    CPPUNIT_ASSERT(ok.is(Method::Allocate, MessageClass::SuccessResponse));
    CPPUNIT_ASSERT(ok.verifyMessageIntegrity(c.key) == stun::IntegrityResult::Ok);
    CPPUNIT_ASSERT(ok.hasFingerprint());
    auto relayed = *stun::decodeXorAddress(ok.find(attr::XorRelayedAddress)->value, ok.transactionId());
    CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), relayed.ip());
    CPPUNIT_ASSERT(relayed.port() >= 41000 && relayed.port() <= 41999);
    CPPUNIT_ASSERT_EQUAL(uint32_t(600), *stun::decodeLifetime(ok.find(attr::Lifetime)->value));
    CPPUNIT_ASSERT(*stun::decodeXorAddress(ok.find(attr::XorMappedAddress)->value, ok.transactionId()) == client.local);
    CPPUNIT_ASSERT_EQUAL(size_t(1), h.worker->allocationCount());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), h.quotas.forUser("alice"));
  }

  void retransmittedAllocateGetsTheCachedResponse()
  {
    Harness h;
    Socket client(SOCK_DGRAM);
    Client c;
    allocate(h, c, client.fd);
    auto tid = newTid();
    auto first = h.transact(client.fd, c.request(Method::Allocate, addUdpTransport, true, tid));
    // That was a new transaction on a busy 5-tuple: 437, signed.
    auto mismatch = parse(first);
    CPPUNIT_ASSERT_EQUAL(uint16_t(437), errorCode(mismatch));
    CPPUNIT_ASSERT(mismatch.verifyMessageIntegrity(c.key) == stun::IntegrityResult::Ok);

    Harness h2;
    Socket client2(SOCK_DGRAM);
    Client c2;
    auto challenge = parse(h2.transact(client2.fd, c2.request(Method::Allocate, addUdpTransport, false)));
    c2.nonce = test::text(challenge.find(attr::Nonce)->value);
    auto request = c2.request(Method::Allocate, addUdpTransport, true, tid);
    auto a = h2.transact(client2.fd, request);
    auto b = h2.transact(client2.fd, request);
    CPPUNIT_ASSERT(a == b);
    CPPUNIT_ASSERT_EQUAL(size_t(1), h2.worker->allocationCount());
  }

  void wrongPasswordIs401()
  {
    Harness h;
    Socket client(SOCK_DGRAM);
    Client c;
    auto challenge = parse(h.transact(client.fd, c.request(Method::Allocate, addUdpTransport, false)));
    c.nonce = test::text(challenge.find(attr::Nonce)->value);
    c.key = auth::deriveKey(auth::PasswordAlgorithm::Md5, c.username, Realm, "not-the-password");
    auto m = parse(h.transact(client.fd, c.request(Method::Allocate, addUdpTransport)));
    CPPUNIT_ASSERT_EQUAL(uint16_t(401), errorCode(m));
    CPPUNIT_ASSERT(!m.hasMessageIntegrity());
    CPPUNIT_ASSERT_EQUAL(size_t(0), h.worker->allocationCount());
    // Expired REST credential.
    Client old("1000:alice");
    old.nonce = c.nonce;
    CPPUNIT_ASSERT_EQUAL(uint16_t(401), errorCode(parse(h.transact(client.fd, old.request(Method::Allocate, addUdpTransport)))));
  }

  void sendAndDataIndications()
  {
    Harness h([](TurnRuntime& r) {
      policy::RelayPolicy::Settings s;
      s.allowLoopback = true;
      r.policy = std::make_shared<policy::RelayPolicy>(s);
    });
    Socket client(SOCK_DGRAM);
    Socket peer(SOCK_DGRAM);
    Client c;
    SocketAddress relayed = allocate(h, c, client.fd);

    // Without a permission a Send indication is dropped.
    auto sendIndication = [&](const char* payload) {
      std::vector<uint8_t> buffer(512);
      auto tid = newTid();
      MessageBuilder b(buffer, Method::Send, MessageClass::Indication, tid);
      b.addXorAddress(attr::XorPeerAddress, peer.local);
      b.addData({reinterpret_cast<const uint8_t*>(payload), std::strlen(payload)});
      h.send(client.fd, b.bytes(), h.udpAddress);
    };
    sendIndication("early");
    CPPUNIT_ASSERT(!h.receive(peer.fd, 0.2).has_value());

    auto ok = parse(h.transact(client.fd, c.request(Method::CreatePermission, [&](MessageBuilder& b) { addPeer(b, peer.local); })));
    CPPUNIT_ASSERT(ok.is(Method::CreatePermission, MessageClass::SuccessResponse));
    CPPUNIT_ASSERT(ok.verifyMessageIntegrity(c.key) == stun::IntegrityResult::Ok);

    sendIndication("hello peer");
    auto atPeer = h.receive(peer.fd);
    CPPUNIT_ASSERT(atPeer.has_value());
    CPPUNIT_ASSERT_EQUAL(std::string("hello peer"), test::text(atPeer->data));
    CPPUNIT_ASSERT(atPeer->from == relayed);

    const char reply[] = "hi client!";
    h.send(peer.fd, {reinterpret_cast<const uint8_t*>(reply), sizeof(reply) - 1}, relayed);
    auto atClient = h.receive(client.fd);
    CPPUNIT_ASSERT(atClient.has_value());
    auto data = parse(atClient->data);
    CPPUNIT_ASSERT(data.is(Method::Data, MessageClass::Indication));
    CPPUNIT_ASSERT(*stun::decodeXorAddress(data.find(attr::XorPeerAddress)->value, data.transactionId()) == peer.local);
    CPPUNIT_ASSERT_EQUAL(std::string(reply), test::text(data.find(attr::Data)->value));

    // A peer without permission cannot reach the client.
    Socket stranger(SOCK_DGRAM);
    // (same IP 127.0.0.1 has a permission: permissions are per IP, so this one passes)
    h.send(stranger.fd, {reinterpret_cast<const uint8_t*>(reply), 3}, relayed);
    CPPUNIT_ASSERT(h.receive(client.fd).has_value());
  }

  void channelDataBothWays()
  {
    Harness h([](TurnRuntime& r) {
      policy::RelayPolicy::Settings s;
      s.allowLoopback = true;
      r.policy = std::make_shared<policy::RelayPolicy>(s);
    });
    Socket client(SOCK_DGRAM);
    Socket peer(SOCK_DGRAM);
    Client c;
    SocketAddress relayed = allocate(h, c, client.fd);
    auto bind = [&](uint16_t channel, const SocketAddress& to) {
      return parse(h.transact(client.fd, c.request(Method::ChannelBind, [&](MessageBuilder& b) {
        b.addChannelNumber(channel);
        addPeer(b, to);
      })));
    };
    auto ok = bind(0x7FFF, peer.local);
    CPPUNIT_ASSERT(ok.is(Method::ChannelBind, MessageClass::SuccessResponse));
    CPPUNIT_ASSERT(ok.verifyMessageIntegrity(c.key) == stun::IntegrityResult::Ok);
    // Same pair again = refresh; conflicting pairs = 400.
    CPPUNIT_ASSERT(bind(0x7FFF, peer.local).is(Method::ChannelBind, MessageClass::SuccessResponse));
    CPPUNIT_ASSERT_EQUAL(uint16_t(400), errorCode(bind(0x4000, peer.local)));

    std::vector<uint8_t> frame(64);
    const char payload[] = "media";
    size_t n = stun::writeChannelData(frame, 0x7FFF, {reinterpret_cast<const uint8_t*>(payload), 5}, false);
    h.send(client.fd, {frame.data(), n}, h.udpAddress);
    auto atPeer = h.receive(peer.fd);
    CPPUNIT_ASSERT(atPeer.has_value());
    CPPUNIT_ASSERT_EQUAL(std::string("media"), test::text(atPeer->data));
    CPPUNIT_ASSERT(atPeer->from == relayed);

    h.send(peer.fd, {reinterpret_cast<const uint8_t*>("back"), 4}, relayed);
    auto atClient = h.receive(client.fd);
    CPPUNIT_ASSERT(atClient.has_value());
    auto cd = stun::parseChannelData(atClient->data);
    CPPUNIT_ASSERT(cd.has_value());
    CPPUNIT_ASSERT_EQUAL(uint16_t(0x7FFF), cd->channel);
    CPPUNIT_ASSERT_EQUAL(std::string("back"), test::text(cd->payload));
    CPPUNIT_ASSERT_EQUAL(size_t(8), atClient->data.size()); // UDP: no padding

    // Unknown channel: dropped.
    n = stun::writeChannelData(frame, 0x4444, {reinterpret_cast<const uint8_t*>(payload), 5}, false);
    h.send(client.fd, {frame.data(), n}, h.udpAddress);
    CPPUNIT_ASSERT(!h.receive(peer.fd, 0.2).has_value());
  }

  void loopbackPeerIsForbiddenByDefault()
  {
    Harness h;
    Socket client(SOCK_DGRAM);
    Client c;
    allocate(h, c, client.fd);
    for (const char* peer : {"127.0.0.1:9999", "10.1.2.3:5000", "169.254.169.254:80", "0.0.0.0:80", "224.0.0.1:5000"}) {
      auto m = parse(h.transact(client.fd, c.request(Method::CreatePermission, [&](MessageBuilder& b) { addPeer(b, test::addr(peer)); })));
      CPPUNIT_ASSERT_EQUAL_MESSAGE(peer, uint16_t(403), errorCode(m));
      CPPUNIT_ASSERT(m.verifyMessageIntegrity(c.key) == stun::IntegrityResult::Ok);
    }
    // All-or-nothing: one bad address refuses the whole request.
    auto m = parse(h.transact(client.fd, c.request(Method::CreatePermission, [&](MessageBuilder& b) {
      addPeer(b, test::addr("198.51.100.1:1"));
      addPeer(b, test::addr("127.0.0.1:1"));
    })));
    CPPUNIT_ASSERT_EQUAL(uint16_t(403), errorCode(m));
    // IPv6 peer on an IPv4 relay: 443.
    m = parse(h.transact(client.fd, c.request(Method::CreatePermission, [&](MessageBuilder& b) { addPeer(b, test::addr("[2a00:1450::1]:1")); })));
    CPPUNIT_ASSERT_EQUAL(uint16_t(443), errorCode(m));
    // A public IPv4 peer is fine.
    m = parse(h.transact(client.fd, c.request(Method::CreatePermission, [&](MessageBuilder& b) { addPeer(b, test::addr("8.8.8.8:1")); })));
    CPPUNIT_ASSERT(m.is(Method::CreatePermission, MessageClass::SuccessResponse));
  }

  void relayToOwnRelayAddressIsAllowed()
  {
    Harness h; // loopback NOT allowed: relay-to-self must still work (uclient -y)
    Socket clientA(SOCK_DGRAM);
    Socket clientB(SOCK_DGRAM);
    Client a("4000000000:a");
    Client b("4000000000:b");
    SocketAddress relayA = allocate(h, a, clientA.fd);
    SocketAddress relayB = allocate(h, b, clientB.fd);
    CPPUNIT_ASSERT(parse(h.transact(clientA.fd, a.request(Method::ChannelBind, [&](MessageBuilder& m) {
                     m.addChannelNumber(0x4000);
                     addPeer(m, relayB);
                   }))).is(Method::ChannelBind, MessageClass::SuccessResponse));
    CPPUNIT_ASSERT(parse(h.transact(clientB.fd, b.request(Method::CreatePermission, [&](MessageBuilder& m) { addPeer(m, relayA); })))
                     .is(Method::CreatePermission, MessageClass::SuccessResponse));
    std::vector<uint8_t> frame(64);
    size_t n = stun::writeChannelData(frame, 0x4000, {reinterpret_cast<const uint8_t*>("x-y"), 3}, false);
    h.send(clientA.fd, {frame.data(), n}, h.udpAddress);
    auto atB = h.receive(clientB.fd);
    CPPUNIT_ASSERT(atB.has_value());
    auto data = parse(atB->data);
    CPPUNIT_ASSERT(data.is(Method::Data, MessageClass::Indication));
    CPPUNIT_ASSERT_EQUAL(std::string("x-y"), test::text(data.find(attr::Data)->value));
    CPPUNIT_ASSERT(*stun::decodeXorAddress(data.find(attr::XorPeerAddress)->value, data.transactionId()) == relayA);
  }

  void requestErrors()
  {
    Harness h;
    Socket client(SOCK_DGRAM);
    Client c;
    // No allocation yet: 437 for allocation-bound requests.
    auto challenge = parse(h.transact(client.fd, c.request(Method::Allocate, addUdpTransport, false)));
    c.nonce = test::text(challenge.find(attr::Nonce)->value);
    auto m = parse(h.transact(client.fd, c.request(Method::CreatePermission, [&](MessageBuilder& b) { addPeer(b, test::addr("8.8.8.8:1")); })));
    CPPUNIT_ASSERT_EQUAL(uint16_t(437), errorCode(m));
    // REQUESTED-TRANSPORT missing → 400, TCP → 442.
    CPPUNIT_ASSERT_EQUAL(uint16_t(400), errorCode(parse(h.transact(client.fd, c.request(Method::Allocate, {})))));
    CPPUNIT_ASSERT_EQUAL(uint16_t(442), errorCode(parse(h.transact(client.fd, c.request(Method::Allocate, [](MessageBuilder& b) {
                                         b.addRequestedTransport(stun::TransportTcp);
                                       })))));
    // RESERVATION-TOKEN with EVEN-PORT → 400; unknown token → 508.
    CPPUNIT_ASSERT_EQUAL(uint16_t(400), errorCode(parse(h.transact(client.fd, c.request(Method::Allocate, [](MessageBuilder& b) {
                                         addUdpTransport(b);
                                         b.addEvenPort(false);
                                         b.addReservationToken(42);
                                       })))));
    CPPUNIT_ASSERT_EQUAL(uint16_t(508), errorCode(parse(h.transact(client.fd, c.request(Method::Allocate, [](MessageBuilder& b) {
                                         addUdpTransport(b);
                                         b.addReservationToken(42);
                                       })))));
    // IPv6 relay requested but none configured → 440.
    CPPUNIT_ASSERT_EQUAL(uint16_t(440), errorCode(parse(h.transact(client.fd, c.request(Method::Allocate, [](MessageBuilder& b) {
                                         addUdpTransport(b);
                                         b.addAddressFamily(attr::RequestedAddressFamily, stun::FamilyIpv6);
                                       })))));
    // Unknown comprehension-required attribute → 420 listing it.
    m = parse(h.transact(client.fd, c.request(Method::Allocate, [](MessageBuilder& b) {
      addUdpTransport(b);
      b.add(0x7777, {});
    })));
    CPPUNIT_ASSERT_EQUAL(uint16_t(420), errorCode(m));
    uint16_t listed[4] = {};
    CPPUNIT_ASSERT_EQUAL(size_t(1), *stun::decodeUnknownAttributes(m.find(attr::UnknownAttributes)->value, listed));
    CPPUNIT_ASSERT_EQUAL(uint16_t(0x7777), listed[0]);
    // Unknown method → 400.
    std::vector<uint8_t> buffer(256);
    auto tid = newTid();
    MessageBuilder unknown(buffer, stun::messageType(0x0FF, MessageClass::Request), tid);
    CPPUNIT_ASSERT_EQUAL(uint16_t(400), errorCode(parse(h.transact(client.fd, unknown.bytes()))));

    allocate(h, c, client.fd);
    // Channel numbers outside 0x4000..0x7FFF → 400.
    m = parse(h.transact(client.fd, c.request(Method::ChannelBind, [](MessageBuilder& b) {
      b.addChannelNumber(0x3FFF);
      addPeer(b, test::addr("8.8.8.8:1"));
    })));
    CPPUNIT_ASSERT_EQUAL(uint16_t(400), errorCode(m));
    // Another user on this allocation → 441.
    Client other("4000000000:mallory");
    other.nonce = c.nonce;
    m = parse(h.transact(client.fd, other.request(Method::Refresh, {})));
    CPPUNIT_ASSERT_EQUAL(uint16_t(441), errorCode(m));
    CPPUNIT_ASSERT(m.verifyMessageIntegrity(other.key) == stun::IntegrityResult::Ok);
  }

  void refreshDeletes()
  {
    Harness h;
    Socket client(SOCK_DGRAM);
    Client c;
    allocate(h, c, client.fd);
    auto m = parse(h.transact(client.fd, c.request(Method::Refresh, [](MessageBuilder& b) { b.addLifetime(99999); })));
    CPPUNIT_ASSERT_EQUAL(uint32_t(3600), *stun::decodeLifetime(m.find(attr::Lifetime)->value));
    m = parse(h.transact(client.fd, c.request(Method::Refresh, [](MessageBuilder& b) { b.addLifetime(0); })));
    CPPUNIT_ASSERT(m.is(Method::Refresh, MessageClass::SuccessResponse));
    CPPUNIT_ASSERT_EQUAL(uint32_t(0), *stun::decodeLifetime(m.find(attr::Lifetime)->value));
    CPPUNIT_ASSERT_EQUAL(size_t(0), h.worker->allocationCount());
    CPPUNIT_ASSERT_EQUAL(size_t(0), h.ports[0]->inUse());
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), h.quotas.total());
    m = parse(h.transact(client.fd, c.request(Method::Refresh, [](MessageBuilder& b) { b.addLifetime(0); })));
    CPPUNIT_ASSERT_EQUAL(uint16_t(437), errorCode(m));
  }

  void userQuota()
  {
    Harness h([](TurnRuntime& r) { r.userQuota = 1; });
    Socket one(SOCK_DGRAM);
    Socket two(SOCK_DGRAM);
    Client c;
    allocate(h, c, one.fd);
    auto m = parse(h.transact(two.fd, c.request(Method::Allocate, addUdpTransport)));
    // The nonce is bound to the first client's address: a fresh exchange first.
    if (errorCode(m) == 438) {
      c.nonce = test::text(m.find(attr::Nonce)->value);
      m = parse(h.transact(two.fd, c.request(Method::Allocate, addUdpTransport)));
    }
    CPPUNIT_ASSERT_EQUAL(uint16_t(486), errorCode(m));
    // Another user is not affected.
    Client d("4000000000:dave");
    allocate(h, d, two.fd);
  }

  void evenPortReservation()
  {
    Harness h;
    Socket one(SOCK_DGRAM);
    Socket two(SOCK_DGRAM);
    Client c;
    auto challenge = parse(h.transact(one.fd, c.request(Method::Allocate, addUdpTransport, false)));
    c.nonce = test::text(challenge.find(attr::Nonce)->value);
    auto m = parse(h.transact(one.fd, c.request(Method::Allocate, [](MessageBuilder& b) {
      addUdpTransport(b);
      b.addEvenPort(true);
    })));
    CPPUNIT_ASSERT(m.is(Method::Allocate, MessageClass::SuccessResponse));
    auto relayed = *stun::decodeXorAddress(m.find(attr::XorRelayedAddress)->value, m.transactionId());
    CPPUNIT_ASSERT_EQUAL(0, relayed.port() % 2);
    auto token = stun::decodeReservationToken(m.find(attr::ReservationToken)->value);
    CPPUNIT_ASSERT(token.has_value());
    CPPUNIT_ASSERT(h.ports[0]->busy(static_cast<uint16_t>(relayed.port() + 1)));

    challenge = parse(h.transact(two.fd, c.request(Method::Allocate, addUdpTransport, false)));
    c.nonce = test::text(challenge.find(attr::Nonce)->value);
    m = parse(h.transact(two.fd, c.request(Method::Allocate, [&](MessageBuilder& b) {
      addUdpTransport(b);
      b.addReservationToken(*token);
    })));
    CPPUNIT_ASSERT(m.is(Method::Allocate, MessageClass::SuccessResponse));
    auto second = *stun::decodeXorAddress(m.find(attr::XorRelayedAddress)->value, m.transactionId());
    CPPUNIT_ASSERT_EQUAL(relayed.port() + 1, static_cast<int>(second.port()));
  }

  // Spec §2.2 step 9: the reserved odd port must really be held. Another process holds
  // the odd port of three of the four pairs: the allocation must land on the fourth pair,
  // port+1 must be bound by talk-turn (we cannot bind it), and the token must work.
  void evenPortSkipsPairsWhoseOddPortIsTaken()
  {
    // Find 8 ports where we can hold the odd ports of the first three pairs and the last
    // pair is free (other tests of this machine may use some).
    uint16_t base = 0;
    std::vector<UniqueFd> others;
    for (uint16_t candidate = 42000; candidate < 43000 && base == 0; candidate += 8) {
      others.clear();
      for (uint16_t odd = candidate + 1; odd <= candidate + 5; odd += 2) {
        if (auto fd = bindLoopbackPort(odd)) {
          others.push_back(std::move(*fd));
        }
      }
      if (others.size() == 3 && bindLoopbackPort(candidate) && bindLoopbackPort(candidate + 6) && bindLoopbackPort(candidate + 7)) {
        base = candidate;
      }
    }
    CPPUNIT_ASSERT(base != 0);
    Harness h(
      [](TurnRuntime& r) {
        policy::RelayPolicy::Settings s;
        s.allowLoopback = true;
        r.policy = std::make_shared<policy::RelayPolicy>(s);
      },
      false, base, static_cast<uint16_t>(base + 7));
    Socket one(SOCK_DGRAM);
    Socket two(SOCK_DGRAM);
    Socket three(SOCK_DGRAM);
    Client c;
    auto evenPortAllocate = [&](int fd) {
      auto challenge = parse(h.transact(fd, c.request(Method::Allocate, addUdpTransport, false)));
      c.nonce = test::text(challenge.find(attr::Nonce)->value);
      return parse(h.transact(fd, c.request(Method::Allocate, [](MessageBuilder& b) {
        addUdpTransport(b);
        b.addEvenPort(true);
      })));
    };
    auto m = evenPortAllocate(one.fd);
    CPPUNIT_ASSERT(m.is(Method::Allocate, MessageClass::SuccessResponse));
    auto relayed = *stun::decodeXorAddress(m.find(attr::XorRelayedAddress)->value, m.transactionId());
    CPPUNIT_ASSERT_EQUAL(static_cast<int>(base + 6), static_cast<int>(relayed.port()));
    CPPUNIT_ASSERT(!bindLoopbackPort(base + 7).has_value()); // talk-turn holds it
    auto token = stun::decodeReservationToken(m.find(attr::ReservationToken)->value);
    CPPUNIT_ASSERT(token.has_value());
    // The ports that failed are not left marked busy.
    CPPUNIT_ASSERT_EQUAL(size_t(2), h.ports[0]->inUse());

    auto challenge = parse(h.transact(two.fd, c.request(Method::Allocate, addUdpTransport, false)));
    c.nonce = test::text(challenge.find(attr::Nonce)->value);
    m = parse(h.transact(two.fd, c.request(Method::Allocate, [&](MessageBuilder& b) {
      addUdpTransport(b);
      b.addReservationToken(*token);
    })));
    CPPUNIT_ASSERT(m.is(Method::Allocate, MessageClass::SuccessResponse));
    auto second = *stun::decodeXorAddress(m.find(attr::XorRelayedAddress)->value, m.transactionId());
    CPPUNIT_ASSERT_EQUAL(static_cast<int>(base + 7), static_cast<int>(second.port()));

    // The allocation made with the token relays on that socket: a peer datagram to it
    // reaches client two as a Data indication once the permission exists.
    Socket peer(SOCK_DGRAM);
    m = parse(h.transact(two.fd, c.request(Method::CreatePermission, [&](MessageBuilder& b) { addPeer(b, peer.local); })));
    CPPUNIT_ASSERT(m.is(Method::CreatePermission, MessageClass::SuccessResponse));
    const uint8_t payload[] = {1, 2, 3};
    h.send(peer.fd, payload, second);
    auto data = h.receive(two.fd);
    CPPUNIT_ASSERT(data.has_value());
    CPPUNIT_ASSERT(parse(data->data).is(Method::Data, MessageClass::Indication));

    // No pair left whose odd port is free: EVEN-PORT R=1 is unsatisfiable (508).
    m = evenPortAllocate(three.fd);
    CPPUNIT_ASSERT_EQUAL(uint16_t(508), errorCode(m));

    // The other process lets go of base+1: the next reservation takes (base, base+1) and
    // holds base+1 until the reservation expires, then closes it.
    others[0] = UniqueFd();
    m = evenPortAllocate(three.fd);
    CPPUNIT_ASSERT(m.is(Method::Allocate, MessageClass::SuccessResponse));
    relayed = *stun::decodeXorAddress(m.find(attr::XorRelayedAddress)->value, m.transactionId());
    CPPUNIT_ASSERT_EQUAL(static_cast<int>(base), static_cast<int>(relayed.port()));
    CPPUNIT_ASSERT(!bindLoopbackPort(base + 1).has_value());
    h.clock.advance(31);
    CPPUNIT_ASSERT_EQUAL(size_t(1), h.ports[0]->expireReservations(h.clock.monotonicMs()));
    CPPUNIT_ASSERT(bindLoopbackPort(base + 1).has_value());
  }

  // Every client's first request is challenged; many clients behind one address (one NAT,
  // uclient -m 100 on one host) must all get their 401 at once with the defaults.
  void challengesFromOneAddressAreNotThrottledByDefault()
  {
    Harness h;
    Socket client(SOCK_DGRAM);
    CPPUNIT_ASSERT_EQUAL(150, countChallenges(h, client.fd, 150));
  }

  // Reflection bound: a source gets at most burst answers at once, then `rate` per second.
  void challengesAreBoundedByBurstAndRate()
  {
    Harness h([](TurnRuntime& r) {
      r.rejectRate = 2;
      r.rejectBurst = 10;
    });
    Socket client(SOCK_DGRAM);
    const int first = countChallenges(h, client.fd, 40);
    // 10 at once plus at most the refill during the exchange (≈1-2 s at 2/s).
    CPPUNIT_ASSERT_MESSAGE(std::to_string(first), first >= 10 && first <= 15);
    ::usleep(1500 * 1000);
    const int later = countChallenges(h, client.fd, 20);
    CPPUNIT_ASSERT_MESSAGE(std::to_string(later), later >= 2 && later <= 10);
  }

  void tcpFramingPadsChannelData()
  {
    Harness h(
      [](TurnRuntime& r) {
        policy::RelayPolicy::Settings s;
        s.allowLoopback = true;
        r.policy = std::make_shared<policy::RelayPolicy>(s);
      },
      true);
    Socket tcp(SOCK_STREAM, &h.tcpAddress);
    Socket peer(SOCK_DGRAM);
    Client c;
    std::vector<uint8_t> stream;
    auto readFrame = [&]() -> std::vector<uint8_t> {
      for (int i = 0; i < 400; ++i) {
        auto f = stun::nextStreamFrame(stream);
        if (f.status == stun::FrameStatus::Complete) {
          std::vector<uint8_t> out(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(f.size));
          stream.erase(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(f.size));
          return out;
        }
        h.loop.runOnce(false);
        uint8_t buf[4096];
        pollfd p{tcp.fd, POLLIN, 0};
        if (::poll(&p, 1, 5) == 1) {
          ssize_t n = ::recv(tcp.fd, buf, sizeof(buf), 0);
          if (n > 0) {
            stream.insert(stream.end(), buf, buf + n);
          }
        }
      }
      CPPUNIT_FAIL("no frame on the TCP connection");
      return {};
    };
    auto write = [&](std::span<const uint8_t> bytes) {
      for (int i = 0; i < 100; ++i) {
        h.loop.runOnce(false);
        ssize_t n = ::send(tcp.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n == static_cast<ssize_t>(bytes.size())) {
          return;
        }
        ::poll(nullptr, 0, 5);
      }
      CPPUNIT_FAIL("cannot write to the TCP connection");
    };
    write(c.request(Method::Allocate, addUdpTransport, false));
    auto challenge = parse(readFrame());
    c.nonce = test::text(challenge.find(attr::Nonce)->value);
    write(c.request(Method::Allocate, addUdpTransport));
    auto ok = parse(readFrame());
    CPPUNIT_ASSERT(ok.is(Method::Allocate, MessageClass::SuccessResponse));
    auto relayed = *stun::decodeXorAddress(ok.find(attr::XorRelayedAddress)->value, ok.transactionId());
    write(c.request(Method::ChannelBind, [&](MessageBuilder& b) {
      b.addChannelNumber(0x4001);
      addPeer(b, peer.local);
    }));
    CPPUNIT_ASSERT(parse(readFrame()).is(Method::ChannelBind, MessageClass::SuccessResponse));

    // Client → server: padded ChannelData (5 bytes + 3 pad), then a second one right after.
    std::vector<uint8_t> frames(64);
    size_t n1 = stun::writeChannelData(frames, 0x4001, {reinterpret_cast<const uint8_t*>("abcde"), 5}, true);
    size_t n2 = stun::writeChannelData(std::span<uint8_t>(frames).subspan(n1), 0x4001, {reinterpret_cast<const uint8_t*>("fg"), 2}, true);
    CPPUNIT_ASSERT_EQUAL(size_t(12), n1);
    write({frames.data(), n1 + n2});
    auto first = h.receive(peer.fd);
    auto second = h.receive(peer.fd);
    CPPUNIT_ASSERT(first && second);
    CPPUNIT_ASSERT_EQUAL(std::string("abcde"), test::text(first->data));
    CPPUNIT_ASSERT_EQUAL(std::string("fg"), test::text(second->data));

    // Server → client over TCP: padded to a multiple of 4.
    h.send(peer.fd, {reinterpret_cast<const uint8_t*>("12345"), 5}, relayed);
    auto frame = readFrame();
    CPPUNIT_ASSERT_EQUAL(size_t(12), frame.size());
    auto cd = stun::parseChannelData(frame);
    CPPUNIT_ASSERT(cd.has_value());
    CPPUNIT_ASSERT_EQUAL(std::string("12345"), test::text(cd->payload));
    CPPUNIT_ASSERT_EQUAL(uint8_t(0), frame[9]);

    // Closing the connection ends the allocation.
    ::shutdown(tcp.fd, SHUT_RDWR);
    for (int i = 0; i < 200 && h.worker->allocationCount() != 0; ++i) {
      h.loop.runOnce(false);
      ::poll(nullptr, 0, 5);
    }
    CPPUNIT_ASSERT_EQUAL(size_t(0), h.worker->allocationCount());
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), h.quotas.total());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TurnWorkerTest);
