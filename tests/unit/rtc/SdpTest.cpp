#include "rtc/sdp/Sdp.hpp"

#include "RtcTestData.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <algorithm>

using namespace talk::rtc::sdp;
using namespace talk::rtc::test;

namespace {

const char* const Captured[] = {"chromium-offer.sdp", "chromium-offer-simulcast.sdp", "chromium-offer-sim-munged.sdp",
                                "firefox-offer.sdp", "firefox-offer-simulcast.sdp",
                                "chromium-answer-to-sfu-offer.sdp", "chromium-answer-to-sfu-offer-simulcast.sdp",
                                "firefox-answer-to-sfu-offer.sdp", "firefox-answer-to-sfu-offer-simulcast.sdp"};

std::vector<std::string> sortedLines(const std::string& text)
{
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (!line.empty()) {
      out.push_back(line);
    }
  }
  return out;
}

// Lines of each m-section (and the session part) as multisets: the serializer may reorder
// attributes inside a section, but never move one to another section, drop or alter it.
std::vector<std::vector<std::string>> sections(const std::string& text)
{
  std::vector<std::vector<std::string>> out(1);
  for (const auto& l : sortedLines(text)) {
    if (l.starts_with("m=")) {
      out.emplace_back();
    }
    out.back().push_back(l);
  }
  for (auto& s : out) {
    std::sort(s.begin(), s.end());
  }
  return out;
}

SessionDescription parseFile(const char* name)
{
  std::string error;
  auto d = SessionDescription::parse(readText(name), &error);
  CPPUNIT_ASSERT_MESSAGE(std::string(name) + ": " + error, d.has_value());
  return *d;
}

}

class SdpTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(SdpTest);
  CPPUNIT_TEST(capturedOffersRoundTripLosslessly);
  CPPUNIT_TEST(chromiumOfferFields);
  CPPUNIT_TEST(chromiumSimulcastFields);
  CPPUNIT_TEST(firefoxOfferFields);
  CPPUNIT_TEST(candidates);
  CPPUNIT_TEST(fmtpParameters);
  CPPUNIT_TEST(reportsBadLines);
  CPPUNIT_TEST(keepsUnknownLinesAndAttributes);
  CPPUNIT_TEST(interleavedLinesRoundTrip);
  CPPUNIT_TEST_SUITE_END();

