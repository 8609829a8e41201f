#pragma once
// An IPv4 or IPv6 transport address held by value in a sockaddr_storage.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <netinet/in.h>
#include <sys/socket.h>

namespace talk {

class SocketAddress
{
public:
  SocketAddress() = default;
  SocketAddress(const sockaddr* sa, socklen_t len);

  // "1.2.3.4", "::1" (no port) plus a port.
  static std::optional<SocketAddress> fromIp(std::string_view ip, uint16_t port);
  // "1.2.3.4:3478", "[::1]:3478".
  static std::optional<SocketAddress> parse(std::string_view text);

  int family() const { return d_storage.ss_family; }
  bool isV4() const { return family() == AF_INET; }
  bool isV6() const { return family() == AF_INET6; }
  bool valid() const { return isV4() || isV6(); }
  uint16_t port() const;
  void setPort(uint16_t port);

  const sockaddr* sockaddrPtr() const { return reinterpret_cast<const sockaddr*>(&d_storage); }
  sockaddr* sockaddrPtr() { return reinterpret_cast<sockaddr*>(&d_storage); }
  socklen_t length() const;
  static constexpr socklen_t capacity() { return sizeof(sockaddr_storage); }

  // 4 or 16 bytes of the address in network order.
  const uint8_t* addressBytes() const;
  size_t addressLength() const { return isV4() ? 4 : isV6() ? 16 : 0; }

  std::string ip() const;
  // "1.2.3.4:3478" or "[::1]:3478".
  std::string toString() const;

  bool sameIp(const SocketAddress& other) const;
  bool operator==(const SocketAddress& other) const;
  bool operator!=(const SocketAddress& other) const { return !(*this == other); }
  size_t hash() const;

private:
  sockaddr_storage d_storage{};
};

struct SocketAddressHash
{
  size_t operator()(const SocketAddress& a) const { return a.hash(); }
};

}
