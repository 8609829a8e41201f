#include "signaling/ClientAddress.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>

#include <arpa/inet.h>

namespace talk::signaling {

namespace {

struct Address
{
  std::array<uint8_t, 16> bytes{};
  int bits{0}; // 32 or 128
};

std::string trim(std::string_view text)
{
  size_t start = text.find_first_not_of(" \t");
  size_t end = text.find_last_not_of(" \t");
  return start == std::string_view::npos ? std::string() : std::string(text.substr(start, end - start + 1));
}

std::optional<Address> parseIp(std::string_view text)
{
  std::string ip = trim(text);
  if (ip.size() > 2 && ip.front() == '[' && ip.back() == ']') {
    ip = ip.substr(1, ip.size() - 2);
  }
  Address address;
  if (inet_pton(AF_INET, ip.c_str(), address.bytes.data()) == 1) {
    address.bits = 32;
    return address;
  }
  if (inet_pton(AF_INET6, ip.c_str(), address.bytes.data()) == 1) {
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(address.bytes.data(), mapped, 12) == 0) {
      std::memmove(address.bytes.data(), address.bytes.data() + 12, 4);
      address.bits = 32;
      return address;
    }
    address.bits = 128;
    return address;
  }
  return std::nullopt;
}

bool matches(const Address& ip, const std::string& entry)
{
  std::string_view text = entry;
  int prefix = -1;
  if (size_t slash = text.find('/'); slash != std::string_view::npos) {
    std::string digits(text.substr(slash + 1));
    if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string::npos) {
      return false;
    }
    prefix = std::stoi(digits);
    text = text.substr(0, slash);
  }
  auto network = parseIp(text);
  if (!network || network->bits != ip.bits) {
    return false;
  }
  if (prefix < 0) {
    prefix = network->bits;
  }
  if (prefix > network->bits) {
    return false;
  }
  for (int bit = 0; bit < prefix; ++bit) {
    const uint8_t mask = static_cast<uint8_t>(0x80 >> (bit % 8));
    if ((ip.bytes[static_cast<size_t>(bit / 8)] & mask) != (network->bytes[static_cast<size_t>(bit / 8)] & mask)) {
      return false;
    }
  }
  return true;
}

}

bool ipInList(std::string_view ip, const std::vector<std::string>& list)
{
  auto address = parseIp(ip);
  if (!address) {
    return false;
  }
  for (const std::string& entry : list) {
    if (matches(*address, entry)) {
      return true;
    }
  }
  return false;
}

std::string effectiveClientIp(const std::string& peerIp, const std::string& realIp, const std::string& forwardedFor,
  const std::vector<std::string>& trustedProxies)
{
  if (!ipInList(peerIp, trustedProxies)) {
    return peerIp;
  }
  if (std::string real = trim(realIp); !real.empty() && parseIp(real)) {
    return real;
  }
  // Right to left: the last hop not run by us is the client.
  std::string_view rest = forwardedFor;
  while (!rest.empty()) {
    size_t comma = rest.rfind(',');
    std::string hop = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    if (!parseIp(hop)) {
      break;
    }
    if (!ipInList(hop, trustedProxies)) {
      return hop;
    }
  }
  return peerIp;
}

}
