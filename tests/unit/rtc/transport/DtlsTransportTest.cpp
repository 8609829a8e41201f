// DtlsTransport: two transports handshake over an in-memory "network" (datagrams are
// queued and delivered from the test's pump, as a socket would); DTLS-SRTP keys agree;
// a wrong fingerprint is refused; application data and close_notify pass.
#include "rtc/transport/DtlsTransport.hpp"

#include "RunLoopUntil.hpp"
#include "rtc/transport/SrtpSession.hpp"
#include "rtc/transport/TransportLibraryScope.hpp"

#include <cppunit/extensions/HelperMacros.h>
#include <deque>
#include <string>
#include <vector>

using namespace talk;
using namespace talk::rtc;

namespace {

struct Endpoint : DtlsTransport::Listener
{
  std::deque<std::vector<uint8_t>> outbox;
  bool connected = false;
  bool failed = false;
  bool closed = false;
  std::string failure;
  SrtpKeys keys;
  std::vector<std::string> received;
  size_t largestDatagram = 0;

  void onDtlsSendPacket(DtlsTransport& /*dtls*/, std::span<const uint8_t> datagram) override
  {
    largestDatagram = std::max(largestDatagram, datagram.size());
    outbox.emplace_back(datagram.begin(), datagram.end());
  }
  void onDtlsConnected(DtlsTransport& /*dtls*/, const SrtpKeys& k) override
  {
    connected = true;
    keys = k;
  }
  void onDtlsApplicationData(DtlsTransport& /*dtls*/, std::span<const uint8_t> data) override
  {
    received.emplace_back(data.begin(), data.end());
  }
  void onDtlsClosed(DtlsTransport& /*dtls*/) override { closed = true; }
  void onDtlsFailed(DtlsTransport& /*dtls*/, const char* reason) override
  {
    failed = true;
    failure = reason;
  }
};

// Delivers queued datagrams until nothing moves; `dropFirst` loses that many datagrams
// (retransmission must recover them).
void pump(Endpoint& a, DtlsTransport& ta, Endpoint& b, DtlsTransport& tb, int dropFirst = 0)
{
  bool moved = true;
  while (moved) {
    moved = false;
    while (!a.outbox.empty()) {
      auto datagram = std::move(a.outbox.front());
      a.outbox.pop_front();
      moved = true;
      if (dropFirst > 0) {
        --dropFirst;
        continue;
      }
      tb.handlePacket(datagram);
    }
    while (!b.outbox.empty()) {
      auto datagram = std::move(b.outbox.front());
      b.outbox.pop_front();
      moved = true;
      ta.handlePacket(datagram);
    }
  }
}

}

class DtlsTransportTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(DtlsTransportTest);
  CPPUNIT_TEST(certificateFingerprint);
  CPPUNIT_TEST(clientToServer);
  CPPUNIT_TEST(serverStartedByClientHello);
  CPPUNIT_TEST(fingerprintAfterHandshake);
  CPPUNIT_TEST(wrongFingerprintRejected);
  CPPUNIT_TEST(lostFlightRetransmitted);
  CPPUNIT_TEST(applicationDataAndClose);
  CPPUNIT_TEST(setupAttributes);
  CPPUNIT_TEST_SUITE_END();

  TransportLibraryScope d_scope;
  std::unique_ptr<DtlsCertificate> d_certA = DtlsCertificate::generate();
  std::unique_ptr<DtlsCertificate> d_certB = DtlsCertificate::generate();

