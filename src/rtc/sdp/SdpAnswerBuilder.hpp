#pragma once
// What talk-sfu answers a publisher and offers a subscriber (janus-api.md §7, §9.4, §9.5;
// webrtc.md): Unified Plan, one BUNDLE group over every accepted m-line, rtcp-mux, our ICE and
// DTLS parameters on every m-line, candidates inline. Codec choice: the first codec of our
// preference list the offer contains, per m-line; an m-line without one is rejected (port 0)
// instead of failing the whole answer. Control plane: allocates, never throws.
#include "rtc/rtp/HeaderExtensionMap.hpp"
#include "rtc/sdp/Sdp.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace talk::rtc::sdp {

// One codec we accept, in preference order within its media kind.
struct CodecCapability
{
  std::string kind;     // audio / video
  std::string encoding; // opus, VP8, VP9, H264, AV1 (compared case-insensitively)
  uint32_t clockRate = 0;
  uint16_t channels = 0;
  // fmtp keys whose value in the offer must equal this one (case-insensitive) for the codec
  // to be chosen (e.g. H264 packetization-mode=1 and profile-level-id=42e01f; VP9
  // profile-id=0). A key the offer omits counts as its default: "0" for packetization-mode and
  // profile-id.
  std::vector<std::pair<std::string, std::string>> requiredFmtp;
  // rtcp-fb we keep when the offer has them (nack, nack pli, ccm fir, goog-remb, transport-cc).
  std::vector<std::pair<std::string, std::string>> feedback;
};

struct Capabilities
{
  std::vector<CodecCapability> codecs;
  std::vector<RtpExtension> audioExtensions;
  std::vector<RtpExtension> videoExtensions;
  bool rtx = true;
  bool dataChannels = true;
  uint32_t maxMessageSize = 262144;

  // Janus-like defaults: opus, VP8, VP9 (profile 0), H264 (packetization-mode 1,
  // 42e01f), AV1; extensions mid, rid, repaired-rid, abs-send-time, transport-cc,
  // audio-level (no video-orientation: it breaks Firefox rotation, webrtc.md).
  static Capabilities defaults();
};

// Our side of the transport, written into every m-line.
struct LocalTransport
{
  std::string iceUfrag;
  std::string icePwd;
  bool iceLite = false;
  std::vector<std::string> iceOptions; // e.g. {"trickle"}; empty writes none
  Fingerprint fingerprint;             // sha-256
  Setup setup = Setup::Passive;        // answers: Active or Passive; offers: ActPass
  std::vector<Candidate> candidates;
  bool endOfCandidates = true;
  std::string cname = "talk-sfu";
  uint64_t sessionId = 1;      // o= of answers (offers take it as an argument)
  uint64_t sessionVersion = 1;
};

// What one negotiated m-line carries, as the SFU needs it for routing.
struct NegotiatedStream
{
  std::string mid;
  std::string kind;  // audio / video / application
  size_t mindex = 0;
  bool accepted = false;
  Direction direction = Direction::Inactive; // from our point of view
  Rtpmap codec;
  std::optional<Fmtp> fmtp;
  std::vector<RtcpFb> feedback;
  std::optional<uint8_t> rtxPayloadType;
  std::vector<Extmap> extmaps;               // accepted ones, with the offer's ids
  HeaderExtensionMap extensionMap;           // the same, as a lookup table
  // Media SSRCs: one, or the a=ssrc-group:SIM list in its order (Chrome and the Talk munging
  // list the lowest resolution first, so ssrcs[i] is substream i). Without SIM, every media
  // SSRC that is not an RTX partner (Firefox with rids lists one per rid).
  std::vector<uint32_t> ssrcs;
  std::vector<uint32_t> rtxSsrcs;            // FID partners, parallel to ssrcs (0 when none)
  // rid simulcast, in a=simulcast order. Talk (and Janus' default rid_order "hml") lists the
  // highest first, so rids[i] is substream rids.size() - 1 - i.
  std::vector<std::string> rids;
  std::optional<std::string> msid;
  std::optional<std::string> cname;
};

struct PublisherAnswer
{
  SessionDescription answer;
  std::vector<NegotiatedStream> streams; // one per offered m-line, in order
};

class SdpAnswerBuilder
{
public:
  explicit SdpAnswerBuilder(Capabilities caps) :
    d_caps(std::move(caps)) {}

  // Answer to a publisher's offer: recvonly for its sendonly/sendrecv media, data channel
  // accepted when the offer has one and caps allow. Fails (nullopt + error) only when the
  // offer is not usable at all: no BUNDLE-able m-line, no ICE credentials or fingerprint.
  std::optional<PublisherAnswer> answerPublisher(const SessionDescription& offer, const LocalTransport& local,
                                                 std::string* error = nullptr) const;

  // Offer to a subscriber of a publisher's negotiated streams: one sendonly m-line per accepted
  // audio/video stream (same codec, payload types, RTX and extension ids), plus an
  // m=application line when `withData`. A single SSRC (plus RTX SSRC) per m-line: the
  // simulcast layers are multiplexed onto it by the SFU. `ssrcs[i]`/`rtxSsrcs[i]` are our
  // outgoing SSRCs for streams[i]. Setup is actpass.
  SessionDescription offerSubscriber(const std::vector<NegotiatedStream>& streams,
                                     const std::vector<uint32_t>& ssrcs, const std::vector<uint32_t>& rtxSsrcs,
                                     bool withData, const LocalTransport& local, uint64_t sessionId,
                                     uint64_t sessionVersion) const;

  // Reads a subscriber's answer to our offer: the streams it accepted (direction, extension
  // ids it kept). nullopt when the m-line count does not match the offer.
  static std::optional<std::vector<NegotiatedStream>> readSubscriberAnswer(const SessionDescription& offer,
                                                                           const SessionDescription& answer,
                                                                           std::string* error = nullptr);

  const Capabilities& capabilities() const noexcept { return d_caps; }

private:
  Capabilities d_caps;
};

}
