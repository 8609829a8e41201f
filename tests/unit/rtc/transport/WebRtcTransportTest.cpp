// Two WebRtcTransports connect to each other over real sockets on 127.0.0.1 through
// libnice (candidates are exchanged directly by the test), then DTLS, SRTP and a data
// channel run end to end. Everything runs on one libev loop via GlibContextBridge.
#include "rtc/transport/WebRtcTransport.hpp"

#include "RunLoopUntil.hpp"
#include "common/util/Error.hpp"
#include "rtc/transport/TransportLibraryScope.hpp"

#include <cppunit/extensions/HelperMacros.h>
#include <cstring>
#include <string>
#include <vector>

using namespace talk;
using namespace talk::rtc;

namespace {

struct Side : WebRtcTransport::Listener
{
  std::string name;
  WebRtcTransport* peer = nullptr; // receives our trickled candidates
  bool trickle = true;
  int connected = 0;
  int disconnected = 0;
  bool failed = false;
  std::string failure;
  bool gatheringDone = false;
  std::vector<std::string> candidates;
  std::vector<std::vector<uint8_t>> rtp;
  std::vector<std::vector<uint8_t>> rtcp;
  std::vector<std::pair<uint16_t, std::string>> opened;
  std::vector<std::string> messages;
  std::vector<uint16_t> closedChannels;

  explicit Side(std::string n) :
    name(std::move(n)) {}

  void onLocalCandidate(WebRtcTransport& /*t*/, const std::string& candidate) override
  {
    candidates.push_back(candidate);
    if (peer != nullptr && trickle) {
      CPPUNIT_ASSERT(peer->addRemoteCandidate(candidate));
    }
  }
  void onGatheringDone(WebRtcTransport& /*t*/) override
  {
    gatheringDone = true;
    if (peer != nullptr && trickle) {
      peer->remoteGatheringDone();
    }
  }
  void onConnected(WebRtcTransport& /*t*/) override { ++connected; }
  void onDisconnected(WebRtcTransport& /*t*/) override { ++disconnected; }
  void onFailed(WebRtcTransport& /*t*/, const char* reason) override
  {
    failed = true;
    failure = reason;
  }
  void onRtp(WebRtcTransport& /*t*/, std::span<uint8_t> packet) override { rtp.emplace_back(packet.begin(), packet.end()); }
  void onRtcp(WebRtcTransport& /*t*/, std::span<uint8_t> packet) override
  {
    rtcp.emplace_back(packet.begin(), packet.end());
  }
  void onDataChannelOpen(WebRtcTransport& /*t*/, uint16_t streamId, const std::string& label) override
  {
    opened.emplace_back(streamId, label);
  }
  void onDataChannelMessage(WebRtcTransport& /*t*/, uint16_t /*streamId*/, std::span<const uint8_t> message,
                            bool /*binary*/) override
  {
    messages.emplace_back(message.begin(), message.end());
  }
  void onDataChannelClosed(WebRtcTransport& /*t*/, uint16_t streamId) override { closedChannels.push_back(streamId); }
};

std::vector<uint8_t> rtpPacket(uint16_t seq, size_t payload, size_t headroom)
{
  std::vector<uint8_t> packet(12 + payload + headroom, 0);
  packet[0] = 0x80;
  packet[1] = 111;
  packet[2] = static_cast<uint8_t>(seq >> 8);
  packet[3] = static_cast<uint8_t>(seq);
  packet[8] = 0xde;
  packet[9] = 0xad;
  packet[10] = 0xbe;
  packet[11] = 0xef;
  for (size_t i = 0; i < payload; ++i) {
    packet[12 + i] = static_cast<uint8_t>(i ^ seq);
  }
  return packet;
}

}

class WebRtcTransportTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(WebRtcTransportTest);
  CPPUNIT_TEST(fullToFullOverUdp);
  CPPUNIT_TEST(fullToLiteOverUdp);
  CPPUNIT_TEST(iceTcpPassive);
  CPPUNIT_TEST(natOneToOneAddressSignalled);
  CPPUNIT_TEST(wrongFingerprintFails);
  CPPUNIT_TEST(peerCloseReported);
  CPPUNIT_TEST(iceRestartKeepsMedia);
  CPPUNIT_TEST(vanishedPeerFailsByConsent);
  CPPUNIT_TEST(liteSideNoticesSilentPeer);
  CPPUNIT_TEST_SUITE_END();

  TransportLibraryScope d_scope;
  std::unique_ptr<DtlsCertificate> d_certA = DtlsCertificate::generate();
  std::unique_ptr<DtlsCertificate> d_certB = DtlsCertificate::generate();

  struct Call
  {
    ev::EventLoop loop;
    ev::GlibContextBridge bridge{loop};
    Side a{"a"};
    Side b{"b"};
    std::unique_ptr<WebRtcTransport> ta;
    std::unique_ptr<WebRtcTransport> tb;

    Call(const DtlsCertificate& certA, const DtlsCertificate& certB, bool lite, bool tcp, bool dataChannels,
         double inactivityTimeout = 30.0)
    {
      WebRtcTransportConfig ca;
      ca.ice.controlling = true;
      ca.ice.bindAddresses = {"127.0.0.1"};
      ca.ice.udp = !tcp;
      ca.ice.tcp = tcp;
      ca.dataChannels = dataChannels;
      WebRtcTransportConfig cb = ca;
      cb.inactivityTimeout = inactivityTimeout; // only B's silence check is under test
      cb.ice.controlling = false;
      cb.ice.lite = lite;
      ta = std::make_unique<WebRtcTransport>(bridge, certA, ca, &a);
      tb = std::make_unique<WebRtcTransport>(bridge, certB, cb, &b);
      a.peer = tb.get();
      b.peer = ta.get();
    }

    ~Call()
    {
      ta.reset();
      tb.reset();
      // Let libnice finish closing the agents on the context before it goes away.
      for (int i = 0; i < 5; ++i) {
        loop.runOnce(false);
      }
    }

    RemoteParameters remoteOf(const WebRtcTransport& t, DtlsRole localRole)
    {
      RemoteParameters remote;
      remote.ice = t.localCredentials();
      remote.fingerprint = t.fingerprint();
      remote.localRole = localRole;
      return remote;
    }

    // A offers actpass, B answers active (B = DTLS client): the browser-publisher shape.
    void negotiate()
    {
      ta->gatherCandidates();
      tb->gatherCandidates();
      CPPUNIT_ASSERT(ta->setRemoteParameters(remoteOf(*tb, DtlsRole::Server)));
      CPPUNIT_ASSERT(tb->setRemoteParameters(remoteOf(*ta, DtlsRole::Client)));
    }

    bool run(const std::function<bool()>& done) { return test::runLoopUntil(loop, done, 30.0); }
  };

  void exchangeMedia(Call& call)
  {
    CPPUNIT_ASSERT_MESSAGE(call.a.failure + call.b.failure,
                           call.run([&] { return call.a.connected == 1 && call.b.connected == 1; }));
    CPPUNIT_ASSERT(call.ta->state() == WebRtcTransport::State::Connected);
    CPPUNIT_ASSERT(call.tb->state() == WebRtcTransport::State::Connected);
    // The DTLS server (A) picked GCM, which both offer.
    CPPUNIT_ASSERT(call.ta->srtpProfile() == SrtpProfile::AeadAes128Gcm);
    CPPUNIT_ASSERT(call.tb->srtpProfile() == SrtpProfile::AeadAes128Gcm);

    // RTP A → B, protected in place in our buffer, decrypted in place on arrival.
    for (uint16_t seq = 1; seq <= 20; ++seq) {
      auto packet = rtpPacket(seq, 1000, WebRtcTransport::SendOverhead);
      CPPUNIT_ASSERT(call.ta->sendRtp(packet, 1012));
    }
    CPPUNIT_ASSERT(call.run([&] { return call.b.rtp.size() == 20; }));
    for (uint16_t seq = 1; seq <= 20; ++seq) {
      const auto expected = rtpPacket(seq, 1000, 0);
      CPPUNIT_ASSERT(call.b.rtp[seq - 1] == expected);
    }
    // RTCP B → A (a receiver report).
    std::vector<uint8_t> rr(32 + WebRtcTransport::SendOverhead, 0);
    rr[0] = 0x81;
    rr[1] = 201;
    rr[3] = 7;
    rr[4] = 0x01;
    std::vector<uint8_t> plain(rr.begin(), rr.begin() + 32);
    CPPUNIT_ASSERT(call.tb->sendRtcp(rr, 32));
    CPPUNIT_ASSERT(call.run([&] { return call.a.rtcp.size() == 1; }));
    CPPUNIT_ASSERT(call.a.rtcp[0] == plain);
    CPPUNIT_ASSERT_EQUAL(uint64_t(20), call.tb->stats().rtpReceived);
    CPPUNIT_ASSERT_EQUAL(uint64_t(20), call.ta->stats().rtpSent);
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), call.tb->stats().unprotectFailures);
    // A batch: protected in place, one libnice call (sendmmsg) per 64 packets.
    std::vector<std::vector<uint8_t>> storage;
    std::vector<WebRtcTransport::OutgoingPacket> batch;
    for (uint16_t seq = 21; seq <= 50; ++seq) {
      storage.push_back(rtpPacket(seq, 300, WebRtcTransport::SendOverhead));
    }
    for (auto& packet : storage) {
      batch.push_back({packet, 312});
    }
    CPPUNIT_ASSERT_EQUAL(size_t(30), call.ta->sendRtpBatch(batch));
    CPPUNIT_ASSERT(call.run([&] { return call.b.rtp.size() == 50; }));
    CPPUNIT_ASSERT(call.b.rtp[49] == rtpPacket(50, 300, 0));
    // Too little headroom is refused, not overflowed.
    auto tight = rtpPacket(99, 100, 4);
    CPPUNIT_ASSERT(!call.ta->sendRtp(tight, 112));
  }

  void exchangeData(Call& call)
  {
    // The SFU's subscriber side opens "status"; the peer sees it and both talk.
    std::optional<uint16_t> id;
    CPPUNIT_ASSERT(call.run([&] {
      if (!id) {
        id = call.ta->openDataChannel("status");
      }
      return id.has_value();
    }));
    CPPUNIT_ASSERT(call.run([&] { return call.b.opened.size() == 1 && call.a.opened.size() == 1; }));
    CPPUNIT_ASSERT_EQUAL(std::string("status"), call.b.opened[0].second);
    CPPUNIT_ASSERT(call.tb->dataChannelByLabel("status") == id);
    const std::string speaking = R"({"type":"speaking","payload":{"sessionId":"x"}})";
    CPPUNIT_ASSERT(call.ta->sendData(*id, speaking));
    CPPUNIT_ASSERT(call.run([&] { return call.b.messages.size() == 1; }));
    CPPUNIT_ASSERT_EQUAL(speaking, call.b.messages[0]);
    CPPUNIT_ASSERT(call.tb->sendData(*id, "stoppedSpeaking"));
    CPPUNIT_ASSERT(call.run([&] { return call.a.messages.size() == 1; }));
    CPPUNIT_ASSERT_EQUAL(std::string("stoppedSpeaking"), call.a.messages[0]);
  }

