// libFuzzer target: STUN message parsing and everything that reads a parsed message — typed
// attribute decoders, integrity verification, the unknown-attribute scan, TCP framing — plus a
// re-serialisation of the parsed attributes through MessageBuilder that must parse again.
#include "turn/stun/Attributes.hpp"
#include "turn/stun/Framing.hpp"
#include "turn/stun/Message.hpp"
#include "turn/stun/MessageBuilder.hpp"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <span>

using namespace talk::turn::stun;

namespace {

const IntegrityKey& fuzzKey()
{
  static const IntegrityKey s_key(std::array<uint8_t, 16>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
  return s_key;
}

void decodeAll(const Message& msg, const Attribute& a)
{
  std::array<uint16_t, 8> types{};
  std::array<PasswordAlgorithmValue, 4> algs{};
  switch (a.type) {
  case attr::XorMappedAddress:
  case attr::XorPeerAddress:
  case attr::XorRelayedAddress:
    (void)decodeXorAddress(a.value, msg.transactionId());
    break;
  case attr::MappedAddress:
  case attr::AlternateServer:
    (void)decodeAddress(a.value);
    break;
  case attr::ErrorCode:
    (void)decodeErrorCode(a.value);
    break;
  case attr::UnknownAttributes:
    (void)decodeUnknownAttributes(a.value, types);
    break;
  case attr::PasswordAlgorithms:
    (void)decodePasswordAlgorithms(a.value, algs);
    break;
  default:
    // Every decoder must cope with any value, whatever the type says.
    (void)decodeChannelNumber(a.value);
    (void)decodeLifetime(a.value);
    (void)decodeRequestedTransport(a.value);
    (void)decodeAddressFamily(a.value);
    (void)decodeEvenPort(a.value);
    (void)decodeReservationToken(a.value);
    (void)decodeDontFragment(a.value);
    (void)decodeUsername(a.value);
    (void)decodeText(a.value);
    (void)decodeUserHash(a.value);
    (void)decodePasswordAlgorithm(a.value);
    break;
  }
}

}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  std::span<const uint8_t> input(data, size);
  (void)Message::looksLikeStun(input);
  (void)nextStreamFrame(input);

  auto msg = Message::parse(input);
  if (!msg) {
    return 0;
  }
  std::array<uint16_t, 16> unknown{};
  (void)msg->unknownComprehensionRequired(unknown);
  (void)msg->verifyMessageIntegrity(fuzzKey());
  (void)msg->verifyMessageIntegritySha256(fuzzKey());
  (void)msg->count(attr::XorPeerAddress);

  // Copy every covered attribute into a new message, then sign and fingerprint it: the result
  // must always parse and verify.
  static std::array<uint8_t, 65536> s_buffer;
  MessageBuilder builder(s_buffer, msg->type(), msg->transactionId());
  for (const Attribute& a : *msg) {
    decodeAll(*msg, a);
    builder.add(a.type, a.value);
  }
  builder.addMessageIntegrity(fuzzKey());
  builder.addMessageIntegritySha256(fuzzKey(), 16);
  builder.addFingerprint();
  if (builder.ok()) {
    auto again = Message::parse(builder.bytes());
    if (!again || again->verifyMessageIntegrity(fuzzKey()) != IntegrityResult::Ok ||
        again->verifyMessageIntegritySha256(fuzzKey()) != IntegrityResult::Ok) {
      std::abort();
    }
  }
  return 0;
}
