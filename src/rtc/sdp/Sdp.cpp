#include "rtc/sdp/Sdp.hpp"

#include <algorithm>
#include <charconv>
#include <strings.h>

namespace talk::rtc::sdp {

namespace {

template <typename T>
std::optional<T> number(std::string_view s) noexcept
{
  T v{};
  if (s.empty()) {
    return std::nullopt;
  }
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

// Splits on single spaces, skipping empty tokens.
std::vector<std::string_view> words(std::string_view s)
{
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') {
      ++i;
    }
    size_t j = i;
    while (j < s.size() && s[j] != ' ') {
      ++j;
    }
    if (j > i) {
      out.push_back(s.substr(i, j - i));
    }
    i = j;
  }
  return out;
}

// "first rest": the first word and everything after the space that ends it.
std::pair<std::string_view, std::string_view> splitFirst(std::string_view s, char sep = ' ')
{
  size_t p = s.find(sep);
  if (p == std::string_view::npos) {
    return {s, {}};
  }
  return {s.substr(0, p), s.substr(p + 1)};
}

std::optional<Direction> directionFromName(std::string_view s) noexcept
{
  if (s == "sendrecv") {
    return Direction::SendRecv;
  }
  if (s == "sendonly") {
    return Direction::SendOnly;
  }
  if (s == "recvonly") {
    return Direction::RecvOnly;
  }
  if (s == "inactive") {
    return Direction::Inactive;
  }
  return std::nullopt;
}

std::optional<Setup> setupFromName(std::string_view s) noexcept
{
  if (s == "actpass") {
    return Setup::ActPass;
  }
  if (s == "active") {
    return Setup::Active;
  }
  if (s == "passive") {
    return Setup::Passive;
  }
  if (s == "holdconn") {
    return Setup::HoldConn;
  }
  return std::nullopt;
}

std::optional<uint8_t> payloadType(std::string_view s) noexcept
{
  auto v = number<unsigned>(s);
  if (!v || *v > 127) {
    return std::nullopt;
  }
  return static_cast<uint8_t>(*v);
}

std::vector<std::vector<SimulcastStream>> parseSimulcastList(std::string_view list)
{
  std::vector<std::vector<SimulcastStream>> out;
  size_t i = 0;
  while (i <= list.size()) {
    size_t j = list.find(';', i);
    if (j == std::string_view::npos) {
      j = list.size();
    }
    std::string_view stream = list.substr(i, j - i);
    std::vector<SimulcastStream> alts;
    size_t a = 0;
    while (a <= stream.size()) {
      size_t b = stream.find(',', a);
      if (b == std::string_view::npos) {
        b = stream.size();
      }
      std::string_view rid = stream.substr(a, b - a);
      SimulcastStream s;
      if (!rid.empty() && rid[0] == '~') {
        s.paused = true;
        rid.remove_prefix(1);
      }
      if (rid.empty()) {
        return {};
      }
      s.rid = std::string(rid);
      alts.push_back(std::move(s));
      a = b + 1;
    }
    out.push_back(std::move(alts));
    i = j + 1;
  }
  return out;
}

std::string simulcastListToString(const std::vector<std::vector<SimulcastStream>>& list)
{
  std::string out;
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) {
      out += ';';
    }
    for (size_t k = 0; k < list[i].size(); ++k) {
      if (k > 0) {
        out += ',';
      }
      if (list[i][k].paused) {
        out += '~';
      }
      out += list[i][k].rid;
    }
  }
  return out;
}

// Codec lines are kept in m-line payload type order (ties in file order), which is the order
// toString() writes them in: so parse(toString(d)) == d however the input interleaved them.
void normalizeCodecOrder(MediaDescription& m)
{
  std::vector<uint8_t> order = m.payloadTypes();
  auto rank = [&](std::optional<uint8_t> pt) {
    if (!pt) {
      return order.size();
    }
    auto it = std::find(order.begin(), order.end(), *pt);
    return static_cast<size_t>(it - order.begin());
  };
  std::stable_sort(m.rtpmaps.begin(), m.rtpmaps.end(),
                   [&](const Rtpmap& a, const Rtpmap& b) { return rank(a.payloadType) < rank(b.payloadType); });
  std::stable_sort(m.fmtps.begin(), m.fmtps.end(),
                   [&](const Fmtp& a, const Fmtp& b) { return rank(a.payloadType) < rank(b.payloadType); });
  std::stable_sort(m.rtcpFbs.begin(), m.rtcpFbs.end(),
                   [&](const RtcpFb& a, const RtcpFb& b) { return rank(a.payloadType) < rank(b.payloadType); });
}

