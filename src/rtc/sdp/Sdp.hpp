#pragma once
// Session descriptions (RFC 8866) in the WebRTC dialect Chrome and Firefox use (JSEP, RFC 8829;
// BUNDLE RFC 8843; extmap RFC 8285; simulcast RFC 8853; SCTP RFC 8841; ICE RFC 8839). This is
// the control plane: values own their strings, parse() returns nullopt plus a message that names
// the line, never throws.
//
// Lossless round trip: attributes the model does not interpret are kept verbatim, in order, in
// `otherAttributes` of their section, and toString() writes them back; the interpreted ones are
// written in the order browsers use. So toString(parse(x)) has the same set of lines as x
// (modulo line order inside a section), and parse(toString(d)) == d.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace talk::rtc::sdp {

enum class Direction : uint8_t
{
  SendRecv,
  SendOnly,
  RecvOnly,
  Inactive,
};
std::string_view toString(Direction d) noexcept;
// The direction the other side must answer with (sendonly <-> recvonly).
Direction reverse(Direction d) noexcept;

enum class Setup : uint8_t
{
  ActPass,
  Active,
  Passive,
  HoldConn,
};
std::string_view toString(Setup s) noexcept;

// An attribute kept as text: "a=name" or "a=name:value".
struct Attribute
{
  std::string name;
  std::optional<std::string> value;
  bool operator==(const Attribute&) const = default;
};

struct Origin // o=
{
  std::string username = "-";
  std::string sessionId = "0";
  std::string sessionVersion = "0";
  std::string netType = "IN";
  std::string addrType = "IP4";
  std::string address = "127.0.0.1";
  bool operator==(const Origin&) const = default;
};

struct Fingerprint // a=fingerprint:sha-256 AB:CD:...
{
  std::string algorithm;
  std::string value;
  bool operator==(const Fingerprint&) const = default;
};

// ICE/DTLS parameters, allowed at session or media level (media level wins).
struct TransportAttributes
{
  std::optional<std::string> iceUfrag;
  std::optional<std::string> icePwd;
  std::vector<std::string> iceOptions; // "trickle", "ice2", "renomination"
  bool iceLite = false;                // session level only
  std::vector<Fingerprint> fingerprints;
  std::optional<Setup> setup;
  bool operator==(const TransportAttributes&) const = default;
};

struct Group // a=group:BUNDLE 0 1 2
{
  std::string semantics;
  std::vector<std::string> mids;
  bool operator==(const Group&) const = default;
};

struct Rtpmap // a=rtpmap:96 VP8/90000, a=rtpmap:111 opus/48000/2
{
  uint8_t payloadType = 0;
  std::string encoding;
  uint32_t clockRate = 0;
  uint16_t channels = 0; // 0 = not written
  bool operator==(const Rtpmap&) const = default;
};

struct Fmtp // a=fmtp:111 minptime=10;useinbandfec=1
{
  uint8_t payloadType = 0;
  std::string parameters;
  // "key=value" pairs separated by ';' (spaces after ';' tolerated). nullopt when absent;
  // an empty string for a key without '='.
  std::optional<std::string> parameter(std::string_view key) const;
  bool operator==(const Fmtp&) const = default;
};

struct RtcpFb // a=rtcp-fb:96 nack pli / a=rtcp-fb:* transport-cc
{
  std::optional<uint8_t> payloadType; // nullopt = "*"
  std::string type;                   // "nack", "ccm", "goog-remb", "transport-cc"
  std::string parameter;              // "pli", "fir", "" (plain nack)
  bool operator==(const RtcpFb&) const = default;
};

struct Extmap // a=extmap:3/sendonly urn:... attrs
{
  uint16_t id = 0;
  std::optional<Direction> direction;
  std::string uri;
  std::string attributes; // rest of the line after the URI
  bool operator==(const Extmap&) const = default;
};

struct SsrcAttribute // a=ssrc:1234 cname:xyz / a=ssrc:1234 msid:s t
{
  uint32_t ssrc = 0;
  std::string attribute;
  std::optional<std::string> value;
  bool operator==(const SsrcAttribute&) const = default;
};

struct SsrcGroup // a=ssrc-group:SIM 1 2 3 / FID 1 4
{
  std::string semantics;
  std::vector<uint32_t> ssrcs;
  bool operator==(const SsrcGroup&) const = default;
};

struct Rid // a=rid:h send max-width=1280
{
  std::string id;
  Direction direction = Direction::SendOnly; // "send" or "recv" only
  std::string parameters;
  bool operator==(const Rid&) const = default;
};

// a=simulcast:send h;m;~l recv x — each stream is a list of alternative rids.
struct SimulcastStream
{
  std::string rid;
  bool paused = false;
  bool operator==(const SimulcastStream&) const = default;
};
struct Simulcast
{
  std::vector<std::vector<SimulcastStream>> send;
  std::vector<std::vector<SimulcastStream>> recv;
  bool operator==(const Simulcast&) const = default;
};

