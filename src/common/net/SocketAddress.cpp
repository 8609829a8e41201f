#include "common/net/SocketAddress.hpp"

#include <arpa/inet.h>
#include <cstring>
#include <functional>

namespace talk {

SocketAddress::SocketAddress(const sockaddr* sa, socklen_t len)
{
  if (sa != nullptr && len <= sizeof(d_storage)) {
    std::memcpy(&d_storage, sa, len);
  }
}

std::optional<SocketAddress> SocketAddress::fromIp(std::string_view ip, uint16_t port)
{
  std::string text(ip);
  SocketAddress out;
  sockaddr_in v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(port);
    std::memcpy(&out.d_storage, &v4, sizeof(v4));
    return out;
  }
  sockaddr_in6 v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(port);
    std::memcpy(&out.d_storage, &v6, sizeof(v6));
    return out;
  }
  return std::nullopt;
}

std::optional<SocketAddress> SocketAddress::parse(std::string_view text)
{
  std::string_view host;
  std::string_view portText;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    portText = text.substr(close + 2);
  }
  else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      return std::nullopt;
    }
    host = text.substr(0, colon);
    portText = text.substr(colon + 1);
  }
  if (portText.empty() || portText.size() > 5) {
    return std::nullopt;
  }
  unsigned port = 0;
  for (char c : portText) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port > 65535) {
    return std::nullopt;
  }
  return fromIp(host, static_cast<uint16_t>(port));
}

uint16_t SocketAddress::port() const
{
  if (isV4()) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&d_storage)->sin_port);
  }
  if (isV6()) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&d_storage)->sin6_port);
  }
  return 0;
}

void SocketAddress::setPort(uint16_t port)
{
  if (isV4()) {
    reinterpret_cast<sockaddr_in*>(&d_storage)->sin_port = htons(port);
  }
  else if (isV6()) {
    reinterpret_cast<sockaddr_in6*>(&d_storage)->sin6_port = htons(port);
  }
}

socklen_t SocketAddress::length() const
{
  return isV4() ? sizeof(sockaddr_in) : isV6() ? sizeof(sockaddr_in6) : 0;
}

const uint8_t* SocketAddress::addressBytes() const
{
  if (isV4()) {
    return reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in*>(&d_storage)->sin_addr);
  }
  return reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in6*>(&d_storage)->sin6_addr);
}

std::string SocketAddress::ip() const
{
  char buf[INET6_ADDRSTRLEN] = {0};
  if (!valid() || inet_ntop(family(), addressBytes(), buf, sizeof(buf)) == nullptr) {
    return "?";
  }
  return buf;
}

std::string SocketAddress::toString() const
{
  return isV6() ? "[" + ip() + "]:" + std::to_string(port()) : ip() + ":" + std::to_string(port());
}

bool SocketAddress::sameIp(const SocketAddress& other) const
{
  return family() == other.family() && valid() && std::memcmp(addressBytes(), other.addressBytes(), addressLength()) == 0;
}

bool SocketAddress::operator==(const SocketAddress& other) const
{
  return sameIp(other) && port() == other.port();
}

size_t SocketAddress::hash() const
{
  // std::hash of the bytes; attacker-chosen addresses go into tables keyed with a per-process seed
  // by the caller where flooding matters.
  std::string_view raw(reinterpret_cast<const char*>(addressBytes()), addressLength());
  return std::hash<std::string_view>{}(raw) ^ (static_cast<size_t>(port()) * 0x9E3779B97F4A7C15ULL);
}

}
