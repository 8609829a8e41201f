#include "StunProbe.hpp"

#include "common/crypto/Crypto.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace talk::testtools {

namespace {

void putU16(std::vector<uint8_t>& out, uint16_t v)
{
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

void putU32(std::vector<uint8_t>& out, uint32_t v)
{
  putU16(out, static_cast<uint16_t>(v >> 16));
  putU16(out, static_cast<uint16_t>(v));
}

uint16_t getU16(const uint8_t* p)
{
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

uint32_t getU32(const uint8_t* p)
{
  return (static_cast<uint32_t>(getU16(p)) << 16) | getU16(p + 2);
}

void setLength(std::vector<uint8_t>& msg, size_t bodyLength)
{
  msg[2] = static_cast<uint8_t>(bodyLength >> 8);
  msg[3] = static_cast<uint8_t>(bodyLength);
}

}

uint16_t messageType(uint16_t m, uint16_t c)
{
  return static_cast<uint16_t>((m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | ((c & 1) << 4) | ((c & 2) << 7));
}

StunBuilder::StunBuilder(uint16_t m, uint16_t cls)
{
  putU16(d_bytes, messageType(m, cls));
  putU16(d_bytes, 0);
  putU32(d_bytes, MagicCookie);
  uint8_t tid[12];
  crypto::randomBytes(tid);
  d_bytes.insert(d_bytes.end(), tid, tid + 12);
}

void StunBuilder::add(uint16_t type, const std::vector<uint8_t>& value)
{
  putU16(d_bytes, type);
  putU16(d_bytes, static_cast<uint16_t>(value.size()));
  d_bytes.insert(d_bytes.end(), value.begin(), value.end());
  while (d_bytes.size() % 4 != 0) {
    d_bytes.push_back(0);
  }
  setLength(d_bytes, d_bytes.size() - 20);
}

void StunBuilder::add(uint16_t type, const std::string& value)
{
  add(type, std::vector<uint8_t>(value.begin(), value.end()));
}

void StunBuilder::addU32(uint16_t type, uint32_t value)
{
  std::vector<uint8_t> v;
  putU32(v, value);
  add(type, v);
}

void StunBuilder::addXorAddress(uint16_t type, const sockaddr_storage& address)
{
  std::vector<uint8_t> v;
  v.push_back(0);
  if (address.ss_family == AF_INET) {
    const auto& sin = reinterpret_cast<const sockaddr_in&>(address);
    v.push_back(0x01);
    putU16(v, static_cast<uint16_t>(ntohs(sin.sin_port) ^ (MagicCookie >> 16)));
    putU32(v, ntohl(sin.sin_addr.s_addr) ^ MagicCookie);
  } else {
    const auto& sin6 = reinterpret_cast<const sockaddr_in6&>(address);
    v.push_back(0x02);
    putU16(v, static_cast<uint16_t>(ntohs(sin6.sin6_port) ^ (MagicCookie >> 16)));
    // The IPv6 mask is the cookie followed by the transaction id, i.e. header bytes 4..19.
    for (size_t i = 0; i < 16; ++i) {
      v.push_back(sin6.sin6_addr.s6_addr[i] ^ d_bytes[4 + i]);
    }
  }
  add(type, v);
}

std::vector<uint8_t> StunBuilder::bytes()
{
  return d_bytes;
}

std::vector<uint8_t> StunBuilder::finish(const std::vector<uint8_t>& key, bool fingerprint)
{
  if (!key.empty()) {
    size_t miOffset = d_bytes.size();
    setLength(d_bytes, miOffset - 20 + 24);
    auto mac = crypto::hmacSha1(key, d_bytes);
    add(attr::MessageIntegrity, std::vector<uint8_t>(mac.begin(), mac.end()));
  }
  if (fingerprint) {
    size_t fpOffset = d_bytes.size();
    setLength(d_bytes, fpOffset - 20 + 8);
    uint32_t crc = crypto::crc32(d_bytes) ^ 0x5354554E;
    addU32(attr::Fingerprint, crc);
  }
  return d_bytes;
}

const StunAttribute* StunMessage::find(uint16_t type) const
{
  for (const auto& a : attributes) {
    if (a.type == type) {
      return &a;
    }
  }
  return nullptr;
}

int StunMessage::errorCode() const
{
  const auto* a = find(attr::ErrorCode);
  if (a == nullptr || a->value.size() < 4) {
    return 0;
  }
  return (a->value[2] & 0x07) * 100 + a->value[3];
}

std::string StunMessage::text(uint16_t type) const
{
  const auto* a = find(type);
  return a != nullptr ? std::string(a->value.begin(), a->value.end()) : std::string();
}

namespace {

std::optional<sockaddr_storage> decodeXor(const StunAttribute& a, const std::vector<uint8_t>& raw)
{
  if (a.value.size() < 8) {
    return std::nullopt;
  }
  sockaddr_storage ss{};
  uint16_t port = getU16(&a.value[2]) ^ static_cast<uint16_t>(MagicCookie >> 16);
  if (a.value[1] == 0x01 && a.value.size() == 8) {
    auto& sin = reinterpret_cast<sockaddr_in&>(ss);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(getU32(&a.value[4]) ^ MagicCookie);
    return ss;
  }
  if (a.value[1] == 0x02 && a.value.size() == 20) {
    auto& sin6 = reinterpret_cast<sockaddr_in6&>(ss);
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(port);
    for (size_t i = 0; i < 16; ++i) {
      sin6.sin6_addr.s6_addr[i] = a.value[4 + i] ^ raw[4 + i];
    }
    return ss;
  }
  return std::nullopt;
}

}

std::optional<sockaddr_storage> StunMessage::xorAddress(uint16_t type) const
{
  const auto* a = find(type);
  return a != nullptr ? decodeXor(*a, raw) : std::nullopt;
}

std::vector<sockaddr_storage> StunMessage::xorAddresses(uint16_t type) const
{
  std::vector<sockaddr_storage> out;
  for (const auto& a : attributes) {
    if (a.type == type) {
      if (auto address = decodeXor(a, raw)) {
        out.push_back(*address);
      }
    }
  }
  return out;
}

bool sameAddress(const sockaddr_storage& a, const sockaddr_storage& b)
{
  if (a.ss_family != b.ss_family) {
    return false;
  }
  if (a.ss_family == AF_INET) {
    const auto& x = reinterpret_cast<const sockaddr_in&>(a);
    const auto& y = reinterpret_cast<const sockaddr_in&>(b);
    return x.sin_port == y.sin_port && x.sin_addr.s_addr == y.sin_addr.s_addr;
  }
  const auto& x = reinterpret_cast<const sockaddr_in6&>(a);
  const auto& y = reinterpret_cast<const sockaddr_in6&>(b);
  return x.sin6_port == y.sin6_port && std::memcmp(&x.sin6_addr, &y.sin6_addr, 16) == 0;
}

bool StunMessage::integrityValid(const std::vector<uint8_t>& key) const
{
  const auto* mi = find(attr::MessageIntegrity);
  if (mi == nullptr || mi->value.size() != 20) {
    return false;
  }
  std::vector<uint8_t> covered(raw.begin(), raw.begin() + static_cast<long>(mi->offset));
  setLength(covered, mi->offset - 20 + 24);
  auto mac = crypto::hmacSha1(key, covered);
  return crypto::constantTimeEquals(mac, mi->value);
}

bool StunMessage::fingerprintValid() const
{
  if (attributes.empty() || attributes.back().type != attr::Fingerprint || attributes.back().value.size() != 4) {
    return false;
  }
  const auto& fp = attributes.back();
  std::vector<uint8_t> covered(raw.begin(), raw.begin() + static_cast<long>(fp.offset));
  setLength(covered, fp.offset - 20 + 8);
  return (crypto::crc32(covered) ^ 0x5354554E) == getU32(fp.value.data());
}

std::optional<StunMessage> parseStun(const uint8_t* data, size_t size)
{
  if (size < 20 || (data[0] & 0xC0) != 0 || getU32(data + 4) != MagicCookie) {
    return std::nullopt;
  }
  size_t length = getU16(data + 2);
  if (length % 4 != 0 || 20 + length != size) {
    return std::nullopt;
  }
  StunMessage m;
  uint16_t type = getU16(data);
  m.method = static_cast<uint16_t>((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));
  m.cls = static_cast<uint16_t>(((type >> 4) & 1) | ((type >> 7) & 2));
  std::memcpy(m.transactionId, data + 8, 12);
  m.raw.assign(data, data + size);
  size_t pos = 20;
  while (pos < size) {
    if (size - pos < 4) {
      return std::nullopt;
    }
    uint16_t at = getU16(data + pos);
    size_t len = getU16(data + pos + 2);
    size_t padded = (len + 3) & ~size_t{3};
    if (size - pos - 4 < padded) {
      return std::nullopt;
    }
    m.attributes.push_back({at, pos, std::vector<uint8_t>(data + pos + 4, data + pos + 4 + len)});
    pos += 4 + padded;
  }
  return m;
}

std::vector<uint8_t> longTermKey(const std::string& user, const std::string& realm, const std::string& password)
{
  auto d = crypto::md5(crypto::bytes(user + ":" + realm + ":" + password));
  return {d.begin(), d.end()};
}

std::optional<sockaddr_storage> parseAddress(const std::string& text, uint16_t defaultPort)
{
  std::string host = text;
  uint16_t port = defaultPort;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos) {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') {
        return std::nullopt;
      }
      port = static_cast<uint16_t>(std::stoul(text.substr(close + 2)));
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    auto colon = text.find(':');
    host = text.substr(0, colon);
    port = static_cast<uint16_t>(std::stoul(text.substr(colon + 1)));
  }
  sockaddr_storage ss{};
  auto& sin = reinterpret_cast<sockaddr_in&>(ss);
  auto& sin6 = reinterpret_cast<sockaddr_in6&>(ss);
  if (inet_pton(AF_INET, host.c_str(), &sin.sin_addr) == 1) {
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    return ss;
  }
  if (inet_pton(AF_INET6, host.c_str(), &sin6.sin6_addr) == 1) {
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(port);
    return ss;
  }
  return std::nullopt;
}

std::string formatAddress(const sockaddr_storage& address)
{
  char buf[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto& sin = reinterpret_cast<const sockaddr_in&>(address);
    inet_ntop(AF_INET, &sin.sin_addr, buf, sizeof buf);
    return std::string(buf) + ":" + std::to_string(ntohs(sin.sin_port));
  }
  const auto& sin6 = reinterpret_cast<const sockaddr_in6&>(address);
  inet_ntop(AF_INET6, &sin6.sin6_addr, buf, sizeof buf);
  return "[" + std::string(buf) + "]:" + std::to_string(ntohs(sin6.sin6_port));
}

}