public:
  void certificateFingerprint()
  {
    const std::string& fp = d_certA->fingerprint();
    CPPUNIT_ASSERT_EQUAL(size_t(95), fp.size());
    for (size_t i = 0; i < fp.size(); ++i) {
      if (i % 3 == 2) {
        CPPUNIT_ASSERT_EQUAL(':', fp[i]);
      }
      else {
        CPPUNIT_ASSERT(std::isxdigit(static_cast<unsigned char>(fp[i])) && !std::islower(fp[i]));
      }
    }
    CPPUNIT_ASSERT(fp != d_certB->fingerprint());
  }

  void handshake(DtlsRole roleA, bool startB)
  {
    ev::EventLoop loop;
    Endpoint a, b;
    DtlsTransport ta(loop, *d_certA, &a);
    DtlsTransport tb(loop, *d_certB, &b);
    CPPUNIT_ASSERT(ta.setRemoteFingerprint("sha-256", d_certB->fingerprint()));
    // Lower case and the algorithm in capitals are accepted, as SDP allows.
    std::string lower = d_certA->fingerprint();
    for (auto& c : lower) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    CPPUNIT_ASSERT(tb.setRemoteFingerprint("SHA-256", lower));
    const DtlsRole roleB = roleA == DtlsRole::Client ? DtlsRole::Server : DtlsRole::Client;
    if (roleA == DtlsRole::Server || startB) {
      tb.start(roleB);
    }
    ta.start(roleA);
    if (roleA == DtlsRole::Server && !startB) {
      CPPUNIT_FAIL("unused combination");
    }
    pump(a, ta, b, tb);
    CPPUNIT_ASSERT_MESSAGE(a.failure + b.failure, a.connected && b.connected);
    CPPUNIT_ASSERT(ta.state() == DtlsTransport::State::Connected);
    CPPUNIT_ASSERT(tb.state() == DtlsTransport::State::Connected);
    // Both picked GCM (listed first, and both sides offer it); keys cross over.
    CPPUNIT_ASSERT(a.keys.profile == SrtpProfile::AeadAes128Gcm);
    CPPUNIT_ASSERT(b.keys.profile == SrtpProfile::AeadAes128Gcm);
    CPPUNIT_ASSERT(std::equal(a.keys.localKey().begin(), a.keys.localKey().end(), b.keys.remoteKey().begin()));
    CPPUNIT_ASSERT(std::equal(a.keys.remoteKey().begin(), a.keys.remoteKey().end(), b.keys.localKey().begin()));
    CPPUNIT_ASSERT(!std::equal(a.keys.localKey().begin(), a.keys.localKey().end(), a.keys.remoteKey().begin()));
    // The exported keys work as SRTP keys: A protects, B unprotects.
    SrtpSession out(SrtpSession::Direction::Outbound, a.keys.profile, a.keys.localKey());
    SrtpSession in(SrtpSession::Direction::Inbound, b.keys.profile, b.keys.remoteKey());
    std::vector<uint8_t> rtp(12 + 50 + SrtpSession::MaxOverhead, 0x5a);
    rtp[0] = 0x80;
    rtp[1] = 96;
    size_t length = 62;
    CPPUNIT_ASSERT(out.protectRtp(rtp, length));
    CPPUNIT_ASSERT(in.unprotectRtp(rtp.data(), length));
    CPPUNIT_ASSERT_EQUAL(size_t(62), length);
    // Records respect the MTU.
    CPPUNIT_ASSERT(a.largestDatagram <= DtlsTransport::DefaultMtu);
    CPPUNIT_ASSERT(b.largestDatagram <= DtlsTransport::DefaultMtu);
  }

  void clientToServer()
  {
    handshake(DtlsRole::Client, true);
    handshake(DtlsRole::Server, true);
  }

  void serverStartedByClientHello() { handshake(DtlsRole::Client, false); }

  void fingerprintAfterHandshake()
  {
    ev::EventLoop loop;
    Endpoint a, b;
    DtlsTransport ta(loop, *d_certA, &a);
    DtlsTransport tb(loop, *d_certB, &b);
    ta.setRemoteFingerprint("sha-256", d_certB->fingerprint());
    tb.start(DtlsRole::Server);
    ta.start(DtlsRole::Client);
    pump(a, ta, b, tb);
    CPPUNIT_ASSERT(a.connected);
    // B finished the handshake but has no fingerprint yet: no keys until it has one.
    CPPUNIT_ASSERT(!b.connected);
    CPPUNIT_ASSERT(tb.state() == DtlsTransport::State::Connecting);
    CPPUNIT_ASSERT(tb.setRemoteFingerprint("sha-256", d_certA->fingerprint()));
    CPPUNIT_ASSERT(b.connected);
  }

  void wrongFingerprintRejected()
  {
    for (DtlsRole roleA : {DtlsRole::Client, DtlsRole::Server}) {
      ev::EventLoop loop;
      Endpoint a, b;
      DtlsTransport ta(loop, *d_certA, &a);
      DtlsTransport tb(loop, *d_certB, &b);
      // A expects some other certificate than B's.
      auto other = DtlsCertificate::generate();
      ta.setRemoteFingerprint("sha-256", other->fingerprint());
      tb.setRemoteFingerprint("sha-256", d_certA->fingerprint());
      tb.start(roleA == DtlsRole::Client ? DtlsRole::Server : DtlsRole::Client);
      ta.start(roleA);
      pump(a, ta, b, tb);
      CPPUNIT_ASSERT(a.failed);
      CPPUNIT_ASSERT(!a.connected);
      CPPUNIT_ASSERT(ta.state() == DtlsTransport::State::Failed);
      CPPUNIT_ASSERT(!ta.send(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("x"), 1)));
    }
    // Bad fingerprint syntax and unknown algorithms are refused up front.
    ev::EventLoop loop;
    Endpoint a;
    DtlsTransport ta(loop, *d_certA, &a);
    CPPUNIT_ASSERT(!ta.setRemoteFingerprint("sha-1", "AB:CD"));
    CPPUNIT_ASSERT(!ta.setRemoteFingerprint("sha-256", "AB:CD"));
  }

  void lostFlightRetransmitted()
  {
    ev::EventLoop loop;
    Endpoint a, b;
    DtlsTransport ta(loop, *d_certA, &a);
    DtlsTransport tb(loop, *d_certB, &b);
    ta.setRemoteFingerprint("sha-256", d_certB->fingerprint());
    tb.setRemoteFingerprint("sha-256", d_certA->fingerprint());
    tb.start(DtlsRole::Server);
    ta.start(DtlsRole::Client);
    // The ClientHello is lost; A's retransmission timer (libev) sends it again.
    pump(a, ta, b, tb, 1);
    CPPUNIT_ASSERT(!a.connected && !b.connected);
    CPPUNIT_ASSERT(test::runLoopUntil(loop, [&] {
      pump(a, ta, b, tb);
      return a.connected && b.connected;
    }));
  }

  void applicationDataAndClose()
  {
    ev::EventLoop loop;
    Endpoint a, b;
    DtlsTransport ta(loop, *d_certA, &a);
    DtlsTransport tb(loop, *d_certB, &b);
    ta.setRemoteFingerprint("sha-256", d_certB->fingerprint());
    tb.setRemoteFingerprint("sha-256", d_certA->fingerprint());
    tb.start(DtlsRole::Server);
    ta.start(DtlsRole::Client);
    pump(a, ta, b, tb);
    const std::string hello = "hello over dtls";
    CPPUNIT_ASSERT(ta.send(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(hello.data()), hello.size())));
    CPPUNIT_ASSERT(tb.send(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("back"), 4)));
    pump(a, ta, b, tb);
    CPPUNIT_ASSERT_EQUAL(size_t(1), b.received.size());
    CPPUNIT_ASSERT_EQUAL(hello, b.received[0]);
    CPPUNIT_ASSERT_EQUAL(std::string("back"), a.received.at(0));
    // Garbage in the DTLS range is ignored by a connected transport.
    std::vector<uint8_t> junk(40, 23);
    tb.handlePacket(junk);
    CPPUNIT_ASSERT(tb.state() == DtlsTransport::State::Connected);
    ta.close();
    pump(a, ta, b, tb);
    CPPUNIT_ASSERT(b.closed);
    CPPUNIT_ASSERT(tb.state() == DtlsTransport::State::Closed);
    CPPUNIT_ASSERT(!b.failed);
  }

  void setupAttributes()
  {
    CPPUNIT_ASSERT(dtlsRoleFromRemoteSetup("active", DtlsRole::Client) == DtlsRole::Server);
    CPPUNIT_ASSERT(dtlsRoleFromRemoteSetup("passive", DtlsRole::Server) == DtlsRole::Client);
    CPPUNIT_ASSERT(dtlsRoleFromRemoteSetup("actpass", DtlsRole::Server) == DtlsRole::Server);
    CPPUNIT_ASSERT(!dtlsRoleFromRemoteSetup("holdconn", DtlsRole::Server));
    CPPUNIT_ASSERT_EQUAL(std::string("passive"), std::string(dtlsSetupForRole(DtlsRole::Server)));
    CPPUNIT_ASSERT_EQUAL(std::string("active"), std::string(dtlsSetupForRole(DtlsRole::Client)));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DtlsTransportTest);