class Parser
{
public:
  explicit Parser(std::string* error) :
    d_error(error) {}

  bool fail(size_t line, const std::string& what)
  {
    if (d_error != nullptr) {
      *d_error = "line " + std::to_string(line) + ": " + what;
    }
    return false;
  }

  // Transport attributes shared by session and media level; true when the name was one.
  bool transportAttribute(TransportAttributes& t, std::string_view name, std::string_view value, bool& bad)
  {
    if (name == "ice-ufrag") {
      t.iceUfrag = std::string(value);
    } else if (name == "ice-pwd") {
      t.icePwd = std::string(value);
    } else if (name == "ice-options") {
      for (auto w : words(value)) {
        t.iceOptions.emplace_back(w);
      }
    } else if (name == "fingerprint") {
      auto [alg, fp] = splitFirst(value);
      if (alg.empty() || fp.empty()) {
        bad = true;
      }
      t.fingerprints.push_back(Fingerprint{std::string(alg), std::string(fp)});
    } else if (name == "setup") {
      auto s = setupFromName(value);
      if (!s) {
        bad = true;
      }
      t.setup = s;
    } else {
      return false;
    }
    return true;
  }

  bool mediaAttribute(MediaDescription& m, std::string_view name, std::optional<std::string_view> value, size_t line)
  {
    std::string_view v = value.value_or(std::string_view{});
    bool bad = false;
    if (value && transportAttribute(m.transport, name, v, bad)) {
      return bad ? fail(line, "malformed a=" + std::string(name)) : true;
    }
    if (!value) {
      if (auto d = directionFromName(name)) {
        m.direction = d;
      } else if (name == "rtcp-mux") {
        m.rtcpMux = true;
      } else if (name == "rtcp-mux-only") {
        m.rtcpMuxOnly = true;
      } else if (name == "rtcp-rsize") {
        m.rtcpRsize = true;
      } else if (name == "extmap-allow-mixed") {
        m.extmapAllowMixed = true;
      } else if (name == "end-of-candidates") {
        m.endOfCandidates = true;
      } else {
        m.otherAttributes.push_back(Attribute{std::string(name), std::nullopt});
      }
      return true;
    }
    if (name == "mid") {
      m.mid = std::string(v);
    } else if (name == "msid") {
      m.msids.emplace_back(v);
    } else if (name == "rtcp") {
      m.rtcp = std::string(v);
    } else if (name == "rtpmap") {
      auto [pt, rest] = splitFirst(v);
      auto p = payloadType(pt);
      size_t s1 = rest.find('/');
      if (!p || s1 == std::string_view::npos || s1 == 0) {
        return fail(line, "malformed a=rtpmap");
      }
      Rtpmap r;
      r.payloadType = *p;
      r.encoding = std::string(rest.substr(0, s1));
      std::string_view tail = rest.substr(s1 + 1);
      auto [rate, ch] = splitFirst(tail, '/');
      auto cr = number<uint32_t>(rate);
      if (!cr) {
        return fail(line, "malformed a=rtpmap clock rate");
      }
      r.clockRate = *cr;
      if (!ch.empty()) {
        auto c = number<uint16_t>(ch);
        if (!c || *c == 0) {
          return fail(line, "malformed a=rtpmap channels");
        }
        r.channels = *c;
      }
      m.rtpmaps.push_back(std::move(r));
    } else if (name == "fmtp") {
      auto [pt, rest] = splitFirst(v);
      auto p = payloadType(pt);
      if (!p) {
        return fail(line, "malformed a=fmtp");
      }
      m.fmtps.push_back(Fmtp{*p, std::string(rest)});
    } else if (name == "rtcp-fb") {
      auto [pt, rest] = splitFirst(v);
      RtcpFb fb;
      if (pt != "*") {
        auto p = payloadType(pt);
        if (!p) {
          return fail(line, "malformed a=rtcp-fb");
        }
        fb.payloadType = p;
      }
      auto [type, param] = splitFirst(rest);
      if (type.empty()) {
        return fail(line, "malformed a=rtcp-fb");
      }
      fb.type = std::string(type);
      fb.parameter = std::string(param);
      m.rtcpFbs.push_back(std::move(fb));
    } else if (name == "extmap") {
      auto [idDir, rest] = splitFirst(v);
      auto [idText, dir] = splitFirst(idDir, '/');
      auto id = number<uint16_t>(idText);
      auto [uri, attrs] = splitFirst(rest);
      if (!id || *id == 0 || *id > 255 || uri.empty()) {
        return fail(line, "malformed a=extmap");
      }
      Extmap e;
      e.id = *id;
      if (!dir.empty()) {
        e.direction = directionFromName(dir);
        if (!e.direction) {
          return fail(line, "malformed a=extmap direction");
        }
      }
      e.uri = std::string(uri);
      e.attributes = std::string(attrs);
      m.extmaps.push_back(std::move(e));
    } else if (name == "ssrc") {
      auto [ssrcText, rest] = splitFirst(v);
      auto ssrc = number<uint32_t>(ssrcText);
      if (!ssrc) {
        return fail(line, "malformed a=ssrc");
      }
      SsrcAttribute a;
      a.ssrc = *ssrc;
      size_t colon = rest.find(':');
      if (colon == std::string_view::npos) {
        a.attribute = std::string(rest);
      } else {
        a.attribute = std::string(rest.substr(0, colon));
        a.value = std::string(rest.substr(colon + 1));
      }
      m.ssrcs.push_back(std::move(a));
    } else if (name == "ssrc-group") {
      auto w = words(v);
      if (w.empty()) {
        return fail(line, "malformed a=ssrc-group");
      }
      SsrcGroup g;
      g.semantics = std::string(w[0]);
      for (size_t i = 1; i < w.size(); ++i) {
        auto s = number<uint32_t>(w[i]);
        if (!s) {
          return fail(line, "malformed a=ssrc-group SSRC");
        }
        g.ssrcs.push_back(*s);
      }
      m.ssrcGroups.push_back(std::move(g));
    } else if (name == "rid") {
      auto [id, rest] = splitFirst(v);
      auto [dir, params] = splitFirst(rest);
      if (id.empty() || (dir != "send" && dir != "recv")) {
        return fail(line, "malformed a=rid");
      }
      m.rids.push_back(Rid{std::string(id), dir == "send" ? Direction::SendOnly : Direction::RecvOnly, std::string(params)});
    } else if (name == "simulcast") {
      Simulcast sc;
      auto w = words(v);
      if (w.empty() || w.size() % 2 != 0) {
        return fail(line, "malformed a=simulcast");
      }
      for (size_t i = 0; i < w.size(); i += 2) {
        auto list = parseSimulcastList(w[i + 1]);
        if (list.empty()) {
          return fail(line, "malformed a=simulcast stream list");
        }
        if (w[i] == "send" && sc.send.empty()) {
          sc.send = std::move(list);
        } else if (w[i] == "recv" && sc.recv.empty()) {
          sc.recv = std::move(list);
        } else {
          return fail(line, "malformed a=simulcast direction");
        }
      }
      m.simulcast = std::move(sc);
    } else if (name == "sctp-port") {
      auto p = number<uint16_t>(v);
      if (!p) {
        return fail(line, "malformed a=sctp-port");
      }
      m.sctpPort = p;
    } else if (name == "max-message-size") {
      auto p = number<uint32_t>(v);
      if (!p) {
        return fail(line, "malformed a=max-message-size");
      }
      m.maxMessageSize = p;
    } else if (name == "candidate") {
      auto c = Candidate::parse(v);
      if (!c) {
        return fail(line, "malformed a=candidate");
      }
      m.candidates.push_back(std::move(*c));
    } else {
      m.otherAttributes.push_back(Attribute{std::string(name), std::string(v)});
    }
    return true;
  }