public:
  void capturedOffersRoundTripLosslessly()
  {
    for (const char* name : Captured) {
      std::string text = readText(name);
      SessionDescription d = parseFile(name);
      std::string out = d.toString();
      CPPUNIT_ASSERT_MESSAGE(name, sections(text) == sections(out));
      auto again = SessionDescription::parse(out);
      CPPUNIT_ASSERT(again.has_value());
      CPPUNIT_ASSERT_MESSAGE(name, *again == d);
      CPPUNIT_ASSERT_EQUAL(out, again->toString());
      CPPUNIT_ASSERT(out.find("\r\n") != std::string::npos);
    }
  }

  void chromiumOfferFields()
  {
    SessionDescription d = parseFile("chromium-offer.sdp");
    CPPUNIT_ASSERT(d.bundle() != nullptr);
    CPPUNIT_ASSERT((d.bundle()->mids == std::vector<std::string>{"0", "1", "2"}));
    CPPUNIT_ASSERT(d.extmapAllowMixed);
    CPPUNIT_ASSERT(d.msidSemantic.has_value());
    CPPUNIT_ASSERT_EQUAL(size_t{3}, d.media.size());
    const MediaDescription& audio = d.media[0];
    CPPUNIT_ASSERT_EQUAL(std::string("audio"), audio.kind);
    CPPUNIT_ASSERT_EQUAL(std::string("0"), *audio.mid);
    CPPUNIT_ASSERT(audio.direction == Direction::SendOnly);
    CPPUNIT_ASSERT(audio.rtcpMux && audio.rtcpRsize);
    CPPUNIT_ASSERT_EQUAL(uint16_t{1}, *audio.extmapId("urn:ietf:params:rtp-hdrext:ssrc-audio-level"));
    const Rtpmap* opus = audio.rtpmap(111);
    CPPUNIT_ASSERT(opus != nullptr);
    CPPUNIT_ASSERT_EQUAL(std::string("opus"), opus->encoding);
    CPPUNIT_ASSERT_EQUAL(uint32_t{48000}, opus->clockRate);
    CPPUNIT_ASSERT_EQUAL(uint16_t{2}, opus->channels);
    CPPUNIT_ASSERT_EQUAL(std::string("1"), *audio.fmtp(111)->parameter("useinbandfec"));
    CPPUNIT_ASSERT_EQUAL(std::string("trickle"), audio.transport.iceOptions.at(0));
    CPPUNIT_ASSERT(audio.transport.setup == Setup::ActPass);
    CPPUNIT_ASSERT_EQUAL(std::string("sha-256"), d.fingerprint(audio)->algorithm);
    CPPUNIT_ASSERT_EQUAL(size_t{95}, d.fingerprint(audio)->value.size()); // 32 hex pairs
    CPPUNIT_ASSERT(d.iceUfrag(audio).has_value() && d.icePwd(audio).has_value());
    CPPUNIT_ASSERT_EQUAL(size_t{1}, audio.msids.size());
    CPPUNIT_ASSERT(!audio.ssrcs.empty());
    CPPUNIT_ASSERT(audio.ssrcAttribute(audio.ssrcs[0].ssrc, "cname").has_value());

    const MediaDescription& video = d.media[1];
    const Rtpmap* vp8 = video.rtpmap(96);
    CPPUNIT_ASSERT_EQUAL(std::string("VP8"), vp8->encoding);
    CPPUNIT_ASSERT_EQUAL(uint8_t{97}, *video.rtxPayloadType(96));
    auto fb = video.feedbackFor(96);
    CPPUNIT_ASSERT(std::find(fb.begin(), fb.end(), RtcpFb{96, "nack", "pli"}) != fb.end());
    CPPUNIT_ASSERT(std::find(fb.begin(), fb.end(), RtcpFb{96, "transport-cc", ""}) != fb.end());
    bool fid = std::any_of(video.ssrcGroups.begin(), video.ssrcGroups.end(),
                           [](const SsrcGroup& g) { return g.semantics == "FID" && g.ssrcs.size() == 2; });
    CPPUNIT_ASSERT(fid);

    const MediaDescription& data = d.media[2];
    CPPUNIT_ASSERT(data.isDataChannel());
    CPPUNIT_ASSERT_EQUAL(std::string("UDP/DTLS/SCTP"), data.protocol);
    CPPUNIT_ASSERT_EQUAL(uint16_t{5000}, *data.sctpPort);
    CPPUNIT_ASSERT_EQUAL(uint32_t{262144}, *data.maxMessageSize);
    CPPUNIT_ASSERT(data.payloadTypes().empty());
  }

  void chromiumSimulcastFields()
  {
    SessionDescription rid = parseFile("chromium-offer-simulcast.sdp");
    const MediaDescription& v = rid.media[1];
    CPPUNIT_ASSERT_EQUAL(size_t{3}, v.rids.size());
    CPPUNIT_ASSERT_EQUAL(std::string("h"), v.rids[0].id);
    CPPUNIT_ASSERT(v.rids[0].direction == Direction::SendOnly);
    CPPUNIT_ASSERT(v.simulcast.has_value());
    CPPUNIT_ASSERT_EQUAL(size_t{3}, v.simulcast->send.size());
    CPPUNIT_ASSERT_EQUAL(std::string("l"), v.simulcast->send[2][0].rid);
    CPPUNIT_ASSERT(v.simulcast->recv.empty());
    CPPUNIT_ASSERT(v.extmapId("urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id").has_value());

    SessionDescription sim = parseFile("chromium-offer-sim-munged.sdp");
    const MediaDescription& m = sim.media[1];
    auto g = std::find_if(m.ssrcGroups.begin(), m.ssrcGroups.end(), [](const SsrcGroup& x) { return x.semantics == "SIM"; });
    CPPUNIT_ASSERT(g != m.ssrcGroups.end());
    CPPUNIT_ASSERT_EQUAL(size_t{3}, g->ssrcs.size());
    CPPUNIT_ASSERT_EQUAL(size_t{3}, static_cast<size_t>(std::count_if(
      m.ssrcGroups.begin(), m.ssrcGroups.end(), [](const SsrcGroup& x) { return x.semantics == "FID"; })));
  }

  void firefoxOfferFields()
  {
    SessionDescription d = parseFile("firefox-offer-simulcast.sdp");
    // Firefox puts fingerprint and ice-options at session level, and a session-level
    // direction that we keep verbatim.
    CPPUNIT_ASSERT_EQUAL(size_t{1}, d.transport.fingerprints.size());
    CPPUNIT_ASSERT(d.media[0].transport.fingerprints.empty());
    CPPUNIT_ASSERT(d.fingerprint(d.media[0]) == &d.transport.fingerprints[0]);
    CPPUNIT_ASSERT_EQUAL(std::string("trickle"), d.transport.iceOptions.at(0));
    CPPUNIT_ASSERT(std::find(d.otherAttributes.begin(), d.otherAttributes.end(), Attribute{"sendrecv", std::nullopt}) !=
                   d.otherAttributes.end());
    const MediaDescription& audio = d.media[0];
    CPPUNIT_ASSERT(audio.endOfCandidates);
    CPPUNIT_ASSERT(audio.rtcp.has_value());
    auto recvOnly = std::find_if(audio.extmaps.begin(), audio.extmaps.end(),
                                 [](const Extmap& e) { return e.id == 2; });
    CPPUNIT_ASSERT(recvOnly->direction == Direction::RecvOnly);
    CPPUNIT_ASSERT_EQUAL(uint16_t{1}, audio.rtpmap(9)->channels); // G722/8000/1
    const MediaDescription& video = d.media[1];
    CPPUNIT_ASSERT_EQUAL(size_t{3}, video.rids.size());
    CPPUNIT_ASSERT_EQUAL(uint8_t{124}, *video.rtxPayloadType(120));
    CPPUNIT_ASSERT_EQUAL(std::string("apt=120"), video.fmtp(124)->parameters);
    CPPUNIT_ASSERT(d.media[2].isDataChannel());
    CPPUNIT_ASSERT_EQUAL(uint32_t{1073741823}, *d.media[2].maxMessageSize);
    // Component 2 candidates are kept although rtcp-mux makes them moot.
    CPPUNIT_ASSERT(std::any_of(audio.candidates.begin(), audio.candidates.end(),
                               [](const Candidate& c) { return c.component == 2; }));
  }

  void candidates()
  {
    auto host = Candidate::parse("candidate:4127421276 1 tcp 1518214911 192.0.2.2 9 typ host tcptype active "
                                 "generation 0 network-id 1");
    CPPUNIT_ASSERT(host.has_value());
    CPPUNIT_ASSERT_EQUAL(std::string("tcp"), host->transport);
    CPPUNIT_ASSERT_EQUAL(std::string("active"), *host->tcpType);
    CPPUNIT_ASSERT_EQUAL(size_t{2}, host->extensions.size());
    CPPUNIT_ASSERT_EQUAL(std::string("4127421276 1 tcp 1518214911 192.0.2.2 9 typ host tcptype active generation 0 "
                                     "network-id 1"),
                         host->toString());
    auto srflx = Candidate::parse("a=candidate:842163049 1 udp 1677729535 198.51.100.7 46154 typ srflx raddr "
                                  "10.0.0.5 rport 46154 generation 0");
    CPPUNIT_ASSERT_EQUAL(std::string("10.0.0.5"), *srflx->relatedAddress);
    CPPUNIT_ASSERT_EQUAL(uint16_t{46154}, *srflx->relatedPort);
    auto relay = Candidate::parse("1 1 UDP 41885439 203.0.113.9 60000 typ relay raddr 0.0.0.0 rport 0");
    CPPUNIT_ASSERT_EQUAL(std::string("relay"), relay->type);
    auto mdns = Candidate::parse("candidate:0 1 UDP 2122187007 6e03516e-7441-4fd1-8fea-56a4688730bf.local 38676 typ host");
    CPPUNIT_ASSERT(mdns->address.ends_with(".local"));
    CPPUNIT_ASSERT(!Candidate::parse("candidate:1 1 udp 5 1.2.3.4 99999 typ host").has_value()); // port
    CPPUNIT_ASSERT(!Candidate::parse("candidate:1 1 udp 5 1.2.3.4 9 host").has_value());        // no "typ"
    CPPUNIT_ASSERT(!Candidate::parse("candidate:1 1 udp 5 1.2.3.4 9 typ host generation").has_value());
    CPPUNIT_ASSERT(!Candidate::parse("").has_value());
  }

  void fmtpParameters()
  {
    Fmtp f{100, "level-asymmetry-allowed=1; packetization-mode=1;profile-level-id=42e01f;flag"};
    CPPUNIT_ASSERT_EQUAL(std::string("1"), *f.parameter("packetization-mode"));
    CPPUNIT_ASSERT_EQUAL(std::string("42e01f"), *f.parameter("profile-level-id"));
    CPPUNIT_ASSERT_EQUAL(std::string(""), *f.parameter("flag"));
    CPPUNIT_ASSERT(!f.parameter("profile").has_value());
  }

  void reportsBadLines()
  {
    std::string error;
    CPPUNIT_ASSERT(!SessionDescription::parse("", &error).has_value());
    CPPUNIT_ASSERT(!SessionDescription::parse("o=- 1 1 IN IP4 0.0.0.0\r\n", &error).has_value());
    CPPUNIT_ASSERT(error.find("v=0") != std::string::npos);
    const std::string head = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
    CPPUNIT_ASSERT(!SessionDescription::parse(head + "a=rtpmap:111 opus\r\n", &error).has_value());
    CPPUNIT_ASSERT_EQUAL(std::string("line 6: malformed a=rtpmap"), error);
    CPPUNIT_ASSERT(!SessionDescription::parse(head + "a=rtpmap:300 opus/48000\r\n", &error).has_value());
    CPPUNIT_ASSERT(!SessionDescription::parse(head + "a=extmap:0 urn:x\r\n", &error).has_value());
    CPPUNIT_ASSERT(!SessionDescription::parse(head + "a=extmap:1/sideways urn:x\r\n", &error).has_value());
    CPPUNIT_ASSERT(!SessionDescription::parse(head + "a=ssrc:abc cname:x\r\n", &error).has_value());
    CPPUNIT_ASSERT(!SessionDescription::parse(head + "a=ssrc-group:FID 1 x\r\n", &error).has_value());
    CPPUNIT_ASSERT(!SessionDescription::parse(head + "a=rid:h sideways\r\n", &error).has_value());
    CPPUNIT_ASSERT(!SessionDescription::parse(head + "a=simulcast:send\r\n", &error).has_value());
    CPPUNIT_ASSERT(!SessionDescription::parse(head + "a=simulcast:send h;;l\r\n", &error).has_value());
    CPPUNIT_ASSERT(!SessionDescription::parse(head + "a=setup:maybe\r\n", &error).has_value());
    CPPUNIT_ASSERT(!SessionDescription::parse(head + "a=candidate:garbage\r\n", &error).has_value());
    CPPUNIT_ASSERT(!SessionDescription::parse(head + "a=sctp-port:x\r\n", &error).has_value());
    CPPUNIT_ASSERT(!SessionDescription::parse(head + "junk\r\n", &error).has_value());
    CPPUNIT_ASSERT(!SessionDescription::parse(head + "m=video x UDP/TLS/RTP/SAVPF 96\r\n", &error).has_value());
    CPPUNIT_ASSERT(!SessionDescription::parse("v=0\r\no=- 1\r\n", &error).has_value());
    // LF-only line ends and a missing final newline are fine.
    auto lf = SessionDescription::parse("v=0\no=- 1 1 IN IP4 0.0.0.0\ns=-\nt=0 0\nm=audio 9 RTP/AVP 0\na=simulcast:recv ~h,x;m");
    CPPUNIT_ASSERT(lf.has_value());
    CPPUNIT_ASSERT(lf->media[0].simulcast->recv[0][0].paused);
    CPPUNIT_ASSERT_EQUAL(std::string("x"), lf->media[0].simulcast->recv[0][1].rid);
    CPPUNIT_ASSERT(lf->toString().find("a=simulcast:recv ~h,x;m\r\n") != std::string::npos);
  }

  void keepsUnknownLinesAndAttributes()
  {
    std::string text = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\ni=session info\r\nt=0 0\r\na=x-session:1\r\n"
                       "m=video 9/2 UDP/TLS/RTP/SAVPF 96\r\ni=media title\r\nc=IN IP4 0.0.0.0\r\nb=AS:512\r\n"
                       "a=x-unknown\r\na=x-valued:a b c\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:* transport-cc\r\n";
    auto d = SessionDescription::parse(text);
    CPPUNIT_ASSERT(d.has_value());
    CPPUNIT_ASSERT_EQUAL(uint16_t{2}, *d->media[0].numPorts);
    CPPUNIT_ASSERT_EQUAL(std::string("AS:512"), d->media[0].bandwidths.at(0));
    CPPUNIT_ASSERT_EQUAL(size_t{1}, d->media[0].feedbackFor(96).size());
    CPPUNIT_ASSERT(sections(text) == sections(d->toString()));
  }

  void interleavedLinesRoundTrip()
  {
    // Codec lines out of m-line order and unknown lines around c= (found by fuzz-sdp): the
    // model is canonical, so the second parse equals the first.
    std::string text = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                       "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98\r\nk=clear:x\r\nc=IN IP4 0.0.0.0\r\ni=title\r\n"
                       "a=fmtp:98 apt=96\r\na=rtpmap:97 VP9/90000\r\na=rtpmap:96 VP8/90000\r\n"
                       "a=rtcp-fb:* nack\r\na=rtcp-fb:97 nack pli\r\na=rtpmap:98 rtx/90000\r\na=fmtp:96 x=1\r\n";
    auto d = SessionDescription::parse(text);
    CPPUNIT_ASSERT(d.has_value());
    CPPUNIT_ASSERT_EQUAL(uint8_t{96}, d->media[0].rtpmaps[0].payloadType);
    auto again = SessionDescription::parse(d->toString());
    CPPUNIT_ASSERT(again.has_value());
    CPPUNIT_ASSERT(*again == *d);
    CPPUNIT_ASSERT(sections(text) == sections(d->toString()));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SdpTest);