public:
  void fullToFullOverUdp()
  {
    Call call(*d_certA, *d_certB, false, false, true);
    call.negotiate();
    exchangeMedia(call);
    exchangeData(call);
    CPPUNIT_ASSERT(call.a.gatheringDone && call.b.gatheringDone);
    CPPUNIT_ASSERT(!call.a.candidates.empty());
    CPPUNIT_ASSERT(call.a.candidates[0].find("127.0.0.1") != std::string::npos);
    CPPUNIT_ASSERT(call.a.candidates[0].find("UDP") != std::string::npos);
    CPPUNIT_ASSERT(call.ta->selectedPairDescription().find("127.0.0.1") != std::string::npos);
  }

  void fullToLiteOverUdp()
  {
    Call call(*d_certA, *d_certB, true, false, true);
    CPPUNIT_ASSERT(call.tb->iceLite());
    call.negotiate();
    exchangeMedia(call);
    exchangeData(call);
  }

  void iceTcpPassive()
  {
    Call call(*d_certA, *d_certB, false, true, false);
    call.negotiate();
    exchangeMedia(call);
    // Only passive TCP candidates are signalled.
    CPPUNIT_ASSERT(!call.b.candidates.empty());
    for (const auto& c : call.b.candidates) {
      CPPUNIT_ASSERT_MESSAGE(c, c.find("TCP") != std::string::npos && c.find("tcptype passive") != std::string::npos);
    }
    CPPUNIT_ASSERT(call.ta->selectedPairDescription().find("tcp") != std::string::npos);
  }

  void natOneToOneAddressSignalled()
  {
    ev::EventLoop loop;
    ev::GlibContextBridge bridge(loop);
    Side side("nat");
    WebRtcTransportConfig config;
    config.ice.bindAddresses = {"127.0.0.1"};
    config.ice.publicAddress = "203.0.113.7";
    WebRtcTransport t(bridge, *d_certA, config, &side);
    t.gatherCandidates();
    CPPUNIT_ASSERT(test::runLoopUntil(loop, [&] { return side.gatheringDone; }));
    CPPUNIT_ASSERT(!side.candidates.empty());
    for (const auto& c : side.candidates) {
      CPPUNIT_ASSERT_MESSAGE(c, c.find(" 203.0.113.7 ") != std::string::npos);
      CPPUNIT_ASSERT_MESSAGE(c, c.find("127.0.0.1") == std::string::npos);
    }
    CPPUNIT_ASSERT(t.localCandidates() == side.candidates);
    // Bad configured addresses are refused at construction.
    WebRtcTransportConfig bad;
    bad.ice.publicAddress = "not-an-ip";
    CPPUNIT_ASSERT_THROW(std::make_unique<WebRtcTransport>(bridge, *d_certA, bad, &side), talk::Error);
  }

  void wrongFingerprintFails()
  {
    Call call(*d_certA, *d_certB, false, false, false);
    call.ta->gatherCandidates();
    call.tb->gatherCandidates();
    RemoteParameters forA = call.remoteOf(*call.tb, DtlsRole::Server);
    forA.fingerprint = d_certA->fingerprint(); // not B's
    CPPUNIT_ASSERT(call.ta->setRemoteParameters(forA));
    CPPUNIT_ASSERT(call.tb->setRemoteParameters(call.remoteOf(*call.ta, DtlsRole::Client)));
    CPPUNIT_ASSERT(call.run([&] { return call.a.failed; }));
    CPPUNIT_ASSERT_EQUAL(0, call.a.connected);
    CPPUNIT_ASSERT(call.ta->state() == WebRtcTransport::State::Failed);
    auto packet = rtpPacket(1, 10, WebRtcTransport::SendOverhead);
    CPPUNIT_ASSERT(!call.ta->sendRtp(packet, 22));
    // A changed fingerprint on a live transport is refused too.
    RemoteParameters other = call.remoteOf(*call.ta, DtlsRole::Client);
    other.fingerprint = d_certB->fingerprint();
    CPPUNIT_ASSERT(!call.tb->setRemoteParameters(other));
  }

  void peerCloseReported()
  {
    Call call(*d_certA, *d_certB, false, false, false);
    call.negotiate();
    CPPUNIT_ASSERT(call.run([&] { return call.a.connected == 1 && call.b.connected == 1; }));
    call.ta->close();
    CPPUNIT_ASSERT(call.run([&] { return call.b.failed; }));
    CPPUNIT_ASSERT_EQUAL(std::string("DTLS closed by the peer"), call.b.failure);
    CPPUNIT_ASSERT(!call.a.failed); // close() reports nothing to its own listener
  }

  // RFC 7675: the peer disappears without a word (process killed, NAT binding gone); consent
  // checks go unanswered and the transport reports Failed instead of staying "connected".
  void vanishedPeerFailsByConsent()
  {
    Call call(*d_certA, *d_certB, false, false, false);
    call.negotiate();
    CPPUNIT_ASSERT(call.run([&] { return call.a.connected == 1 && call.b.connected == 1; }));
    call.tb.reset();
    const double start = call.loop.now();
    CPPUNIT_ASSERT(test::runLoopUntil(
        call.loop, [&] { return call.a.failed; }, 90.0));
    std::printf(" (failed after %.1f s: %s) ", call.loop.now() - start, call.a.failure.c_str());
  }

  // A lite agent sends no consent checks; the inactivity timeout is what fails it when the
  // peer goes silent (here: the full side is destroyed, so nothing arrives any more).
  void liteSideNoticesSilentPeer()
  {
    Call call(*d_certA, *d_certB, true, false, false, 2.0);
    call.negotiate();
    CPPUNIT_ASSERT(call.run([&] { return call.a.connected == 1 && call.b.connected == 1; }));
    // While packets flow it stays up (RTP each 0.2 s for longer than the timeout).
    double until = call.loop.now() + 3.0;
    uint16_t seq = 1;
    struct Tick : ev::Timer::Listener
    {
      bool fired = false;
      void onTimer(ev::Timer& /*t*/) override { fired = true; }
    } tick;
    ev::Timer pace(call.loop, &tick);
    while (call.loop.now() < until) {
      auto packet = rtpPacket(seq++, 100, WebRtcTransport::SendOverhead);
      CPPUNIT_ASSERT(call.ta->sendRtp(packet, 112));
      tick.fired = false;
      pace.start(0.2);
      CPPUNIT_ASSERT(test::runLoopUntil(call.loop, [&] { return tick.fired; }));
    }
    CPPUNIT_ASSERT(!call.b.failed);
    CPPUNIT_ASSERT(call.run([&] { return call.b.rtp.size() == seq - 1u; }));
    call.ta.reset();
    CPPUNIT_ASSERT(call.run([&] { return call.b.failed; }));
    CPPUNIT_ASSERT(call.b.failure.find("inactivity") != std::string::npos);
  }

  void iceRestartKeepsMedia()
  {
    Call call(*d_certA, *d_certB, false, false, false);
    call.negotiate();
    CPPUNIT_ASSERT(call.run([&] { return call.a.connected == 1 && call.b.connected == 1; }));
    // A restarts: new credentials go to B, B restarts too and answers with new ones.
    const IceCredentials oldA = call.ta->localCredentials();
    const IceCredentials oldB = call.tb->localCredentials();
    call.ta->restartIce();
    CPPUNIT_ASSERT(call.ta->localCredentials().ufrag != oldA.ufrag);
    CPPUNIT_ASSERT(call.tb->setRemoteParameters(call.remoteOf(*call.ta, DtlsRole::Client)));
    CPPUNIT_ASSERT(call.tb->localCredentials().ufrag != oldB.ufrag);
    CPPUNIT_ASSERT(call.ta->setRemoteParameters(call.remoteOf(*call.tb, DtlsRole::Server)));
    for (const auto& c : call.a.candidates) {
      call.tb->addRemoteCandidate(c);
    }
    for (const auto& c : call.b.candidates) {
      call.ta->addRemoteCandidate(c);
    }
    const size_t before = call.b.rtp.size();
    uint16_t seq = 100;
    CPPUNIT_ASSERT(call.run([&] {
      auto packet = rtpPacket(seq++, 200, WebRtcTransport::SendOverhead);
      call.ta->sendRtp(packet, 212);
      return call.b.rtp.size() > before && call.ta->iceState() == IceAgent::State::Connected;
    }));
    CPPUNIT_ASSERT(!call.a.failed && !call.b.failed);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(WebRtcTransportTest);