  bool sessionAttribute(SessionDescription& s, std::string_view name, std::optional<std::string_view> value, size_t line)
  {
    std::string_view v = value.value_or(std::string_view{});
    bool bad = false;
    if (value && transportAttribute(s.transport, name, v, bad)) {
      return bad ? fail(line, "malformed a=" + std::string(name)) : true;
    }
    if (!value && name == "ice-lite") {
      s.transport.iceLite = true;
    } else if (!value && name == "extmap-allow-mixed") {
      s.extmapAllowMixed = true;
    } else if (value && name == "group") {
      auto w = words(v);
      if (w.empty()) {
        return fail(line, "malformed a=group");
      }
      Group g;
      g.semantics = std::string(w[0]);
      for (size_t i = 1; i < w.size(); ++i) {
        g.mids.emplace_back(w[i]);
      }
      s.groups.push_back(std::move(g));
    } else if (value && name == "msid-semantic") {
      s.msidSemantic = std::string(v);
    } else {
      s.otherAttributes.push_back(Attribute{std::string(name), value ? std::optional<std::string>(std::string(v)) : std::nullopt});
    }
    return true;
  }

private:
  std::string* d_error;
};

void writeTransport(std::string& out, const TransportAttributes& t)
{
  if (t.iceUfrag) {
    out += "a=ice-ufrag:" + *t.iceUfrag + "\r\n";
  }
  if (t.icePwd) {
    out += "a=ice-pwd:" + *t.icePwd + "\r\n";
  }
  if (!t.iceOptions.empty()) {
    out += "a=ice-options:";
    for (size_t i = 0; i < t.iceOptions.size(); ++i) {
      out += (i > 0 ? " " : "") + t.iceOptions[i];
    }
    out += "\r\n";
  }
  for (const auto& fp : t.fingerprints) {
    out += "a=fingerprint:" + fp.algorithm + " " + fp.value + "\r\n";
  }
  if (t.setup) {
    out += "a=setup:" + std::string(toString(*t.setup)) + "\r\n";
  }
}

