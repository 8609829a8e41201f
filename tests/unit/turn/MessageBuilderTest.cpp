#include "turn/stun/MessageBuilder.hpp"

#include "TestUtil.hpp"
#include "common/crypto/Crypto.hpp"
#include "turn/stun/Attributes.hpp"
#include "turn/stun/Message.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <cstring>

using namespace talk;
using namespace talk::turn::stun;
using talk::test::addr;
using talk::test::text;

namespace {

// What MI / MI-SHA256 must be, computed the slow way with the one-shot HMAC of libtalk-common:
// copy the message up to the attribute and rewrite the length field.
std::vector<uint8_t> adjustedPrefix(std::span<const uint8_t> msg, size_t attrOffset, size_t attrValueSize)
{
  std::vector<uint8_t> copy(msg.begin(), msg.begin() + static_cast<std::ptrdiff_t>(attrOffset));
  const size_t length = attrOffset - 20 + 4 + attrValueSize;
  copy[2] = static_cast<uint8_t>(length >> 8);
  copy[3] = static_cast<uint8_t>(length);
  return copy;
}

}

class MessageBuilderTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(MessageBuilderTest);
  CPPUNIT_TEST(everyAttributeRoundTrips);
  CPPUNIT_TEST(paddingIsZeroed);
  CPPUNIT_TEST(externalDataFormsTheSameMessageAsAddData);
  CPPUNIT_TEST(overflowIsSticky);
  CPPUNIT_TEST(orderingRulesEnforced);
  CPPUNIT_TEST(messageIntegrityMatchesIndependentHmac);
  CPPUNIT_TEST(messageIntegritySha256RoundTripsAndTruncates);
  CPPUNIT_TEST(bothIntegritiesCoverInOrder);
  CPPUNIT_TEST(fingerprintMatchesIndependentCrc);
  CPPUNIT_TEST(errorResponseLayout);
  CPPUNIT_TEST(integrityKeyCopiesAndMovesKeepWorking);
  CPPUNIT_TEST_SUITE_END();

