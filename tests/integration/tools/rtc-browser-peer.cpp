// The answering side of a browser interop check: reads a browser's offer (SDP on stdin,
// ended by a line "END"), answers it with a WebRtcTransport (audio recvonly + data
// channel, our DTLS role passive as the SFU answers publishers), prints the answer and
// "END", then reports what happened on stdout: "connected srtp=<profile>", the data
// channel it opened, the echo of the first message, and finally
// "RESULT rtp=<n> profile=<profile> datachannel=<label>" once 50 RTP packets arrived.
// The SDP handling here is the minimum this check needs (the real one is libtalk-rtc's).
//
// usage: rtc-browser-peer --address IP [--lite] [--timeout S]
#include "common/ev/GlibContextBridge.hpp"
#include "common/ev/Watchers.hpp"
#include "rtc/transport/TransportLibraryScope.hpp"
#include "rtc/transport/WebRtcTransport.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

using namespace talk;
using namespace talk::rtc;

namespace {

struct Offer
{
  std::string ufrag, pwd, fingerprint, setup;
  std::vector<std::string> candidates;
  std::vector<std::pair<std::string, std::string>> media; // kind, mid
};

std::string after(const std::string& line, const std::string& prefix)
{
  return line.compare(0, prefix.size(), prefix) == 0 ? line.substr(prefix.size()) : std::string();
}

Offer parseOffer(const std::string& sdp)
{
  Offer offer;
  std::istringstream in(sdp);
  std::string line;
  std::string kind;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    std::string v;
    if (!(v = after(line, "m=")).empty()) {
      kind = v.substr(0, v.find(' '));
    }
    else if (!(v = after(line, "a=mid:")).empty()) {
      offer.media.emplace_back(kind, v);
    }
    else if (!(v = after(line, "a=ice-ufrag:")).empty() && offer.ufrag.empty()) {
      offer.ufrag = v;
    }
    else if (!(v = after(line, "a=ice-pwd:")).empty() && offer.pwd.empty()) {
      offer.pwd = v;
    }
    else if (!(v = after(line, "a=fingerprint:sha-256 ")).empty() && offer.fingerprint.empty()) {
      offer.fingerprint = v;
    }
    else if (!(v = after(line, "a=setup:")).empty() && offer.setup.empty()) {
      offer.setup = v;
    }
    else if (!(v = after(line, "a=candidate:")).empty()) {
      offer.candidates.push_back("candidate:" + v);
    }
  }
  return offer;
}

struct Peer : WebRtcTransport::Listener
{
  WebRtcTransport* transport = nullptr;
  bool gathered = false;
  bool connected = false;
  std::string failure;
  size_t rtp = 0;
  size_t rtcp = 0;
  std::string label;
  bool echoed = false;

  void onLocalCandidate(WebRtcTransport& /*t*/, const std::string& /*c*/) override {}
  void onGatheringDone(WebRtcTransport& /*t*/) override { gathered = true; }
  void onConnected(WebRtcTransport& t) override
  {
    connected = true;
    std::printf("connected srtp=%s pair=%s\n", srtpProfileName(*t.srtpProfile()), t.selectedPairDescription().c_str());
    std::fflush(stdout);
  }
  void onDisconnected(WebRtcTransport& /*t*/) override { std::printf("disconnected\n"); }
  void onFailed(WebRtcTransport& /*t*/, const char* reason) override
  {
    failure = reason;
    std::printf("failed %s\n", reason);
    std::fflush(stdout);
  }
  void onRtp(WebRtcTransport& /*t*/, std::span<uint8_t> /*p*/) override { ++rtp; }
  void onRtcp(WebRtcTransport& /*t*/, std::span<uint8_t> /*p*/) override { ++rtcp; }
  void onDataChannelOpen(WebRtcTransport& /*t*/, uint16_t id, const std::string& l) override
  {
    label = l;
    std::printf("datachannel open id=%u label=%s\n", id, l.c_str());
    std::fflush(stdout);
  }
  void onDataChannelMessage(WebRtcTransport& t, uint16_t id, std::span<const uint8_t> m, bool binary) override
  {
    const std::string text(m.begin(), m.end());
    std::printf("message id=%u binary=%d %s\n", id, binary ? 1 : 0, text.c_str());
    std::fflush(stdout);
    echoed = t.sendData(id, "echo:" + text) || echoed;
  }
};

struct Deadline : ev::Timer::Listener
{
  bool expired = false;
  void onTimer(ev::Timer& /*t*/) override { expired = true; }
};

}