void writeAttribute(std::string& out, const Attribute& a)
{
  out += "a=" + a.name;
  if (a.value) {
    out += ":" + *a.value;
  }
  out += "\r\n";
}

void writeMedia(std::string& out, const MediaDescription& m)
{
  out += "m=" + m.kind + " " + std::to_string(m.port);
  if (m.numPorts) {
    out += "/" + std::to_string(*m.numPorts);
  }
  out += " " + m.protocol;
  for (const auto& f : m.formats) {
    out += " " + f;
  }
  out += "\r\n";
  for (const auto& l : m.otherLines) {
    out += l + "\r\n"; // i= belongs before c=; the rarer k= is accepted there too
  }
  if (m.connection) {
    out += "c=" + *m.connection + "\r\n";
  }
  for (const auto& b : m.bandwidths) {
    out += "b=" + b + "\r\n";
  }
  if (m.rtcp) {
    out += "a=rtcp:" + *m.rtcp + "\r\n";
  }
  for (const auto& c : m.candidates) {
    out += "a=candidate:" + c.toString() + "\r\n";
  }
  writeTransport(out, m.transport);
  if (m.mid) {
    out += "a=mid:" + *m.mid + "\r\n";
  }
  for (const auto& e : m.extmaps) {
    out += "a=extmap:" + std::to_string(e.id);
    if (e.direction) {
      out += "/" + std::string(toString(*e.direction));
    }
    out += " " + e.uri;
    if (!e.attributes.empty()) {
      out += " " + e.attributes;
    }
    out += "\r\n";
  }
  if (m.extmapAllowMixed) {
    out += "a=extmap-allow-mixed\r\n";
  }
  if (m.direction) {
    out += "a=" + std::string(toString(*m.direction)) + "\r\n";
  }
  for (const auto& msid : m.msids) {
    out += "a=msid:" + msid + "\r\n";
  }
  if (m.rtcpMux) {
    out += "a=rtcp-mux\r\n";
  }
  if (m.rtcpMuxOnly) {
    out += "a=rtcp-mux-only\r\n";
  }
  if (m.rtcpRsize) {
    out += "a=rtcp-rsize\r\n";
  }
  for (const auto& a : m.otherAttributes) {
    writeAttribute(out, a);
  }
  // Codec lines grouped per payload type in m-line order, as Chrome writes them; anything
  // left over (lines for types not on the m-line, "*" feedback) afterwards.
  std::vector<bool> rtpmapDone(m.rtpmaps.size()), fbDone(m.rtcpFbs.size()), fmtpDone(m.fmtps.size());
  auto writeRtpmap = [&](size_t i) {
    const Rtpmap& r = m.rtpmaps[i];
    out += "a=rtpmap:" + std::to_string(r.payloadType) + " " + r.encoding + "/" + std::to_string(r.clockRate);
    if (r.channels != 0) {
      out += "/" + std::to_string(r.channels);
    }
    out += "\r\n";
    rtpmapDone[i] = true;
  };
  auto writeFb = [&](size_t i) {
    const RtcpFb& f = m.rtcpFbs[i];
    out += "a=rtcp-fb:" + (f.payloadType ? std::to_string(*f.payloadType) : std::string("*")) + " " + f.type;
    if (!f.parameter.empty()) {
      out += " " + f.parameter;
    }
    out += "\r\n";
    fbDone[i] = true;
  };
  auto writeFmtp = [&](size_t i) {
    out += "a=fmtp:" + std::to_string(m.fmtps[i].payloadType) + " " + m.fmtps[i].parameters + "\r\n";
    fmtpDone[i] = true;
  };
  for (uint8_t pt : m.payloadTypes()) {
    for (size_t i = 0; i < m.rtpmaps.size(); ++i) {
      if (!rtpmapDone[i] && m.rtpmaps[i].payloadType == pt) {
        writeRtpmap(i);
      }
    }
    for (size_t i = 0; i < m.rtcpFbs.size(); ++i) {
      if (!fbDone[i] && m.rtcpFbs[i].payloadType == pt) {
        writeFb(i);
      }
    }
    for (size_t i = 0; i < m.fmtps.size(); ++i) {
      if (!fmtpDone[i] && m.fmtps[i].payloadType == pt) {
        writeFmtp(i);
      }
    }
  }
  for (size_t i = 0; i < m.rtpmaps.size(); ++i) {
    if (!rtpmapDone[i]) {
      writeRtpmap(i);
    }
  }
  for (size_t i = 0; i < m.rtcpFbs.size(); ++i) {
    if (!fbDone[i]) {
      writeFb(i);
    }
  }
  for (size_t i = 0; i < m.fmtps.size(); ++i) {
    if (!fmtpDone[i]) {
      writeFmtp(i);
    }
  }
  for (const auto& g : m.ssrcGroups) {
    out += "a=ssrc-group:" + g.semantics;
    for (uint32_t s : g.ssrcs) {
      out += " " + std::to_string(s);
    }
    out += "\r\n";
  }
  for (const auto& s : m.ssrcs) {
    out += "a=ssrc:" + std::to_string(s.ssrc) + " " + s.attribute;
    if (s.value) {
      out += ":" + *s.value;
    }
    out += "\r\n";
  }
  for (const auto& r : m.rids) {
    out += "a=rid:" + r.id + (r.direction == Direction::RecvOnly ? " recv" : " send");
    if (!r.parameters.empty()) {
      out += " " + r.parameters;
    }
    out += "\r\n";
  }
  if (m.simulcast) {
    out += "a=simulcast:";
    if (!m.simulcast->send.empty()) {
      out += "send " + simulcastListToString(m.simulcast->send);
    }
    if (!m.simulcast->recv.empty()) {
      out += std::string(m.simulcast->send.empty() ? "" : " ") + "recv " + simulcastListToString(m.simulcast->recv);
    }
    out += "\r\n";
  }
  if (m.sctpPort) {
    out += "a=sctp-port:" + std::to_string(*m.sctpPort) + "\r\n";
  }
  if (m.maxMessageSize) {
    out += "a=max-message-size:" + std::to_string(*m.maxMessageSize) + "\r\n";
  }
  if (m.endOfCandidates) {
    out += "a=end-of-candidates\r\n";
  }
}

}

