#include "turn/stun/Attributes.hpp"

#include "TestUtil.hpp"
#include "common/crypto/Crypto.hpp"

#include <cppunit/extensions/HelperMacros.h>

using namespace talk;
using namespace talk::turn::stun;
using talk::test::addr;
using Bytes = std::vector<uint8_t>;

class AttributesTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(AttributesTest);
  CPPUNIT_TEST(xorAddressRoundTripsV4AndV6);
  CPPUNIT_TEST(xorAddressMatchesHandComputedBytes);
  CPPUNIT_TEST(malformedAddressesRejected);
  CPPUNIT_TEST(errorCodeDecoding);
  CPPUNIT_TEST(fixedSizeAttributesCheckLength);
  CPPUNIT_TEST(textAttributesCheckLimits);
  CPPUNIT_TEST(listAttributes);
  CPPUNIT_TEST_SUITE_END();

public:
  void xorAddressRoundTripsV4AndV6()
  {
    std::array<uint8_t, 12> tid{};
    for (int round = 0; round < 50; ++round) {
      crypto::randomBytes(tid);
      for (const char* text : {"1.2.3.4:1", "255.255.255.255:65535", "0.0.0.0:0", "[::1]:3478",
                               "[2001:db8:ffff::1]:40000", "[fe80::1234:5678:9abc:def0]:9"}) {
        SocketAddress a = addr(text);
        std::array<uint8_t, 20> buf{};
        size_t n = encodeXorAddress(a, tid, buf);
        CPPUNIT_ASSERT_EQUAL(addressValueSize(a), n);
        auto back = decodeXorAddress(std::span<const uint8_t>(buf.data(), n), tid);
        CPPUNIT_ASSERT(back);
        CPPUNIT_ASSERT(a == *back);
        n = encodeAddress(a, buf);
        back = decodeAddress(std::span<const uint8_t>(buf.data(), n));
        CPPUNIT_ASSERT(back && a == *back);
      }
    }
  }

  void xorAddressMatchesHandComputedBytes()
  {
    // 192.0.2.1:32853 → port 0x8055 ^ 0x2112 = 0xa147, address c0000201 ^ 2112a442 = e112a643
    // (the numbers RFC 5769 §2.2 shows).
    std::array<uint8_t, 8> buf{};
    CPPUNIT_ASSERT_EQUAL(size_t(8), encodeXorAddress(addr("192.0.2.1:32853"), test::Tid, buf));
    const Bytes expected = {0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43};
    CPPUNIT_ASSERT(std::equal(expected.begin(), expected.end(), buf.begin()));
    // IPv6 XORs with cookie ‖ transaction id.
    std::array<uint8_t, 20> buf6{};
    CPPUNIT_ASSERT_EQUAL(size_t(20), encodeXorAddress(addr("[::]:0"), test::Tid, buf6));
    const Bytes expected6 = {0x00, 0x02, 0x21, 0x12, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    CPPUNIT_ASSERT(std::equal(expected6.begin(), expected6.end(), buf6.begin()));
  }

  void malformedAddressesRejected()
  {
    CPPUNIT_ASSERT(!decodeXorAddress(Bytes{}, test::Tid));
    CPPUNIT_ASSERT(!decodeXorAddress(Bytes{0, 1, 0, 0, 1, 2, 3}, test::Tid));          // short v4
    CPPUNIT_ASSERT(!decodeXorAddress(Bytes{0, 1, 0, 0, 1, 2, 3, 4, 5}, test::Tid));    // long v4
    CPPUNIT_ASSERT(!decodeXorAddress(Bytes{0, 3, 0, 0, 1, 2, 3, 4}, test::Tid));       // family 3
    CPPUNIT_ASSERT(!decodeXorAddress(Bytes{0, 2, 0, 0, 1, 2, 3, 4}, test::Tid));       // v6 family, v4 size
    Bytes v6(20, 0);
    v6[1] = 1; // v4 family, v6 size
    CPPUNIT_ASSERT(!decodeAddress(v6));
    SocketAddress invalid;
    std::array<uint8_t, 20> buf{};
    CPPUNIT_ASSERT_EQUAL(size_t(0), encodeXorAddress(invalid, test::Tid, buf));
    std::array<uint8_t, 7> small{};
    CPPUNIT_ASSERT_EQUAL(size_t(0), encodeAddress(addr("1.2.3.4:5"), small));
  }

  void errorCodeDecoding()
  {
    const Bytes value = {0, 0, 4, 38, 'S', 't'}; // the reason is a view into it
    auto ec = decodeErrorCode(value);
    CPPUNIT_ASSERT(ec);
    CPPUNIT_ASSERT_EQUAL(uint16_t(438), ec->code);
    CPPUNIT_ASSERT_EQUAL(std::string("St"), std::string(ec->reason));
    CPPUNIT_ASSERT_EQUAL(uint16_t(300), decodeErrorCode(Bytes{0, 0, 3, 0})->code);
    CPPUNIT_ASSERT_EQUAL(uint16_t(699), decodeErrorCode(Bytes{0, 0, 6, 99})->code);
    // Only the low 3 bits of the class byte count.
    CPPUNIT_ASSERT_EQUAL(uint16_t(401), decodeErrorCode(Bytes{0, 0, 0xFC, 1})->code);
    CPPUNIT_ASSERT(!decodeErrorCode(Bytes{0, 0, 4}));
    CPPUNIT_ASSERT(!decodeErrorCode(Bytes{0, 0, 2, 0}));
    CPPUNIT_ASSERT(!decodeErrorCode(Bytes{0, 0, 7, 0}));
    CPPUNIT_ASSERT(!decodeErrorCode(Bytes{0, 0, 4, 100}));
  }

  void fixedSizeAttributesCheckLength()
  {
    CPPUNIT_ASSERT_EQUAL(uint16_t(0x7FFF), *decodeChannelNumber(Bytes{0x7F, 0xFF, 0, 0}));
    CPPUNIT_ASSERT(!decodeChannelNumber(Bytes{0x40, 0x00}));
    CPPUNIT_ASSERT_EQUAL(uint32_t(777), *decodeLifetime(Bytes{0, 0, 3, 9}));
    CPPUNIT_ASSERT(!decodeLifetime(Bytes{0, 0, 3}));
    CPPUNIT_ASSERT_EQUAL(uint8_t(17), *decodeRequestedTransport(Bytes{17, 0, 0, 0}));
    CPPUNIT_ASSERT(!decodeRequestedTransport(Bytes{17}));
    CPPUNIT_ASSERT_EQUAL(uint8_t(7), *decodeAddressFamily(Bytes{7, 0, 0, 0})); // caller maps to 440
    CPPUNIT_ASSERT(!decodeAddressFamily(Bytes{1, 0, 0, 0, 0}));
    CPPUNIT_ASSERT_EQUAL(false, *decodeEvenPort(Bytes{0x7F}));
    CPPUNIT_ASSERT_EQUAL(true, *decodeEvenPort(Bytes{0x80}));
    CPPUNIT_ASSERT(!decodeEvenPort(Bytes{}));
    CPPUNIT_ASSERT(!decodeEvenPort(Bytes{0x80, 0, 0, 0})); // length is 1, the rest is padding
    CPPUNIT_ASSERT(!decodeReservationToken(Bytes(7, 1)));
    CPPUNIT_ASSERT(decodeDontFragment(Bytes{}));
    CPPUNIT_ASSERT(!decodeDontFragment(Bytes{0}));
    CPPUNIT_ASSERT(decodeUserHash(Bytes(32, 9)));
    CPPUNIT_ASSERT(!decodeUserHash(Bytes(31, 9)));
  }

  void textAttributesCheckLimits()
  {
    CPPUNIT_ASSERT(decodeUsername(Bytes(512, 'u')));
    CPPUNIT_ASSERT(!decodeUsername(Bytes(513, 'u')));
    CPPUNIT_ASSERT(!decodeUsername(Bytes{}));
    CPPUNIT_ASSERT(!decodeUsername(Bytes{'a', 0, 'b'}));
    CPPUNIT_ASSERT(decodeText(Bytes(763, 'r')));
    CPPUNIT_ASSERT(!decodeText(Bytes(764, 'r')));
    CPPUNIT_ASSERT_EQUAL(std::string("realm"), std::string(*decodeText(Bytes{'r', 'e', 'a', 'l', 'm'})));
  }

  void listAttributes()
  {
    std::array<uint16_t, 2> types{};
    CPPUNIT_ASSERT_EQUAL(size_t(3), *decodeUnknownAttributes(Bytes{0, 1, 0, 2, 0, 3}, types));
    CPPUNIT_ASSERT_EQUAL(uint16_t(2), types[1]);
    CPPUNIT_ASSERT(!decodeUnknownAttributes(Bytes{0, 1, 0}, types));
    // One algorithm with 2 parameter bytes (padded to 4 inside the list), then one without.
    Bytes list = {0, 2, 0, 2, 0xAA, 0xBB, 0, 0, 0, 1, 0, 0};
    std::array<PasswordAlgorithmValue, 4> out{};
    CPPUNIT_ASSERT_EQUAL(size_t(2), *decodePasswordAlgorithms(list, out));
    CPPUNIT_ASSERT_EQUAL(size_t(2), out[0].parameters.size());
    CPPUNIT_ASSERT_EQUAL(uint16_t(1), out[1].algorithm);
    CPPUNIT_ASSERT(!decodePasswordAlgorithms(Bytes{0, 2, 0, 9, 1}, out));
    CPPUNIT_ASSERT(decodePasswordAlgorithm(Bytes{0, 2, 0, 0}));
    CPPUNIT_ASSERT(!decodePasswordAlgorithm(Bytes{0, 2, 0, 0, 1, 1, 1, 1}));
    CPPUNIT_ASSERT(!decodePasswordAlgorithm(Bytes{0, 2, 0}));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AttributesTest);
