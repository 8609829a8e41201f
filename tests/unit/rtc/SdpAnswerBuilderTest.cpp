#include "rtc/sdp/SdpAnswerBuilder.hpp"

#include "RtcTestData.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <algorithm>

using namespace talk::rtc;
using namespace talk::rtc::sdp;
using namespace talk::rtc::test;

namespace {

SessionDescription offer(const char* name)
{
  auto d = SessionDescription::parse(readText(name));
  CPPUNIT_ASSERT(d.has_value());
  return *d;
}

LocalTransport local()
{
  LocalTransport t;
  t.iceUfrag = "sfuU";
  t.icePwd = "sfupasswordsfupassword12";
  t.iceLite = true;
  t.fingerprint = Fingerprint{"sha-256", "AA:BB:CC"};
  t.setup = Setup::Passive;
  auto c = Candidate::parse("candidate:1 1 udp 2130706431 203.0.113.5 20000 typ host");
  t.candidates = {*c};
  t.sessionId = 4242;
  return t;
}

bool hasExtmap(const MediaDescription& m, RtpExtension e)
{
  return m.extmapId(rtpExtensionUri(e)).has_value();
}

// Reparses the serialized answer: what the browser gets must be what the model says.
SessionDescription reparsed(const SessionDescription& d)
{
  auto again = SessionDescription::parse(d.toString());
  CPPUNIT_ASSERT(again.has_value());
  CPPUNIT_ASSERT(*again == d);
  return *again;
}

}

class SdpAnswerBuilderTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(SdpAnswerBuilderTest);
  CPPUNIT_TEST(answersChromiumPublisher);
  CPPUNIT_TEST(answersSsrcSimulcast);
  CPPUNIT_TEST(answersRidSimulcast);
  CPPUNIT_TEST(answersFirefoxPublisher);
  CPPUNIT_TEST(codecPreferenceAndFmtpRequirements);
  CPPUNIT_TEST(rejectsMediaWithoutCodecInsteadOfFailing);
  CPPUNIT_TEST(refusesUnusableOffers);
  CPPUNIT_TEST(offersSubscriber);
  CPPUNIT_TEST(readsSubscriberAnswer);
  CPPUNIT_TEST(readsRealBrowserAnswers);
  CPPUNIT_TEST_SUITE_END();