std::string_view toString(Direction d) noexcept
{
  switch (d) {
  case Direction::SendRecv:
    return "sendrecv";
  case Direction::SendOnly:
    return "sendonly";
  case Direction::RecvOnly:
    return "recvonly";
  case Direction::Inactive:
    return "inactive";
  }
  return "inactive";
}

Direction reverse(Direction d) noexcept
{
  switch (d) {
  case Direction::SendOnly:
    return Direction::RecvOnly;
  case Direction::RecvOnly:
    return Direction::SendOnly;
  default:
    return d;
  }
}

std::string_view toString(Setup s) noexcept
{
  switch (s) {
  case Setup::ActPass:
    return "actpass";
  case Setup::Active:
    return "active";
  case Setup::Passive:
    return "passive";
  case Setup::HoldConn:
    return "holdconn";
  }
  return "actpass";
}

std::optional<std::string> Fmtp::parameter(std::string_view key) const
{
  std::string_view rest = parameters;
  while (!rest.empty()) {
    size_t semi = rest.find(';');
    std::string_view item = rest.substr(0, semi);
    rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
    while (!item.empty() && item.front() == ' ') {
      item.remove_prefix(1);
    }
    size_t eq = item.find('=');
    std::string_view k = item.substr(0, eq);
    if (k == key) {
      return eq == std::string_view::npos ? std::string() : std::string(item.substr(eq + 1));
    }
  }
  return std::nullopt;
}