int main(int argc, char** argv)
{
  std::string address = "127.0.0.1";
  bool lite = false;
  double timeout = 30;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--address" && i + 1 < argc) {
      address = argv[++i];
    }
    else if (a == "--lite") {
      lite = true;
    }
    else if (a == "--timeout" && i + 1 < argc) {
      timeout = std::atof(argv[++i]);
    }
    else {
      std::fprintf(stderr, "usage: rtc-browser-peer --address IP [--lite] [--timeout S]\n");
      return 2;
    }
  }
  std::string sdp, line;
  while (std::getline(std::cin, line) && line != "END") {
    sdp += line + "\n";
  }
  const Offer offer = parseOffer(sdp);
  if (offer.ufrag.empty() || offer.fingerprint.empty()) {
    std::fprintf(stderr, "offer without ICE credentials or fingerprint\n");
    return 1;
  }

  TransportLibraryScope scope;
  ev::EventLoop loop;
  ev::GlibContextBridge bridge(loop);
  auto certificate = DtlsCertificate::generate();
  WebRtcTransportConfig config;
  config.ice.lite = lite;
  config.ice.bindAddresses = {address};
  config.dataChannels = true;
  Peer peer;
  WebRtcTransport transport(bridge, *certificate, config, &peer);
  peer.transport = &transport;
  Deadline deadline;
  ev::Timer limit(loop, &deadline);
  limit.start(timeout);

  transport.gatherCandidates();
  while (!peer.gathered && !deadline.expired) {
    loop.runOnce(true);
  }
  RemoteParameters remote;
  remote.ice = {offer.ufrag, offer.pwd};
  remote.fingerprint = offer.fingerprint;
  // The browser offered actpass; like the SFU for publishers we take the server role, so
  // we pick the SRTP profile (GCM when the browser offers it).
  remote.localRole = dtlsRoleFromRemoteSetup(offer.setup, DtlsRole::Server).value_or(DtlsRole::Server);
  if (!transport.setRemoteParameters(remote)) {
    std::fprintf(stderr, "remote parameters refused\n");
    return 1;
  }
  for (const auto& c : offer.candidates) {
    transport.addRemoteCandidate(c);
  }
  transport.remoteGatheringDone();

  std::ostringstream answer;
  answer << "v=0\r\no=- 1 1 IN IP4 " << address << "\r\ns=-\r\nt=0 0\r\n";
  if (lite) {
    answer << "a=ice-lite\r\n";
  }
  answer << "a=group:BUNDLE";
  for (const auto& [kind, mid] : offer.media) {
    answer << " " << mid;
  }
  answer << "\r\n";
  bool first = true;
  for (const auto& [kind, mid] : offer.media) {
    if (kind == "application") {
      answer << "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n";
    }
    else {
      answer << "m=" << kind << " 9 UDP/TLS/RTP/SAVPF 111\r\n";
    }
    answer << "c=IN IP4 0.0.0.0\r\na=mid:" << mid << "\r\na=ice-ufrag:" << transport.localCredentials().ufrag
           << "\r\na=ice-pwd:" << transport.localCredentials().pwd << "\r\na=fingerprint:sha-256 "
           << transport.fingerprint() << "\r\na=setup:" << dtlsSetupForRole(remote.localRole) << "\r\n";
    if (kind == "application") {
      answer << "a=sctp-port:5000\r\na=max-message-size:262144\r\n";
    }
    else {
      answer << "a=recvonly\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n";
    }
    if (first) {
      for (const auto& c : transport.localCandidates()) {
        answer << "a=" << c << "\r\n";
      }
      answer << "a=end-of-candidates\r\n";
      first = false;
    }
  }
  std::cout << answer.str() << "END" << std::endl;

  while (!deadline.expired && peer.failure.empty() && !(peer.rtp >= 50 && peer.echoed)) {
    loop.runOnce(true);
  }
  const auto profile = transport.srtpProfile();
  std::printf("RESULT rtp=%zu rtcp=%zu profile=%s datachannel=%s echoed=%d\n", peer.rtp, peer.rtcp,
              profile ? srtpProfileName(*profile) : "none", peer.label.empty() ? "none" : peer.label.c_str(),
              peer.echoed ? 1 : 0);
  std::fflush(stdout);
  // Let the echo leave before closing.
  Deadline linger;
  ev::Timer lingerTimer(loop, &linger);
  lingerTimer.start(1.0);
  while (!linger.expired) {
    loop.runOnce(true);
  }
  transport.close();
  return peer.rtp >= 50 && peer.echoed ? 0 : 1;
}