struct Candidate // RFC 8839 §5.1, without the "candidate:" prefix handled by parse()
{
  std::string foundation;
  uint16_t component = 1;
  std::string transport; // "udp" / "tcp" (case kept)
  uint32_t priority = 0;
  std::string address;   // IP or mDNS name
  uint16_t port = 0;
  std::string type;      // host / srflx / prflx / relay
  std::optional<std::string> relatedAddress;
  std::optional<uint16_t> relatedPort;
  std::optional<std::string> tcpType; // active / passive / so
  std::vector<std::pair<std::string, std::string>> extensions; // generation 0, ufrag x, network-id 1

  // Accepts "candidate:..." (SDP attribute value or trickle JSON) or the bare value.
  static std::optional<Candidate> parse(std::string_view text);
  std::string toString() const; // without "candidate:"
  bool operator==(const Candidate&) const = default;
};

struct MediaDescription
{
  // m=<kind> <port> <protocol> <formats...>
  std::string kind; // audio / video / application
  uint16_t port = 9;
  std::optional<uint16_t> numPorts;
  std::string protocol = "UDP/TLS/RTP/SAVPF";
  std::vector<std::string> formats; // payload types, or "webrtc-datachannel"
  std::optional<std::string> connection = "IN IP4 0.0.0.0"; // c=
  std::vector<std::string> bandwidths;                       // b= lines (e.g. "AS:512", "TIAS:...")
  std::optional<std::string> rtcp;                           // a=rtcp:9 IN IP4 0.0.0.0

  TransportAttributes transport;
  std::optional<std::string> mid;
  std::optional<Direction> direction;
  std::vector<std::string> msids; // a=msid values ("stream track" or "- track")
  bool rtcpMux = false;
  bool rtcpMuxOnly = false;
  bool rtcpRsize = false;
  bool extmapAllowMixed = false;
  std::vector<Extmap> extmaps;
  std::vector<Rtpmap> rtpmaps;
  std::vector<RtcpFb> rtcpFbs;
  std::vector<Fmtp> fmtps;
  std::vector<SsrcGroup> ssrcGroups;
  std::vector<SsrcAttribute> ssrcs;
  std::vector<Rid> rids;
  std::optional<Simulcast> simulcast;
  std::optional<uint16_t> sctpPort;
  std::optional<uint32_t> maxMessageSize;
  std::vector<Candidate> candidates;
  bool endOfCandidates = false;
  std::vector<Attribute> otherAttributes;
  std::vector<std::string> otherLines; // non-attribute lines we do not interpret ("i=...")

  bool isRtp() const noexcept { return kind == "audio" || kind == "video"; }
  bool isDataChannel() const noexcept;
  bool rejected() const noexcept { return port == 0; }
  Direction effectiveDirection() const noexcept { return direction.value_or(Direction::SendRecv); }
  const Rtpmap* rtpmap(uint8_t pt) const noexcept;
  const Fmtp* fmtp(uint8_t pt) const noexcept;
  // The payload type whose fmtp says apt=<pt> (RTX for pt), if any.
  std::optional<uint8_t> rtxPayloadType(uint8_t pt) const;
  // rtcp-fb lines that apply to pt (its own and "*").
  std::vector<RtcpFb> feedbackFor(uint8_t pt) const;
  std::optional<uint16_t> extmapId(std::string_view uri) const noexcept;
  std::optional<std::string> ssrcAttribute(uint32_t ssrc, std::string_view attribute) const;
  // Payload types in m-line order (formats that are numbers).
  std::vector<uint8_t> payloadTypes() const;

  bool operator==(const MediaDescription&) const = default;
};

struct SessionDescription
{
  int version = 0;
  Origin origin;
  std::string sessionName = "-";
  std::vector<std::string> timing = {"0 0"};   // t= lines
  std::optional<std::string> connection;        // session-level c=
  std::vector<std::string> bandwidths;          // session-level b=
  std::vector<Group> groups;
  std::optional<std::string> msidSemantic;      // a=msid-semantic value (" WMS *" kept as text)
  bool extmapAllowMixed = false;
  TransportAttributes transport;                // session-level ICE/DTLS
  std::vector<Attribute> otherAttributes;       // session-level, uninterpreted
  std::vector<std::string> otherLines;          // "i=", "u=", "e=", ... kept verbatim
  std::vector<MediaDescription> media;

  // Parses an SDP blob. Accepts CRLF or LF line ends. On failure returns nullopt and, when
  // `error` is given, a message "line N: ..." naming what was wrong.
  static std::optional<SessionDescription> parse(std::string_view text, std::string* error = nullptr);
  // CRLF line ends, as JSEP requires.
  std::string toString() const;

  // The BUNDLE group, if any.
  const Group* bundle() const noexcept;
  // Media-level ICE/DTLS values fall back to session level.
  std::optional<std::string> iceUfrag(const MediaDescription& m) const;
  std::optional<std::string> icePwd(const MediaDescription& m) const;
  const Fingerprint* fingerprint(const MediaDescription& m) const noexcept;
  std::optional<Setup> setup(const MediaDescription& m) const noexcept;
  const MediaDescription* findMid(std::string_view mid) const noexcept;

  bool operator==(const SessionDescription&) const = default;
};

}
