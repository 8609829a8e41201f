#include "rtc/sdp/SdpAnswerBuilder.hpp"

#include <algorithm>
#include <strings.h>

namespace talk::rtc::sdp {

namespace {

bool equalsNoCase(std::string_view a, std::string_view b) noexcept
{
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool isRtx(const Rtpmap& r) noexcept
{
  return equalsNoCase(r.encoding, "rtx");
}

std::string defaultFmtpValue(std::string_view key)
{
  if (key == "packetization-mode" || key == "profile-id") {
    return "0";
  }
  return {};
}

bool codecMatches(const CodecCapability& cap, const MediaDescription& m, const Rtpmap& r)
{
  if (!equalsNoCase(cap.encoding, r.encoding) || cap.clockRate != r.clockRate) {
    return false;
  }
  if (cap.channels != 0 && (r.channels == 0 ? 1 : r.channels) != cap.channels) {
    return false;
  }
  const Fmtp* f = m.fmtp(r.payloadType);
  for (const auto& [key, want] : cap.requiredFmtp) {
    std::optional<std::string> have = f != nullptr ? f->parameter(key) : std::nullopt;
    std::string value = have ? *have : defaultFmtpValue(key);
    if (!equalsNoCase(value, want)) {
      return false;
    }
  }
  return true;
}

void writeLocalTransport(MediaDescription& m, const LocalTransport& local)
{
  m.transport.iceUfrag = local.iceUfrag;
  m.transport.icePwd = local.icePwd;
  m.transport.iceOptions = local.iceOptions;
  m.transport.fingerprints = {local.fingerprint};
  m.candidates = local.candidates;
  m.endOfCandidates = local.endOfCandidates && !local.candidates.empty();
  m.connection = "IN IP4 0.0.0.0";
  m.port = 9;
  if (!local.candidates.empty()) {
    const Candidate& c = local.candidates.front();
    bool v6 = c.address.find(':') != std::string::npos;
    m.connection = std::string(v6 ? "IN IP6 " : "IN IP4 ") + c.address;
    m.port = c.port;
  }
}

// SSRCs of the media (not RTX) streams of an m-line, lowest simulcast layer first as the SIM
// group lists them, with their FID partners.
void collectSsrcs(const MediaDescription& m, NegotiatedStream& s)
{
  auto fidPartner = [&](uint32_t media) -> uint32_t {
    for (const auto& g : m.ssrcGroups) {
      if (g.semantics == "FID" && g.ssrcs.size() == 2 && g.ssrcs[0] == media) {
        return g.ssrcs[1];
      }
    }
    return 0;
  };
  for (const auto& g : m.ssrcGroups) {
    if (g.semantics == "SIM" && !g.ssrcs.empty()) {
      for (uint32_t ssrc : g.ssrcs) {
        s.ssrcs.push_back(ssrc);
        s.rtxSsrcs.push_back(fidPartner(ssrc));
      }
      return;
    }
  }
  std::vector<uint32_t> secondaries;
  for (const auto& g : m.ssrcGroups) {
    if (g.semantics == "FID" && g.ssrcs.size() == 2) {
      secondaries.push_back(g.ssrcs[1]);
    }
  }
  for (const auto& a : m.ssrcs) {
    if (std::find(secondaries.begin(), secondaries.end(), a.ssrc) != secondaries.end() ||
        std::find(s.ssrcs.begin(), s.ssrcs.end(), a.ssrc) != s.ssrcs.end()) {
      continue;
    }
    s.ssrcs.push_back(a.ssrc);
    s.rtxSsrcs.push_back(fidPartner(a.ssrc));
  }
}

void fillStreamMetadata(const MediaDescription& m, NegotiatedStream& s)
{
  collectSsrcs(m, s);
  if (m.simulcast && !m.simulcast->send.empty()) {
    for (const auto& alts : m.simulcast->send) {
      if (!alts.empty()) {
        s.rids.push_back(alts.front().rid);
      }
    }
  } else {
    for (const auto& r : m.rids) {
      if (r.direction == Direction::SendOnly) {
        s.rids.push_back(r.id);
      }
    }
  }
  if (!m.msids.empty()) {
    s.msid = m.msids.front();
  } else if (!s.ssrcs.empty()) {
    s.msid = m.ssrcAttribute(s.ssrcs.front(), "msid");
  }
  if (!s.ssrcs.empty()) {
    s.cname = m.ssrcAttribute(s.ssrcs.front(), "cname");
  }
}

SessionDescription skeleton(uint64_t sessionId, uint64_t version, bool iceLite)
{
  SessionDescription d;
  d.origin.username = "-";
  d.origin.sessionId = std::to_string(sessionId);
  d.origin.sessionVersion = std::to_string(version);
  d.origin.address = "127.0.0.1";
  d.sessionName = "-";
  d.timing = {"0 0"};
  d.msidSemantic = " WMS *";
  d.transport.iceLite = iceLite;
  return d;
}

}

Capabilities Capabilities::defaults()
{
  Capabilities c;
  const std::vector<std::pair<std::string, std::string>> videoFb = {
    {"goog-remb", ""}, {"transport-cc", ""}, {"ccm", "fir"}, {"nack", ""}, {"nack", "pli"}};
  c.codecs.push_back(CodecCapability{"audio", "opus", 48000, 2, {}, {{"transport-cc", ""}, {"nack", ""}}});
  c.codecs.push_back(CodecCapability{"video", "VP8", 90000, 0, {}, videoFb});
  c.codecs.push_back(CodecCapability{"video", "VP9", 90000, 0, {{"profile-id", "0"}}, videoFb});
  c.codecs.push_back(CodecCapability{
    "video", "H264", 90000, 0, {{"packetization-mode", "1"}, {"profile-level-id", "42e01f"}}, videoFb});
  c.codecs.push_back(CodecCapability{"video", "AV1", 90000, 0, {}, videoFb});
  c.audioExtensions = {RtpExtension::Mid, RtpExtension::AudioLevel, RtpExtension::AbsSendTime,
                       RtpExtension::TransportWideCc};
  c.videoExtensions = {RtpExtension::Mid,         RtpExtension::Rid,             RtpExtension::RepairedRid,
                       RtpExtension::AbsSendTime, RtpExtension::TransportWideCc, RtpExtension::PlayoutDelay,
                       RtpExtension::DependencyDescriptor};
  return c;
}

std::optional<PublisherAnswer> SdpAnswerBuilder::answerPublisher(const SessionDescription& offer,
                                                                 const LocalTransport& local, std::string* error) const
{
  auto fail = [&](const std::string& what) -> std::optional<PublisherAnswer> {
    if (error != nullptr) {
      *error = what;
    }
    return std::nullopt;
  };
  if (offer.media.empty()) {
    return fail("offer has no m-line");
  }
  const Group* bundle = offer.bundle();
  if (bundle == nullptr || bundle->mids.empty()) {
    return fail("offer has no BUNDLE group (Unified Plan with BUNDLE is required)");
  }
  const MediaDescription* first = offer.findMid(bundle->mids.front());
  if (first == nullptr) {
    return fail("BUNDLE group names mid " + bundle->mids.front() + " which has no m-line");
  }
  if (!offer.iceUfrag(*first) || !offer.icePwd(*first)) {
    return fail("offer has no ICE credentials");
  }
  const Fingerprint* fp = offer.fingerprint(*first);
  if (fp == nullptr) {
    return fail("offer has no DTLS fingerprint");
  }

  PublisherAnswer result;
  SessionDescription& answer = result.answer;
  answer = skeleton(local.sessionId, local.sessionVersion, local.iceLite);
  bool allowMixed = offer.extmapAllowMixed;
  Group answerBundle{"BUNDLE", {}};

  for (size_t index = 0; index < offer.media.size(); ++index) {
    const MediaDescription& om = offer.media[index];
    allowMixed = allowMixed || om.extmapAllowMixed;
    MediaDescription am;
    am.kind = om.kind;
    am.protocol = om.protocol;
    am.mid = om.mid;
    NegotiatedStream stream;
    stream.mid = om.mid.value_or(std::to_string(index));
    stream.kind = om.kind;
    stream.mindex = index;
    bool inBundle = om.mid && std::find(bundle->mids.begin(), bundle->mids.end(), *om.mid) != bundle->mids.end();

    if (om.isRtp() && !om.rejected() && inBundle) {
      // First codec of our preference list the offer contains.
      const Rtpmap* chosen = nullptr;
      const CodecCapability* cap = nullptr;
      for (const auto& c : d_caps.codecs) {
        if (c.kind != om.kind) {
          continue;
        }
        for (uint8_t pt : om.payloadTypes()) {
          const Rtpmap* r = om.rtpmap(pt);
          if (r != nullptr && codecMatches(c, om, *r)) {
            chosen = r;
            break;
          }
        }
        if (chosen != nullptr) {
          cap = &c;
          break;
        }
      }
      Direction offered = om.effectiveDirection();
      if (chosen != nullptr && (offered == Direction::SendOnly || offered == Direction::SendRecv)) {
        stream.accepted = true;
        stream.direction = Direction::RecvOnly;
        stream.codec = *chosen;
        if (const Fmtp* f = om.fmtp(chosen->payloadType)) {
          stream.fmtp = *f;
        }
        for (const auto& fb : om.feedbackFor(chosen->payloadType)) {
          bool wanted = std::any_of(cap->feedback.begin(), cap->feedback.end(),
                                    [&](const auto& w) { return w.first == fb.type && w.second == fb.parameter; });
          if (wanted) {
            RtcpFb copy = fb;
            copy.payloadType = chosen->payloadType;
            if (std::find(stream.feedback.begin(), stream.feedback.end(), copy) == stream.feedback.end()) {
              stream.feedback.push_back(copy);
            }
          }
        }
        if (d_caps.rtx) {
          stream.rtxPayloadType = om.rtxPayloadType(chosen->payloadType);
        }
        const auto& wantedExt = om.kind == "audio" ? d_caps.audioExtensions : d_caps.videoExtensions;
        for (const auto& e : om.extmaps) {
          auto ext = rtpExtensionFromUri(e.uri);
          if (!ext || e.id > 255 || std::find(wantedExt.begin(), wantedExt.end(), *ext) == wantedExt.end()) {
            continue;
          }
          if (e.direction == Direction::RecvOnly || e.direction == Direction::Inactive) {
            continue; // the publisher will not send it
          }
          stream.extmaps.push_back(Extmap{e.id, std::nullopt, e.uri, {}});
          stream.extensionMap.set(*ext, static_cast<uint8_t>(e.id));
        }
        fillStreamMetadata(om, stream);

        am.formats.push_back(std::to_string(chosen->payloadType));
        am.rtpmaps.push_back(*chosen);
        if (stream.fmtp) {
          am.fmtps.push_back(*stream.fmtp);
        }
        am.rtcpFbs = stream.feedback;
        if (stream.rtxPayloadType) {
          const Rtpmap* rtx = om.rtpmap(*stream.rtxPayloadType);
          am.formats.push_back(std::to_string(*stream.rtxPayloadType));
          am.rtpmaps.push_back(rtx != nullptr ? *rtx : Rtpmap{*stream.rtxPayloadType, "rtx", chosen->clockRate, 0});
          am.fmtps.push_back(Fmtp{*stream.rtxPayloadType, "apt=" + std::to_string(chosen->payloadType)});
        }
        am.extmaps = stream.extmaps;
        am.direction = Direction::RecvOnly;
        am.rtcpMux = true;
        am.rtcpRsize = om.rtcpRsize;
        for (const auto& r : om.rids) {
          if (r.direction == Direction::SendOnly) {
            am.rids.push_back(Rid{r.id, Direction::RecvOnly, {}});
          }
        }
        if (om.simulcast && !om.simulcast->send.empty()) {
          Simulcast sc;
          sc.recv = om.simulcast->send;
          am.simulcast = sc;
        }
      }
    } else if (om.isDataChannel() && !om.rejected() && inBundle && d_caps.dataChannels) {
      stream.accepted = true;
      stream.direction = Direction::SendRecv;
      am.formats = om.formats;
      am.sctpPort = 5000;
      am.maxMessageSize = d_caps.maxMessageSize;
    }

    if (stream.accepted) {
      writeLocalTransport(am, local);
      am.transport.setup = local.setup == Setup::ActPass ? Setup::Passive : local.setup;
      answerBundle.mids.push_back(*am.mid);
    } else {
      // Rejected: port 0, the offered formats echoed (an m-line needs at least one).
      am.port = 0;
      am.formats = om.formats.empty() ? std::vector<std::string>{"0"} : std::vector<std::string>{om.formats.front()};
      am.connection = "IN IP4 0.0.0.0";
      am.direction = om.isRtp() ? std::optional<Direction>(Direction::Inactive) : std::nullopt;
    }
    answer.media.push_back(std::move(am));
    result.streams.push_back(std::move(stream));
  }
  if (answerBundle.mids.empty()) {
    return fail("no m-line of the offer has a codec or data channel we accept");
  }
  answer.groups.push_back(std::move(answerBundle));
  answer.extmapAllowMixed = allowMixed;
  return result;
}

SessionDescription SdpAnswerBuilder::offerSubscriber(const std::vector<NegotiatedStream>& streams,
                                                     const std::vector<uint32_t>& ssrcs,
                                                     const std::vector<uint32_t>& rtxSsrcs, bool withData,
                                                     const LocalTransport& local, uint64_t sessionId,
                                                     uint64_t sessionVersion) const
{
  SessionDescription offer = skeleton(sessionId, sessionVersion, local.iceLite);
  offer.extmapAllowMixed = true;
  Group bundle{"BUNDLE", {}};
  size_t mindex = 0;
  for (size_t i = 0; i < streams.size(); ++i) {
    const NegotiatedStream& s = streams[i];
    if (!s.accepted || (s.kind != "audio" && s.kind != "video")) {
      continue;
    }
    MediaDescription m;
    m.kind = s.kind;
    m.mid = std::to_string(mindex++);
    writeLocalTransport(m, local);
    m.transport.setup = Setup::ActPass;
    uint8_t pt = s.codec.payloadType;
    m.formats.push_back(std::to_string(pt));
    m.rtpmaps.push_back(s.codec);
    if (s.fmtp) {
      m.fmtps.push_back(*s.fmtp);
    }
    m.rtcpFbs = s.feedback;
    uint32_t ssrc = i < ssrcs.size() ? ssrcs[i] : 0;
    uint32_t rtxSsrc = i < rtxSsrcs.size() ? rtxSsrcs[i] : 0;
    bool rtx = d_caps.rtx && s.rtxPayloadType && rtxSsrc != 0;
    if (rtx) {
      m.formats.push_back(std::to_string(*s.rtxPayloadType));
      m.rtpmaps.push_back(Rtpmap{*s.rtxPayloadType, "rtx", s.codec.clockRate, 0});
      m.fmtps.push_back(Fmtp{*s.rtxPayloadType, "apt=" + std::to_string(pt)});
    }
    for (const auto& e : s.extmaps) {
      auto ext = rtpExtensionFromUri(e.uri);
      // One SSRC per m-line toward the subscriber: rid extensions describe nothing there.
      if (ext == RtpExtension::Rid || ext == RtpExtension::RepairedRid) {
        continue;
      }
      m.extmaps.push_back(Extmap{e.id, std::nullopt, e.uri, {}});
    }
    m.direction = Direction::SendOnly;
    std::string streamId = "talk-" + std::to_string(sessionId);
    std::string trackId = s.kind + "-" + *m.mid;
    std::string msid = streamId + " " + trackId;
    m.msids.push_back(msid);
    m.rtcpMux = true;
    m.rtcpRsize = true;
    if (ssrc != 0) {
      if (rtx) {
        m.ssrcGroups.push_back(SsrcGroup{"FID", {ssrc, rtxSsrc}});
      }
      m.ssrcs.push_back(SsrcAttribute{ssrc, "cname", local.cname});
      m.ssrcs.push_back(SsrcAttribute{ssrc, "msid", msid});
      if (rtx) {
        m.ssrcs.push_back(SsrcAttribute{rtxSsrc, "cname", local.cname});
        m.ssrcs.push_back(SsrcAttribute{rtxSsrc, "msid", msid});
      }
    }
    bundle.mids.push_back(*m.mid);
    offer.media.push_back(std::move(m));
  }
  if (withData) {
    MediaDescription m;
    m.kind = "application";
    m.protocol = "UDP/DTLS/SCTP";
    m.formats = {"webrtc-datachannel"};
    m.mid = std::to_string(mindex++);
    writeLocalTransport(m, local);
    m.transport.setup = Setup::ActPass;
    m.sctpPort = 5000;
    m.maxMessageSize = d_caps.maxMessageSize;
    bundle.mids.push_back(*m.mid);
    offer.media.push_back(std::move(m));
  }
  if (!bundle.mids.empty()) {
    offer.groups.push_back(std::move(bundle));
  }
  return offer;
}

std::optional<std::vector<NegotiatedStream>> SdpAnswerBuilder::readSubscriberAnswer(const SessionDescription& offer,
                                                                                    const SessionDescription& answer,
                                                                                    std::string* error)
{
  if (offer.media.size() != answer.media.size()) {
    if (error != nullptr) {
      *error = "answer has " + std::to_string(answer.media.size()) + " m-lines, the offer had " +
        std::to_string(offer.media.size());
    }
    return std::nullopt;
  }
  std::vector<NegotiatedStream> out;
  for (size_t i = 0; i < offer.media.size(); ++i) {
    const MediaDescription& om = offer.media[i];
    const MediaDescription& am = answer.media[i];
    NegotiatedStream s;
    s.mid = om.mid.value_or(std::to_string(i));
    s.kind = om.kind;
    s.mindex = i;
    s.accepted = !am.rejected() && am.kind == om.kind;
    if (s.accepted && am.isRtp()) {
      Direction theirs = am.effectiveDirection();
      s.direction = reverse(theirs);
      if (s.direction == Direction::SendRecv) {
        s.direction = Direction::SendOnly; // we only ever send on a subscriber m-line
      }
      if (theirs == Direction::SendOnly || theirs == Direction::Inactive) {
        s.direction = Direction::Inactive;
      }
      auto pts = am.payloadTypes();
      for (uint8_t pt : pts) {
        const Rtpmap* r = am.rtpmap(pt);
        if (r == nullptr) {
          r = om.rtpmap(pt);
        }
        if (r != nullptr && !isRtx(*r)) {
          s.codec = *r;
          if (const Fmtp* f = am.fmtp(pt)) {
            s.fmtp = *f;
          }
          s.feedback = am.feedbackFor(pt);
          s.rtxPayloadType = am.rtxPayloadType(pt);
          break;
        }
      }
      for (const auto& e : am.extmaps) {
        if (e.id > 255) {
          continue;
        }
        s.extmaps.push_back(e);
        if (auto ext = rtpExtensionFromUri(e.uri)) {
          s.extensionMap.set(*ext, static_cast<uint8_t>(e.id));
        }
      }
    } else if (s.accepted) {
      s.direction = Direction::SendRecv;
    }
    out.push_back(std::move(s));
  }
  return out;
}

}
