#include "common/crypto/Crypto.hpp"

#include <cppunit/extensions/HelperMacros.h>

using namespace talk::crypto;

class CryptoTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(CryptoTest);
  CPPUNIT_TEST(hmacSha1MatchesRfc2202);
  CPPUNIT_TEST(hmacSha256MatchesRfc4231);
  CPPUNIT_TEST(turnRestPasswordMatchesCoturnRecipe);
  CPPUNIT_TEST(base64RoundTripsAndRejectsGarbage);
  CPPUNIT_TEST(constantTimeEqualsComparesContentAndLength);
  CPPUNIT_TEST(crc32MatchesKnownValue);
  CPPUNIT_TEST(randomTokensDiffer);
  CPPUNIT_TEST_SUITE_END();

public:
  void hmacSha1MatchesRfc2202()
  {
    // RFC 2202 test case 2.
    auto mac = hmacSha1(bytes("Jefe"), bytes("what do ya want for nothing?"));
    CPPUNIT_ASSERT_EQUAL(std::string("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"), hexEncode(mac));
  }

  void hmacSha256MatchesRfc4231()
  {
    // RFC 4231 test case 2.
    auto mac = hmacSha256(bytes("Jefe"), bytes("what do ya want for nothing?"));
    CPPUNIT_ASSERT_EQUAL(std::string("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"), hexEncode(mac));
  }

  void turnRestPasswordMatchesCoturnRecipe()
  {
    // base64(HMAC-SHA1(secret, username)): value computed independently with
    // `printf %s 1700000000:alice | openssl dgst -sha1 -hmac s3cret -binary | base64`.
    auto mac = hmacSha1(bytes("s3cret"), bytes("1700000000:alice"));
    CPPUNIT_ASSERT_EQUAL(size_t(28), base64Encode(mac).size());
    CPPUNIT_ASSERT_EQUAL(std::string("TtElzSjT0GdnTQ9xdcRNxx96yQs="), base64Encode(mac));
  }

  void base64RoundTripsAndRejectsGarbage()
  {
    for (std::string text : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
      auto encoded = base64Encode(bytes(text));
      auto decoded = base64Decode(encoded);
      CPPUNIT_ASSERT(decoded.has_value());
      CPPUNIT_ASSERT_EQUAL(text, std::string(decoded->begin(), decoded->end()));
    }
    CPPUNIT_ASSERT_EQUAL(std::string("Zm9vYmE="), base64Encode(bytes("fooba")));
    CPPUNIT_ASSERT(!base64Decode("Zm9").has_value());
    CPPUNIT_ASSERT(!base64Decode("Zm9*").has_value());
  }

  void constantTimeEqualsComparesContentAndLength()
  {
    CPPUNIT_ASSERT(constantTimeEquals(std::string_view("abc"), std::string_view("abc")));
    CPPUNIT_ASSERT(!constantTimeEquals(std::string_view("abc"), std::string_view("abd")));
    CPPUNIT_ASSERT(!constantTimeEquals(std::string_view("abc"), std::string_view("abcd")));
    CPPUNIT_ASSERT(constantTimeEquals(std::string_view(""), std::string_view("")));
  }

  void crc32MatchesKnownValue()
  {
    CPPUNIT_ASSERT_EQUAL(uint32_t(0xCBF43926), crc32(bytes("123456789")));
  }

  void randomTokensDiffer()
  {
    auto a = randomToken(32);
    auto b = randomToken(32);
    CPPUNIT_ASSERT_EQUAL(size_t(32), a.size());
    CPPUNIT_ASSERT(a != b);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CryptoTest);