public:
  void everyAttributeRoundTrips()
  {
    std::array<uint8_t, 1024> buffer{};
    MessageBuilder b(buffer, Method::Allocate, MessageClass::SuccessResponse, test::Tid);
    b.addXorAddress(attr::XorRelayedAddress, addr("192.0.2.44:49152"));
    b.addXorAddress(attr::XorRelayedAddress, addr("[2001:db8::44]:49153"));
    b.addXorAddress(attr::XorMappedAddress, addr("[::ffff:198.51.100.7]:5000"));
    b.addAddress(attr::AlternateServer, addr("203.0.113.5:3478"));
    b.addLifetime(600);
    b.addReservationToken(0x0102030405060708ULL);
    b.addChannelNumber(0x4001);
    b.addRequestedTransport(TransportUdp);
    b.addAddressFamily(attr::RequestedAddressFamily, FamilyIpv6);
    b.addEvenPort(true);
    b.addEmpty(attr::DontFragment);
    b.addData(crypto::bytes("hello"));
    const uint16_t unknown[] = {0x0024, 0x001B};
    b.addUnknownAttributes(unknown);
    b.addText(attr::Software, "talk-turn");
    b.addPasswordAlgorithm(PasswordAlgorithmSha256);
    const uint16_t algs[] = {PasswordAlgorithmMd5, PasswordAlgorithmSha256};
    b.addPasswordAlgorithms(algs);
    b.addAddressErrorCode(FamilyIpv6, 440, "Address Family not Supported");
    CPPUNIT_ASSERT(b.ok());

    auto msg = Message::parse(b.bytes());
    CPPUNIT_ASSERT(msg);
    CPPUNIT_ASSERT(msg->is(Method::Allocate, MessageClass::SuccessResponse));
    std::vector<std::string> relayed;
    for (const Attribute& a : *msg) {
      if (a.type == attr::XorRelayedAddress) {
        relayed.push_back(decodeXorAddress(a.value, msg->transactionId())->toString());
      }
    }
    CPPUNIT_ASSERT_EQUAL(size_t(2), relayed.size());
    CPPUNIT_ASSERT_EQUAL(std::string("192.0.2.44:49152"), relayed[0]);
    CPPUNIT_ASSERT_EQUAL(std::string("[2001:db8::44]:49153"), relayed[1]);
    CPPUNIT_ASSERT_EQUAL(std::string("[::ffff:198.51.100.7]:5000"),
                         decodeXorAddress(msg->find(attr::XorMappedAddress)->value, msg->transactionId())->toString());
    CPPUNIT_ASSERT_EQUAL(std::string("203.0.113.5:3478"), decodeAddress(msg->find(attr::AlternateServer)->value)->toString());
    CPPUNIT_ASSERT_EQUAL(uint32_t(600), *decodeLifetime(msg->find(attr::Lifetime)->value));
    CPPUNIT_ASSERT_EQUAL(uint64_t(0x0102030405060708ULL), *decodeReservationToken(msg->find(attr::ReservationToken)->value));
    CPPUNIT_ASSERT_EQUAL(uint16_t(0x4001), *decodeChannelNumber(msg->find(attr::ChannelNumber)->value));
    CPPUNIT_ASSERT_EQUAL(TransportUdp, *decodeRequestedTransport(msg->find(attr::RequestedTransport)->value));
    CPPUNIT_ASSERT_EQUAL(FamilyIpv6, *decodeAddressFamily(msg->find(attr::RequestedAddressFamily)->value));
    CPPUNIT_ASSERT_EQUAL(true, *decodeEvenPort(msg->find(attr::EvenPort)->value));
    CPPUNIT_ASSERT(decodeDontFragment(msg->find(attr::DontFragment)->value));
    CPPUNIT_ASSERT_EQUAL(std::string("hello"), text(msg->find(attr::Data)->value));
    std::array<uint16_t, 4> types{};
    CPPUNIT_ASSERT_EQUAL(size_t(2), *decodeUnknownAttributes(msg->find(attr::UnknownAttributes)->value, types));
    CPPUNIT_ASSERT_EQUAL(uint16_t(0x0024), types[0]);
    CPPUNIT_ASSERT_EQUAL(uint16_t(0x001B), types[1]);
    CPPUNIT_ASSERT_EQUAL(std::string("talk-turn"), std::string(*decodeText(msg->find(attr::Software)->value)));
    CPPUNIT_ASSERT_EQUAL(PasswordAlgorithmSha256, decodePasswordAlgorithm(msg->find(attr::PasswordAlgorithm)->value)->algorithm);
    std::array<PasswordAlgorithmValue, 4> entries{};
    CPPUNIT_ASSERT_EQUAL(size_t(2), *decodePasswordAlgorithms(msg->find(attr::PasswordAlgorithms)->value, entries));
    CPPUNIT_ASSERT_EQUAL(PasswordAlgorithmMd5, entries[0].algorithm);
    CPPUNIT_ASSERT_EQUAL(PasswordAlgorithmSha256, entries[1].algorithm);
    auto aec = msg->find(attr::AddressErrorCode)->value;
    CPPUNIT_ASSERT_EQUAL(FamilyIpv6, aec[0]);
    CPPUNIT_ASSERT_EQUAL(uint16_t(440), decodeErrorCode(aec)->code);
  }

  void paddingIsZeroed()
  {
    std::array<uint8_t, 128> buffer;
    buffer.fill(0xAA);
    MessageBuilder b(buffer, Method::Send, MessageClass::Indication, test::Tid);
    b.addData(crypto::bytes("x"));
    b.addEvenPort(false);
    b.addText(attr::Software, "ab");
    CPPUNIT_ASSERT(b.ok());
    auto out = b.bytes();
    CPPUNIT_ASSERT_EQUAL(size_t(20 + 8 + 8 + 8), out.size());
    // DATA "x" + 3 pad, EVEN-PORT 0x00 + 3 pad (R bit clear), SOFTWARE "ab" + 2 pad.
    const uint8_t expected[] = {0x00, 0x13, 0x00, 0x01, 'x', 0, 0, 0, 0x00, 0x18, 0x00, 0x01, 0, 0, 0, 0,
                                0x80, 0x22, 0x00, 0x02, 'a', 'b', 0, 0};
    CPPUNIT_ASSERT(std::memcmp(out.data() + 20, expected, sizeof(expected)) == 0);
    CPPUNIT_ASSERT_EQUAL(uint8_t(24), out[3]);
  }

  // The relay path sends header + payload + padding as three pieces: together they must be
  // byte for byte the message addData would have built, and nothing may follow.
  void externalDataFormsTheSameMessageAsAddData()
  {
    for (size_t n : {size_t(0), size_t(1), size_t(3), size_t(4), size_t(170)}) {
      std::vector<uint8_t> payload(n);
      for (size_t i = 0; i < n; ++i) {
        payload[i] = static_cast<uint8_t>(i * 7 + 1);
      }
      std::array<uint8_t, 512> whole{};
      MessageBuilder a(whole, Method::Data, MessageClass::Indication, test::Tid);
      a.addXorAddress(attr::XorPeerAddress, addr("[2001:db8::7]:5000"));
      a.addData(payload);
      CPPUNIT_ASSERT(a.ok());

      std::array<uint8_t, 64> head{};
      MessageBuilder b(head, Method::Data, MessageClass::Indication, test::Tid);
      b.addXorAddress(attr::XorPeerAddress, addr("[2001:db8::7]:5000"));
      CPPUNIT_ASSERT(b.addExternalData(n));
      std::vector<uint8_t> joined(b.bytes().begin(), b.bytes().end());
      joined.insert(joined.end(), payload.begin(), payload.end());
      joined.resize(joined.size() + MessageBuilder::paddingFor(n), 0);
      CPPUNIT_ASSERT_EQUAL(a.bytes().size(), joined.size());
      CPPUNIT_ASSERT(std::equal(joined.begin(), joined.end(), a.bytes().begin()));
      CPPUNIT_ASSERT(Message::parse(joined).has_value());
      CPPUNIT_ASSERT(!b.addFingerprint());
      CPPUNIT_ASSERT(!b.ok());
    }
    std::array<uint8_t, 64> head{};
    MessageBuilder c(head, Method::Data, MessageClass::Indication, test::Tid);
    CPPUNIT_ASSERT(!c.addExternalData(65535));  // larger than a datagram with the header
  }

  void overflowIsSticky()
  {
    std::array<uint8_t, 19> tiny{};
    MessageBuilder none(tiny, Method::Binding, MessageClass::Request, test::Tid);
    CPPUNIT_ASSERT(!none.ok());
    CPPUNIT_ASSERT(none.bytes().empty());

    std::array<uint8_t, 32> small{};
    MessageBuilder b(small, Method::Binding, MessageClass::Request, test::Tid);
    CPPUNIT_ASSERT(b.addLifetime(1)); // 28 bytes
    CPPUNIT_ASSERT(!b.addLifetime(2)); // would be 36
    CPPUNIT_ASSERT(!b.ok());
    CPPUNIT_ASSERT(!b.addEmpty(attr::DontFragment)); // would fit, but the builder has failed
    CPPUNIT_ASSERT(b.bytes().empty());
    CPPUNIT_ASSERT_EQUAL(size_t(0), b.size());

    std::array<uint8_t, 64> buf{};
    MessageBuilder bad(buf, Method::Binding, MessageClass::Request, test::Tid);
    CPPUNIT_ASSERT(!bad.addErrorCode(700, "x"));
    MessageBuilder big(buf, Method::Binding, MessageClass::Request, test::Tid);
    std::vector<uint8_t> huge(70000);
    CPPUNIT_ASSERT(!big.addData(huge));
  }

  void orderingRulesEnforced()
  {
    IntegrityKey key(crypto::bytes("key"));
    std::array<uint8_t, 256> buf{};
    {
      MessageBuilder b(buf, Method::Binding, MessageClass::Request, test::Tid);
      CPPUNIT_ASSERT(b.addMessageIntegrity(key));
      CPPUNIT_ASSERT(!b.addLifetime(5)); // nothing but MI-SHA256/FINGERPRINT after MI
    }
    {
      MessageBuilder b(buf, Method::Binding, MessageClass::Request, test::Tid);
      CPPUNIT_ASSERT(b.addMessageIntegrity(key));
      CPPUNIT_ASSERT(!b.addMessageIntegrity(key));
    }
    {
      MessageBuilder b(buf, Method::Binding, MessageClass::Request, test::Tid);
      CPPUNIT_ASSERT(b.addMessageIntegritySha256(key));
      CPPUNIT_ASSERT(!b.addMessageIntegrity(key)); // MI-SHA256 must cover MI, not the reverse
    }
    {
      MessageBuilder b(buf, Method::Binding, MessageClass::Request, test::Tid);
      CPPUNIT_ASSERT(b.addFingerprint());
      CPPUNIT_ASSERT(!b.addEmpty(attr::DontFragment));
    }
    {
      MessageBuilder b(buf, Method::Binding, MessageClass::Request, test::Tid);
      const uint8_t fake[4] = {};
      CPPUNIT_ASSERT(!b.add(attr::Fingerprint, fake)); // computed attributes cannot be copied in
    }
  }

  void messageIntegrityMatchesIndependentHmac()
  {
    IntegrityKey key(crypto::md5(crypto::bytes("alice:realm:pw")));
    std::array<uint8_t, 256> buf{};
    MessageBuilder b(buf, Method::Refresh, MessageClass::Request, test::Tid);
    b.addLifetime(0);
    b.addText(attr::Username, "alice");
    b.addMessageIntegrity(key);
    b.addFingerprint();
    CPPUNIT_ASSERT(b.ok());
    auto msg = Message::parse(b.bytes());
    CPPUNIT_ASSERT(msg);
    auto mi = msg->find(attr::MessageIntegrity);
    auto expected = crypto::hmacSha1(key.bytes(), adjustedPrefix(msg->bytes(), mi->offset, 20));
    CPPUNIT_ASSERT(std::equal(expected.begin(), expected.end(), mi->value.begin()));
    CPPUNIT_ASSERT(msg->verifyMessageIntegrity(key) == IntegrityResult::Ok);
    // Many computations with one prepared key give the same answer (state reset between uses).
    for (int i = 0; i < 5; ++i) {
      CPPUNIT_ASSERT(msg->verifyMessageIntegrity(key) == IntegrityResult::Ok);
    }
  }

  void messageIntegritySha256RoundTripsAndTruncates()
  {
    IntegrityKey key(crypto::sha256(crypto::bytes("alice:realm:pw")));
    for (size_t size = 16; size <= 32; size += 4) {
      std::array<uint8_t, 256> buf{};
      MessageBuilder b(buf, Method::Allocate, MessageClass::Request, test::Tid);
      b.addRequestedTransport(TransportUdp);
      CPPUNIT_ASSERT(b.addMessageIntegritySha256(key, size));
      CPPUNIT_ASSERT(b.addFingerprint());
      auto msg = Message::parse(b.bytes());
      CPPUNIT_ASSERT(msg);
      CPPUNIT_ASSERT_EQUAL(size, msg->messageIntegritySha256Size());
      auto attrib = msg->find(attr::MessageIntegritySha256);
      auto full = crypto::hmacSha256(key.bytes(), adjustedPrefix(msg->bytes(), attrib->offset, size));
      CPPUNIT_ASSERT(std::equal(attrib->value.begin(), attrib->value.end(), full.begin()));
      CPPUNIT_ASSERT(msg->verifyMessageIntegritySha256(key) == IntegrityResult::Ok);
      CPPUNIT_ASSERT(msg->verifyMessageIntegrity(key) == IntegrityResult::Absent);
      IntegrityKey other(crypto::sha256(crypto::bytes("alice:realm:pX")));
      CPPUNIT_ASSERT(msg->verifyMessageIntegritySha256(other) == IntegrityResult::Mismatch);
    }
    for (size_t bad : {size_t(12), size_t(18), size_t(36)}) {
      std::array<uint8_t, 256> buf{};
      MessageBuilder b(buf, Method::Allocate, MessageClass::Request, test::Tid);
      CPPUNIT_ASSERT(!b.addMessageIntegritySha256(key, bad));
    }
  }

  void bothIntegritiesCoverInOrder()
  {
    IntegrityKey key(crypto::bytes("0123456789abcdef"));
    std::array<uint8_t, 256> buf{};
    MessageBuilder b(buf, Method::ChannelBind, MessageClass::Request, test::Tid);
    b.addChannelNumber(0x4000);
    b.addMessageIntegrity(key);
    b.addMessageIntegritySha256(key, 32);
    b.addFingerprint();
    CPPUNIT_ASSERT(b.ok());
    std::vector<uint8_t> m(b.bytes().begin(), b.bytes().end());
    auto msg = Message::parse(m);
    CPPUNIT_ASSERT(msg);
    CPPUNIT_ASSERT(msg->verifyMessageIntegrity(key) == IntegrityResult::Ok);
    CPPUNIT_ASSERT(msg->verifyMessageIntegritySha256(key) == IntegrityResult::Ok);
    // Flipping a byte of the MI value breaks MI-SHA256 too (it covers MI), not the FINGERPRINT
    // check after we fix the CRC up — so strip the FINGERPRINT and compare.
    auto mi = msg->find(attr::MessageIntegrity);
    std::vector<uint8_t> noFp(m.begin(), m.end() - 8);
    noFp[3] = static_cast<uint8_t>(noFp.size() - 20);
    noFp[mi->offset + 4] ^= 1;
    auto tampered = Message::parse(noFp);
    CPPUNIT_ASSERT(tampered);
    CPPUNIT_ASSERT(tampered->verifyMessageIntegritySha256(key) == IntegrityResult::Mismatch);
  }

  void fingerprintMatchesIndependentCrc()
  {
    std::array<uint8_t, 128> buf{};
    MessageBuilder b(buf, Method::Binding, MessageClass::Request, test::Tid);
    b.addText(attr::Software, "fp");
    b.addFingerprint();
    CPPUNIT_ASSERT(b.ok());
    auto out = b.bytes();
    const size_t fpValue = out.size() - 4;
    uint32_t expected = test::referenceCrc32(out.first(out.size() - 8)) ^ 0x5354554Eu;
    uint32_t actual = (uint32_t(out[fpValue]) << 24) | (uint32_t(out[fpValue + 1]) << 16) |
      (uint32_t(out[fpValue + 2]) << 8) | out[fpValue + 3];
    CPPUNIT_ASSERT_EQUAL(expected, actual);
    CPPUNIT_ASSERT(Message::parse(out));
  }

  void errorResponseLayout()
  {
    std::array<uint8_t, 128> buf{};
    MessageBuilder b(buf, Method::Allocate, MessageClass::ErrorResponse, test::Tid);
    b.addErrorCode(error::StaleNonce);
    b.addErrorCode(error::Unauthorized, "");
    CPPUNIT_ASSERT(b.ok());
    auto msg = Message::parse(b.bytes());
    CPPUNIT_ASSERT(msg);
    CPPUNIT_ASSERT_EQUAL(uint16_t(0x0113), msg->type());
    auto first = msg->begin();
    auto ec = decodeErrorCode(first->value);
    CPPUNIT_ASSERT_EQUAL(uint16_t(438), ec->code);
    CPPUNIT_ASSERT_EQUAL(std::string("Stale Nonce"), std::string(ec->reason));
    const uint8_t raw[] = {0, 0, 4, 38};
    CPPUNIT_ASSERT(std::memcmp(first->value.data(), raw, 4) == 0);
    ++first;
    CPPUNIT_ASSERT_EQUAL(size_t(4), first->value.size());
    CPPUNIT_ASSERT_EQUAL(uint16_t(401), decodeErrorCode(first->value)->code);
  }

  void integrityKeyCopiesAndMovesKeepWorking()
  {
    IntegrityKey original(crypto::bytes("secret-key-bytes"));
    std::array<uint8_t, 128> buf{};
    MessageBuilder b(buf, Method::Binding, MessageClass::Request, test::Tid);
    b.addMessageIntegrity(original);
    b.addMessageIntegritySha256(original); // creates the lazy SHA-256 state
    auto msg = Message::parse(b.bytes());
    CPPUNIT_ASSERT(msg);
    IntegrityKey copy(original);
    IntegrityKey assigned;
    assigned = copy;
    IntegrityKey moved(std::move(copy));
    for (const IntegrityKey* k : {&original, &assigned, &moved}) {
      CPPUNIT_ASSERT(msg->verifyMessageIntegrity(*k) == IntegrityResult::Ok);
      CPPUNIT_ASSERT(msg->verifyMessageIntegritySha256(*k) == IntegrityResult::Ok);
    }
    IntegrityKey empty;
    CPPUNIT_ASSERT(!empty.valid());
    CPPUNIT_ASSERT(msg->verifyMessageIntegrity(empty) == IntegrityResult::Mismatch);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MessageBuilderTest);