std::optional<Candidate> Candidate::parse(std::string_view text)
{
  if (text.starts_with("a=")) {
    text.remove_prefix(2);
  }
  if (text.starts_with("candidate:")) {
    text.remove_prefix(10);
  }
  auto w = words(text);
  if (w.size() < 8 || w[6] != "typ") {
    return std::nullopt;
  }
  Candidate c;
  c.foundation = std::string(w[0]);
  auto component = number<uint16_t>(w[1]);
  auto priority = number<uint32_t>(w[3]);
  auto port = number<uint16_t>(w[5]);
  if (!component || !priority || !port || w[2].empty() || w[4].empty()) {
    return std::nullopt;
  }
  c.component = *component;
  c.transport = std::string(w[2]);
  c.priority = *priority;
  c.address = std::string(w[4]);
  c.port = *port;
  c.type = std::string(w[7]);
  size_t i = 8;
  while (i < w.size()) {
    if (i + 1 >= w.size()) {
      return std::nullopt; // extensions are name/value pairs
    }
    std::string_view k = w[i];
    std::string_view v = w[i + 1];
    if (k == "raddr" && !c.relatedAddress) {
      c.relatedAddress = std::string(v);
    } else if (k == "rport" && !c.relatedPort) {
      auto rp = number<uint16_t>(v);
      if (!rp) {
        return std::nullopt;
      }
      c.relatedPort = rp;
    } else if (k == "tcptype" && !c.tcpType) {
      c.tcpType = std::string(v);
    } else {
      c.extensions.emplace_back(std::string(k), std::string(v));
    }
    i += 2;
  }
  return c;
}

std::string Candidate::toString() const
{
  std::string out = foundation + " " + std::to_string(component) + " " + transport + " " + std::to_string(priority) +
    " " + address + " " + std::to_string(port) + " typ " + type;
  if (relatedAddress) {
    out += " raddr " + *relatedAddress;
  }
  if (relatedPort) {
    out += " rport " + std::to_string(*relatedPort);
  }
  if (tcpType) {
    out += " tcptype " + *tcpType;
  }
  for (const auto& [k, v] : extensions) {
    out += " " + k + " " + v;
  }
  return out;
}

bool MediaDescription::isDataChannel() const noexcept
{
  return kind == "application" && std::find(formats.begin(), formats.end(), "webrtc-datachannel") != formats.end();
}

const Rtpmap* MediaDescription::rtpmap(uint8_t pt) const noexcept
{
  for (const auto& r : rtpmaps) {
    if (r.payloadType == pt) {
      return &r;
    }
  }
  return nullptr;
}

