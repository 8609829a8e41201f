#pragma once
// A deliberately small, independent STUN/TURN encoder and decoder for the integration probes.
// It does not use src/turn/stun on purpose: a test oracle that shares the codec under test
// would share its bugs. Written from ../shared/spec/turn.md §1 and §4.
#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace talk::testtools {

constexpr uint32_t MagicCookie = 0x2112A442;

namespace method {
constexpr uint16_t Binding = 0x001;
constexpr uint16_t Allocate = 0x003;
constexpr uint16_t Refresh = 0x004;
constexpr uint16_t Send = 0x006;
constexpr uint16_t Data = 0x007;
constexpr uint16_t CreatePermission = 0x008;
constexpr uint16_t ChannelBind = 0x009;
}

namespace attr {
constexpr uint16_t Username = 0x0006;
constexpr uint16_t MessageIntegrity = 0x0008;
constexpr uint16_t ErrorCode = 0x0009;
constexpr uint16_t ChannelNumber = 0x000C;
constexpr uint16_t Lifetime = 0x000D;
constexpr uint16_t XorPeerAddress = 0x0012;
constexpr uint16_t Data = 0x0013;
constexpr uint16_t Realm = 0x0014;
constexpr uint16_t Nonce = 0x0015;
constexpr uint16_t XorRelayedAddress = 0x0016;
constexpr uint16_t RequestedAddressFamily = 0x0017;
constexpr uint16_t RequestedTransport = 0x0019;
constexpr uint16_t XorMappedAddress = 0x0020;
constexpr uint16_t AdditionalAddressFamily = 0x8000;
constexpr uint16_t AddressErrorCode = 0x8001;
constexpr uint16_t Fingerprint = 0x8028;
}

constexpr uint16_t ClassRequest = 0;
constexpr uint16_t ClassIndication = 1;
constexpr uint16_t ClassSuccess = 2;
constexpr uint16_t ClassError = 3;

uint16_t messageType(uint16_t method, uint16_t cls);

// Builds one message; attributes are appended in call order with zero padding.
class StunBuilder
{
public:
  StunBuilder(uint16_t method, uint16_t cls);
  void add(uint16_t type, const std::vector<uint8_t>& value);
  void add(uint16_t type, const std::string& value);
  void addU32(uint16_t type, uint32_t value);
  void addXorAddress(uint16_t type, const sockaddr_storage& address);
  // Appends MESSAGE-INTEGRITY (HMAC-SHA1 with `key`) and then FINGERPRINT.
  std::vector<uint8_t> finish(const std::vector<uint8_t>& key, bool fingerprint = true);
  const uint8_t* transactionId() const { return d_bytes.data() + 8; }
  // The raw bytes so far, header length set (for deliberately broken variants).
  std::vector<uint8_t> bytes();

private:
  std::vector<uint8_t> d_bytes;
};

struct StunAttribute
{
  uint16_t type;
  size_t offset; // of the TLV header within the message
  std::vector<uint8_t> value;
};

struct StunMessage
{
  uint16_t method = 0;
  uint16_t cls = 0;
  uint8_t transactionId[12] = {};
  std::vector<StunAttribute> attributes;
  std::vector<uint8_t> raw;

  const StunAttribute* find(uint16_t type) const;
  // Error code (e.g. 401) of an error response, 0 otherwise.
  int errorCode() const;
  std::string text(uint16_t type) const;
  std::optional<sockaddr_storage> xorAddress(uint16_t type) const;
  // Every attribute of that type, in order (a dual allocation has two XOR-RELAYED-ADDRESS).
  std::vector<sockaddr_storage> xorAddresses(uint16_t type) const;
  // MI verifies with `key` (attributes after MI other than FINGERPRINT are not expected).
  bool integrityValid(const std::vector<uint8_t>& key) const;
  // FINGERPRINT present, last, and correct.
  bool fingerprintValid() const;
};

// Strict parse of one complete message; nullopt when malformed.
std::optional<StunMessage> parseStun(const uint8_t* data, size_t size);

std::vector<uint8_t> longTermKey(const std::string& user, const std::string& realm, const std::string& password);
std::optional<sockaddr_storage> parseAddress(const std::string& text, uint16_t defaultPort);
std::string formatAddress(const sockaddr_storage& address);
// Same family, IP and port.
bool sameAddress(const sockaddr_storage& a, const sockaddr_storage& b);

}