public:
  void answersChromiumPublisher()
  {
    SdpAnswerBuilder b(Capabilities::defaults());
    std::string error;
    auto r = b.answerPublisher(offer("chromium-offer.sdp"), local(), &error);
    CPPUNIT_ASSERT_MESSAGE(error, r.has_value());
    SessionDescription a = reparsed(r->answer);
    CPPUNIT_ASSERT((a.bundle()->mids == std::vector<std::string>{"0", "1", "2"}));
    CPPUNIT_ASSERT(a.transport.iceLite);
    CPPUNIT_ASSERT_EQUAL(std::string("4242"), a.origin.sessionId);
    CPPUNIT_ASSERT_EQUAL(size_t{3}, a.media.size());
    for (const auto& m : a.media) {
      CPPUNIT_ASSERT_EQUAL(std::string("sfuU"), *m.transport.iceUfrag);
      CPPUNIT_ASSERT(m.transport.setup == Setup::Passive);
      CPPUNIT_ASSERT_EQUAL(size_t{1}, m.candidates.size());
      CPPUNIT_ASSERT(m.endOfCandidates);
      CPPUNIT_ASSERT_EQUAL(uint16_t{20000}, m.port);
    }
    const MediaDescription& audio = a.media[0];
    CPPUNIT_ASSERT(audio.direction == Direction::RecvOnly);
    CPPUNIT_ASSERT((audio.formats == std::vector<std::string>{"111"}));
    CPPUNIT_ASSERT_EQUAL(std::string("minptime=10;useinbandfec=1"), audio.fmtp(111)->parameters);
    CPPUNIT_ASSERT(audio.rtcpMux);
    CPPUNIT_ASSERT(hasExtmap(audio, RtpExtension::AudioLevel));
    CPPUNIT_ASSERT(hasExtmap(audio, RtpExtension::Mid));
    CPPUNIT_ASSERT(audio.msids.empty() && audio.ssrcs.empty());
    const MediaDescription& video = a.media[1];
    CPPUNIT_ASSERT((video.formats == std::vector<std::string>{"96", "97"})); // VP8 + its RTX
    CPPUNIT_ASSERT_EQUAL(std::string("apt=96"), video.fmtp(97)->parameters);
    CPPUNIT_ASSERT(!hasExtmap(video, RtpExtension::VideoOrientation)); // breaks Firefox rotation
    CPPUNIT_ASSERT(!hasExtmap(video, RtpExtension::TransmissionOffset));
    CPPUNIT_ASSERT(hasExtmap(video, RtpExtension::TransportWideCc));
    CPPUNIT_ASSERT_EQUAL(size_t{5}, video.rtcpFbs.size()); // remb, transport-cc, fir, nack, pli
    CPPUNIT_ASSERT(a.media[2].isDataChannel());
    CPPUNIT_ASSERT_EQUAL(uint16_t{5000}, *a.media[2].sctpPort);

    const auto& s = r->streams;
    CPPUNIT_ASSERT_EQUAL(size_t{3}, s.size());
    CPPUNIT_ASSERT(s[0].accepted && s[1].accepted && s[2].accepted);
    CPPUNIT_ASSERT_EQUAL(std::string("opus"), s[0].codec.encoding);
    CPPUNIT_ASSERT_EQUAL(uint8_t{97}, *s[1].rtxPayloadType);
    CPPUNIT_ASSERT_EQUAL(size_t{1}, s[1].ssrcs.size());
    CPPUNIT_ASSERT(s[1].rtxSsrcs[0] != 0);
    CPPUNIT_ASSERT(s[1].cname.has_value() && s[1].msid.has_value());
    CPPUNIT_ASSERT_EQUAL(uint8_t{3}, s[1].extensionMap.id(RtpExtension::TransportWideCc));
    CPPUNIT_ASSERT(s[1].rids.empty());
  }

  void answersSsrcSimulcast()
  {
    SessionDescription o = offer("chromium-offer-sim-munged.sdp");
    auto r = SdpAnswerBuilder(Capabilities::defaults()).answerPublisher(o, local());
    CPPUNIT_ASSERT(r.has_value());
    const NegotiatedStream& v = r->streams[1];
    CPPUNIT_ASSERT_EQUAL(size_t{3}, v.ssrcs.size());
    auto sim = std::find_if(o.media[1].ssrcGroups.begin(), o.media[1].ssrcGroups.end(),
                            [](const SsrcGroup& g) { return g.semantics == "SIM"; });
    CPPUNIT_ASSERT(v.ssrcs == sim->ssrcs); // layer order as the SIM group lists it
    for (size_t i = 0; i < 3; ++i) {
      CPPUNIT_ASSERT(v.rtxSsrcs[i] != 0 && v.rtxSsrcs[i] != v.ssrcs[i]);
    }
  }

  void answersRidSimulcast()
  {
    auto r = SdpAnswerBuilder(Capabilities::defaults()).answerPublisher(offer("chromium-offer-simulcast.sdp"), local());
    CPPUNIT_ASSERT(r.has_value());
    const NegotiatedStream& v = r->streams[1];
    CPPUNIT_ASSERT((v.rids == std::vector<std::string>{"h", "m", "l"}));
    CPPUNIT_ASSERT(v.extensionMap.has(RtpExtension::Rid));
    CPPUNIT_ASSERT(v.extensionMap.has(RtpExtension::RepairedRid));
    SessionDescription a = reparsed(r->answer);
    const MediaDescription& m = a.media[1];
    CPPUNIT_ASSERT_EQUAL(size_t{3}, m.rids.size());
    CPPUNIT_ASSERT(m.rids[0].direction == Direction::RecvOnly);
    CPPUNIT_ASSERT(m.simulcast.has_value());
    CPPUNIT_ASSERT(m.simulcast->send.empty());
    CPPUNIT_ASSERT_EQUAL(size_t{3}, m.simulcast->recv.size());
    CPPUNIT_ASSERT(r->answer.toString().find("a=simulcast:recv h;m;l\r\n") != std::string::npos);
  }

  void answersFirefoxPublisher()
  {
    auto r = SdpAnswerBuilder(Capabilities::defaults()).answerPublisher(offer("firefox-offer-simulcast.sdp"), local());
    CPPUNIT_ASSERT(r.has_value());
    const auto& s = r->streams;
    CPPUNIT_ASSERT_EQUAL(uint8_t{109}, s[0].codec.payloadType);
    CPPUNIT_ASSERT_EQUAL(std::string("VP8"), s[1].codec.encoding);
    CPPUNIT_ASSERT_EQUAL(uint8_t{124}, *s[1].rtxPayloadType);
    CPPUNIT_ASSERT((s[1].rids == std::vector<std::string>{"h", "m", "l"}));
    CPPUNIT_ASSERT_EQUAL(size_t{3}, s[1].ssrcs.size()); // FID primaries, RTX partners apart
    // Firefox's audio extmap 2 is csrc-audio-level/recvonly: not ours, not in the answer.
    CPPUNIT_ASSERT(!r->answer.media[0].extmapId("urn:ietf:params:rtp-hdrext:csrc-audio-level").has_value());
    CPPUNIT_ASSERT(s[2].accepted);
    // Session-level fingerprint and ICE credentials of Firefox were found.
    CPPUNIT_ASSERT_EQUAL(std::string("0"), r->answer.bundle()->mids.front());
    auto plain = SdpAnswerBuilder(Capabilities::defaults()).answerPublisher(offer("firefox-offer.sdp"), local());
    CPPUNIT_ASSERT(plain.has_value());
    CPPUNIT_ASSERT_EQUAL(size_t{1}, plain->streams[1].ssrcs.size());
  }

  void codecPreferenceAndFmtpRequirements()
  {
    Capabilities caps = Capabilities::defaults();
    // Prefer H.264 (a Talk server option): put it first among the video codecs.
    auto h264 = std::find_if(caps.codecs.begin(), caps.codecs.end(), [](const auto& c) { return c.encoding == "H264"; });
    std::rotate(caps.codecs.begin() + 1, h264, h264 + 1);
    SessionDescription o = offer("chromium-offer.sdp");
    auto r = SdpAnswerBuilder(caps).answerPublisher(o, local());
    CPPUNIT_ASSERT(r.has_value());
    const NegotiatedStream& v = r->streams[1];
    CPPUNIT_ASSERT_EQUAL(std::string("H264"), v.codec.encoding);
    CPPUNIT_ASSERT_EQUAL(std::string("1"), *v.fmtp->parameter("packetization-mode"));
    CPPUNIT_ASSERT_EQUAL(std::string("42e01f"), *v.fmtp->parameter("profile-level-id"));
    CPPUNIT_ASSERT(v.rtxPayloadType.has_value());
    // Only VP9 profile 2 acceptable: Chromium's VP9 profile 0 does not match, VP9 profile 2 does.
    Capabilities vp9;
    vp9.codecs = {CodecCapability{"audio", "opus", 48000, 2, {}, {}},
                  CodecCapability{"video", "VP9", 90000, 0, {{"profile-id", "2"}}, {}}};
    auto r2 = SdpAnswerBuilder(vp9).answerPublisher(o, local());
    CPPUNIT_ASSERT(r2.has_value());
    CPPUNIT_ASSERT_EQUAL(std::string("2"), *r2->streams[1].fmtp->parameter("profile-id"));
    CPPUNIT_ASSERT(r2->streams[1].feedback.empty()); // caps keep no feedback
    CPPUNIT_ASSERT(!r2->streams[2].accepted || vp9.dataChannels);
  }

  void rejectsMediaWithoutCodecInsteadOfFailing()
  {
    Capabilities caps = Capabilities::defaults();
    caps.codecs.erase(std::remove_if(caps.codecs.begin(), caps.codecs.end(),
                                     [](const auto& c) { return c.kind == "video"; }),
                      caps.codecs.end());
    caps.dataChannels = false;
    auto r = SdpAnswerBuilder(caps).answerPublisher(offer("chromium-offer.sdp"), local());
    CPPUNIT_ASSERT(r.has_value());
    SessionDescription a = reparsed(r->answer);
    CPPUNIT_ASSERT_EQUAL(uint16_t{0}, a.media[1].port);
    CPPUNIT_ASSERT_EQUAL(uint16_t{0}, a.media[2].port);
    CPPUNIT_ASSERT((a.bundle()->mids == std::vector<std::string>{"0"}));
    CPPUNIT_ASSERT_EQUAL(std::string("1"), *a.media[1].mid);
    CPPUNIT_ASSERT(!r->streams[1].accepted);
    CPPUNIT_ASSERT(!r->streams[2].accepted);
  }

  void refusesUnusableOffers()
  {
    SdpAnswerBuilder b(Capabilities::defaults());
    std::string error;
    SessionDescription noBundle = offer("chromium-offer.sdp");
    noBundle.groups.clear();
    CPPUNIT_ASSERT(!b.answerPublisher(noBundle, local(), &error).has_value());
    CPPUNIT_ASSERT(error.find("BUNDLE") != std::string::npos);
    SessionDescription noIce = offer("chromium-offer.sdp");
    for (auto& m : noIce.media) {
      m.transport.iceUfrag.reset();
    }
    CPPUNIT_ASSERT(!b.answerPublisher(noIce, local(), &error).has_value());
    SessionDescription noFp = offer("firefox-offer.sdp");
    noFp.transport.fingerprints.clear();
    CPPUNIT_ASSERT(!b.answerPublisher(noFp, local(), &error).has_value());
    CPPUNIT_ASSERT(error.find("fingerprint") != std::string::npos);
    Capabilities none;
    none.dataChannels = false;
    CPPUNIT_ASSERT(!SdpAnswerBuilder(none).answerPublisher(offer("chromium-offer.sdp"), local(), &error).has_value());
    CPPUNIT_ASSERT(!b.answerPublisher(SessionDescription{}, local(), &error).has_value());
  }

  void offersSubscriber()
  {
    SdpAnswerBuilder b(Capabilities::defaults());
    auto pub = b.answerPublisher(offer("chromium-offer-simulcast.sdp"), local());
    CPPUNIT_ASSERT(pub.has_value());
    LocalTransport t = local();
    t.setup = Setup::Passive; // an offer always says actpass
    SessionDescription o = reparsed(b.offerSubscriber(pub->streams, {111, 222, 0}, {0, 223, 0}, true, t, 77, 3));
    CPPUNIT_ASSERT_EQUAL(std::string("77"), o.origin.sessionId);
    CPPUNIT_ASSERT_EQUAL(std::string("3"), o.origin.sessionVersion);
    CPPUNIT_ASSERT_EQUAL(size_t{3}, o.media.size());
    CPPUNIT_ASSERT((o.bundle()->mids == std::vector<std::string>{"0", "1", "2"}));
    for (const auto& m : o.media) {
      CPPUNIT_ASSERT(m.transport.setup == Setup::ActPass);
    }
    const MediaDescription& audio = o.media[0];
    CPPUNIT_ASSERT(audio.direction == Direction::SendOnly);
    CPPUNIT_ASSERT(pub->streams[0].codec == *audio.rtpmap(pub->streams[0].codec.payloadType));
    CPPUNIT_ASSERT(audio.ssrcAttribute(111, "cname").has_value());
    CPPUNIT_ASSERT(audio.ssrcGroups.empty());
    const MediaDescription& video = o.media[1];
    CPPUNIT_ASSERT_EQUAL(size_t{2}, video.formats.size()); // codec + RTX
    CPPUNIT_ASSERT_EQUAL(size_t{1}, video.ssrcGroups.size());
    CPPUNIT_ASSERT((video.ssrcGroups[0].ssrcs == std::vector<uint32_t>{222, 223}));
    CPPUNIT_ASSERT(!video.rids.size() && !video.simulcast);
    CPPUNIT_ASSERT(!hasExtmap(video, RtpExtension::Rid)); // one SSRC toward the subscriber
    CPPUNIT_ASSERT(hasExtmap(video, RtpExtension::Mid));
    // Same ids as the publisher negotiated: forwarding needs no renumbering.
    CPPUNIT_ASSERT_EQUAL(*video.extmapId(rtpExtensionUri(RtpExtension::TransportWideCc)),
                         static_cast<uint16_t>(pub->streams[1].extensionMap.id(RtpExtension::TransportWideCc)));
    CPPUNIT_ASSERT_EQUAL(video.msids.at(0), *video.ssrcAttribute(222, "msid"));
    CPPUNIT_ASSERT(o.media[2].isDataChannel());
    // Without data and with a rejected publisher stream.
    auto streams = pub->streams;
    streams[0].accepted = false;
    SessionDescription o2 = b.offerSubscriber(streams, {1, 2, 3}, {0, 0, 0}, false, t, 78, 1);
    CPPUNIT_ASSERT_EQUAL(size_t{1}, o2.media.size());
    CPPUNIT_ASSERT_EQUAL(std::string("video"), o2.media[0].kind);
    CPPUNIT_ASSERT_EQUAL(std::string("0"), *o2.media[0].mid);
    CPPUNIT_ASSERT_EQUAL(size_t{1}, o2.media[0].formats.size()); // no RTX SSRC: no RTX
  }

  void readsSubscriberAnswer()
  {
    SdpAnswerBuilder b(Capabilities::defaults());
    auto pub = b.answerPublisher(offer("chromium-offer.sdp"), local());
    SessionDescription o = b.offerSubscriber(pub->streams, {1, 2}, {0, 3}, true, local(), 5, 1);
    // The browser's answer: recvonly audio, video rejected, data accepted, one extension kept.
    SessionDescription a = o;
    a.media[0].direction = Direction::RecvOnly;
    a.media[0].extmaps.resize(1);
    a.media[1].port = 0;
    std::string error;
    auto r = SdpAnswerBuilder::readSubscriberAnswer(o, a, &error);
    CPPUNIT_ASSERT_MESSAGE(error, r.has_value());
    CPPUNIT_ASSERT_EQUAL(size_t{3}, r->size());
    CPPUNIT_ASSERT((*r)[0].accepted);
    CPPUNIT_ASSERT((*r)[0].direction == Direction::SendOnly);
    CPPUNIT_ASSERT_EQUAL(size_t{1}, (*r)[0].extmaps.size());
    CPPUNIT_ASSERT_EQUAL(std::string("opus"), (*r)[0].codec.encoding);
    CPPUNIT_ASSERT(!(*r)[1].accepted);
    CPPUNIT_ASSERT((*r)[2].accepted);
    a.media[0].direction = Direction::Inactive;
    CPPUNIT_ASSERT((*SdpAnswerBuilder::readSubscriberAnswer(o, a))[0].direction == Direction::Inactive);
    a.media.pop_back();
    CPPUNIT_ASSERT(!SdpAnswerBuilder::readSubscriberAnswer(o, a, &error).has_value());
    CPPUNIT_ASSERT(error.find("m-lines") != std::string::npos);
  }

  void readsRealBrowserAnswers()
  {
    // The answers Chromium and Firefox gave to our subscriber offers (capture/verify-sdp.sh,
    // built from their own offers as here).
    SdpAnswerBuilder b(Capabilities::defaults());
    const std::pair<const char*, const char*> cases[] = {
      {"chromium-offer.sdp", "chromium-answer-to-sfu-offer.sdp"},
      {"chromium-offer-simulcast.sdp", "chromium-answer-to-sfu-offer-simulcast.sdp"},
      {"firefox-offer.sdp", "firefox-answer-to-sfu-offer.sdp"},
      {"firefox-offer-simulcast.sdp", "firefox-answer-to-sfu-offer-simulcast.sdp"}};
    for (const auto& [pubName, answerName] : cases) {
      auto pub = b.answerPublisher(offer(pubName), local());
      CPPUNIT_ASSERT(pub.has_value());
      SessionDescription o = b.offerSubscriber(pub->streams, {1, 2, 0}, {0, 3, 0}, true, local(), 9, 1);
      SessionDescription a = offer(answerName);
      std::string error;
      auto streams = SdpAnswerBuilder::readSubscriberAnswer(o, a, &error);
      CPPUNIT_ASSERT_MESSAGE(std::string(answerName) + ": " + error, streams.has_value());
      CPPUNIT_ASSERT_EQUAL(size_t{3}, streams->size());
      for (const auto& s : *streams) {
        CPPUNIT_ASSERT_MESSAGE(answerName, s.accepted);
      }
      CPPUNIT_ASSERT((*streams)[0].direction == Direction::SendOnly);
      CPPUNIT_ASSERT((*streams)[1].direction == Direction::SendOnly);
      CPPUNIT_ASSERT_EQUAL(std::string("opus"), (*streams)[0].codec.encoding);
      CPPUNIT_ASSERT_EQUAL(std::string("VP8"), (*streams)[1].codec.encoding);
      CPPUNIT_ASSERT((*streams)[1].extensionMap.has(RtpExtension::Mid));
      CPPUNIT_ASSERT(!(*streams)[1].extensionMap.has(RtpExtension::Rid));
      // The browser is the DTLS client toward our actpass offer (webrtc.md: SFU as DTLS server).
      CPPUNIT_ASSERT(a.setup(a.media[0]) == Setup::Active);
    }
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SdpAnswerBuilderTest);