const Fmtp* MediaDescription::fmtp(uint8_t pt) const noexcept
{
  for (const auto& f : fmtps) {
    if (f.payloadType == pt) {
      return &f;
    }
  }
  return nullptr;
}

std::optional<uint8_t> MediaDescription::rtxPayloadType(uint8_t pt) const
{
  for (const auto& f : fmtps) {
    const Rtpmap* r = rtpmap(f.payloadType);
    if (r == nullptr || r->encoding.size() != 3 || strncasecmp(r->encoding.c_str(), "rtx", 3) != 0) {
      continue;
    }
    auto apt = f.parameter("apt");
    if (apt && payloadType(*apt) == pt) {
      return f.payloadType;
    }
  }
  return std::nullopt;
}

std::vector<RtcpFb> MediaDescription::feedbackFor(uint8_t pt) const
{
  std::vector<RtcpFb> out;
  for (const auto& f : rtcpFbs) {
    if (!f.payloadType || *f.payloadType == pt) {
      out.push_back(f);
    }
  }
  return out;
}

std::optional<uint16_t> MediaDescription::extmapId(std::string_view uri) const noexcept
{
  for (const auto& e : extmaps) {
    if (e.uri == uri) {
      return e.id;
    }
  }
  return std::nullopt;
}

std::optional<std::string> MediaDescription::ssrcAttribute(uint32_t ssrc, std::string_view attribute) const
{
  for (const auto& s : ssrcs) {
    if (s.ssrc == ssrc && s.attribute == attribute) {
      return s.value.value_or(std::string());
    }
  }
  return std::nullopt;
}

std::vector<uint8_t> MediaDescription::payloadTypes() const
{
  std::vector<uint8_t> out;
  if (!isRtp()) {
    return out;
  }
  for (const auto& f : formats) {
    if (auto pt = payloadType(f)) {
      out.push_back(*pt);
    }
  }
  return out;
}

std::optional<SessionDescription> SessionDescription::parse(std::string_view text, std::string* error)
{
  Parser parser(error);
  SessionDescription s;
  s.timing.clear();
  MediaDescription* media = nullptr;
  size_t lineNo = 0;
  bool sawVersion = false;
  bool sawOrigin = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string_view line = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    ++lineNo;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.empty()) {
      continue;
    }
    if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') {
      parser.fail(lineNo, "not a <type>=<value> line");
      return std::nullopt;
    }
    char type = line[0];
    std::string_view value = line.substr(2);
    if (!sawVersion) {
      if (type != 'v' || value != "0") {
        parser.fail(lineNo, "SDP must start with v=0");
        return std::nullopt;
      }
      sawVersion = true;
      continue;
    }
    if (type == 'm') {
      auto w = words(value);
      if (w.size() < 3) {
        parser.fail(lineNo, "malformed m= line");
        return std::nullopt;
      }
      MediaDescription m;
      m.connection.reset();
      m.kind = std::string(w[0]);
      auto [portText, countText] = splitFirst(w[1], '/');
      auto port = number<uint16_t>(portText);
      if (!port) {
        parser.fail(lineNo, "malformed m= port");
        return std::nullopt;
      }
      m.port = *port;
      if (!countText.empty()) {
        m.numPorts = number<uint16_t>(countText);
        if (!m.numPorts) {
          parser.fail(lineNo, "malformed m= port count");
          return std::nullopt;
        }
      }
      m.protocol = std::string(w[2]);
      for (size_t i = 3; i < w.size(); ++i) {
        m.formats.emplace_back(w[i]);
      }
      s.media.push_back(std::move(m));
      media = &s.media.back();
      continue;
    }
    if (type == 'a') {
      size_t colon = value.find(':');
      std::string_view name = value.substr(0, colon);
      std::optional<std::string_view> attrValue;
      if (colon != std::string_view::npos) {
        attrValue = value.substr(colon + 1);
      }
      if (name.empty()) {
        parser.fail(lineNo, "empty attribute name");
        return std::nullopt;
      }
      bool ok = media != nullptr ? parser.mediaAttribute(*media, name, attrValue, lineNo)
                                 : parser.sessionAttribute(s, name, attrValue, lineNo);
      if (!ok) {
        return std::nullopt;
      }
      continue;
    }
    if (media != nullptr) {
      if (type == 'c') {
        media->connection = std::string(value);
      } else if (type == 'b') {
        media->bandwidths.emplace_back(value);
      } else {
        media->otherLines.emplace_back(line);
      }
      continue;
    }
    switch (type) {
    case 'o': {
      auto w = words(value);
      if (w.size() != 6) {
        parser.fail(lineNo, "malformed o= line");
        return std::nullopt;
      }
      s.origin = Origin{std::string(w[0]), std::string(w[1]), std::string(w[2]),
                        std::string(w[3]), std::string(w[4]), std::string(w[5])};
      sawOrigin = true;
      break;
    }
    case 's':
      s.sessionName = std::string(value);
      break;
    case 't':
      s.timing.emplace_back(value);
      break;
    case 'c':
      s.connection = std::string(value);
      break;
    case 'b':
      s.bandwidths.emplace_back(value);
      break;
    default:
      s.otherLines.emplace_back(line);
      break;
    }
  }
  if (!sawVersion || !sawOrigin) {
    parser.fail(lineNo, "missing v= or o= line");
    return std::nullopt;
  }
  for (auto& m : s.media) {
    normalizeCodecOrder(m);
  }
  return s;
}

std::string SessionDescription::toString() const
{
  std::string out;
  out.reserve(4096);
  out += "v=" + std::to_string(version) + "\r\n";
  out += "o=" + origin.username + " " + origin.sessionId + " " + origin.sessionVersion + " " + origin.netType + " " +
    origin.addrType + " " + origin.address + "\r\n";
  out += "s=" + sessionName + "\r\n";
  for (const auto& l : otherLines) {
    out += l + "\r\n";
  }
  if (connection) {
    out += "c=" + *connection + "\r\n";
  }
  for (const auto& b : bandwidths) {
    out += "b=" + b + "\r\n";
  }
  for (const auto& t : timing) {
    out += "t=" + t + "\r\n";
  }
  if (transport.iceLite) {
    out += "a=ice-lite\r\n";
  }
  for (const auto& g : groups) {
    out += "a=group:" + g.semantics;
    for (const auto& mid : g.mids) {
      out += " " + mid;
    }
    out += "\r\n";
  }
  if (extmapAllowMixed) {
    out += "a=extmap-allow-mixed\r\n";
  }
  if (msidSemantic) {
    out += "a=msid-semantic:" + *msidSemantic + "\r\n";
  }
  writeTransport(out, transport);
  for (const auto& a : otherAttributes) {
    writeAttribute(out, a);
  }
  for (const auto& m : media) {
    writeMedia(out, m);
  }
  return out;
}

const Group* SessionDescription::bundle() const noexcept
{
  for (const auto& g : groups) {
    if (g.semantics == "BUNDLE") {
      return &g;
    }
  }
  return nullptr;
}

std::optional<std::string> SessionDescription::iceUfrag(const MediaDescription& m) const
{
  return m.transport.iceUfrag ? m.transport.iceUfrag : transport.iceUfrag;
}

std::optional<std::string> SessionDescription::icePwd(const MediaDescription& m) const
{
  return m.transport.icePwd ? m.transport.icePwd : transport.icePwd;
}

const Fingerprint* SessionDescription::fingerprint(const MediaDescription& m) const noexcept
{
  if (!m.transport.fingerprints.empty()) {
    return &m.transport.fingerprints.front();
  }
  if (!transport.fingerprints.empty()) {
    return &transport.fingerprints.front();
  }
  return nullptr;
}

std::optional<Setup> SessionDescription::setup(const MediaDescription& m) const noexcept
{
  return m.transport.setup ? m.transport.setup : transport.setup;
}

const MediaDescription* SessionDescription::findMid(std::string_view mid) const noexcept
{
  for (const auto& m : media) {
    if (m.mid && *m.mid == mid) {
      return &m;
    }
  }
  return nullptr;
}

}
