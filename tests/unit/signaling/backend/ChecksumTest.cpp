// Checksums, internal client tokens and TURN credentials against the vectors of
// signaling-protocol.md §15.
#include "signaling/backend/Checksum.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <set>

using namespace talk::signaling::backend;

class ChecksumTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(ChecksumTest);
  CPPUNIT_TEST(backendChecksumVector);
  CPPUNIT_TEST(backendChecksumRejectsTampering);
  CPPUNIT_TEST(randomIsBase32AndDiffers);
  CPPUNIT_TEST(internalTokenVector);
  CPPUNIT_TEST(internalTokenNeedsLongRandom);
  CPPUNIT_TEST(turnCredentialsVector);
  CPPUNIT_TEST_SUITE_END();

  static constexpr const char* Body = R"({"type":"auth","auth":{"version":"1.0","params":{"hello":"world"}}})";
  static constexpr const char* Random = "afb6b872ab03e3376b31bf0af601067222ff7990335ca02d327071b73c0119c6";
  static constexpr const char* Expected = "3c4a69ff328299803ac2879614b707c807b4758cf19450755c60656cac46e3bc";

public:
  void backendChecksumVector()
  {
    CPPUNIT_ASSERT_EQUAL(std::string(Expected), backendChecksum("MySecretValue", Random, Body));
    CPPUNIT_ASSERT(verifyBackendChecksum("MySecretValue", Random, Body, Expected));
  }

  void backendChecksumRejectsTampering()
  {
    std::string body(Body);
    body.back() = ' ';
    CPPUNIT_ASSERT(!verifyBackendChecksum("MySecretValue", Random, body, Expected));
    CPPUNIT_ASSERT(!verifyBackendChecksum("MySecretValuf", Random, Body, Expected));
    CPPUNIT_ASSERT(!verifyBackendChecksum("MySecretValue", std::string(Random) + "0", Body, Expected));
    std::string upper(Expected);
    for (char& c : upper) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    CPPUNIT_ASSERT(!verifyBackendChecksum("MySecretValue", Random, Body, upper));
    CPPUNIT_ASSERT(!verifyBackendChecksum("MySecretValue", Random, Body, std::string(Expected).substr(0, 63)));
    CPPUNIT_ASSERT(!verifyBackendChecksum("MySecretValue", Random, Body, ""));
  }

  void randomIsBase32AndDiffers()
  {
    std::set<std::string> seen;
    for (int i = 0; i < 50; ++i) {
      std::string random = makeBackendRandom();
      CPPUNIT_ASSERT_EQUAL(size_t(64), random.size());
      for (char c : random) {
        CPPUNIT_ASSERT((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7'));
      }
      seen.insert(random);
    }
    CPPUNIT_ASSERT_EQUAL(size_t(50), seen.size());
  }

  void internalTokenVector()
  {
    const std::string secret = "the-shared-secret-for-internal-clients";
    const std::string random = "0123456789abcdef0123456789abcdef";
    const std::string token = "3169f650a52079a9efe77cc6f9af23f56cb9b53258348ae83b3e69849c78b805";
    CPPUNIT_ASSERT_EQUAL(token, internalClientToken(secret, random));
    CPPUNIT_ASSERT(verifyInternalClientToken(secret, random, token));
    CPPUNIT_ASSERT(!verifyInternalClientToken(secret, random, token.substr(1) + "0"));
    CPPUNIT_ASSERT(!verifyInternalClientToken("other", random, token));
  }

  void internalTokenNeedsLongRandom()
  {
    const std::string secret = "s";
    const std::string shortRandom(31, 'a');
    CPPUNIT_ASSERT(!verifyInternalClientToken(secret, shortRandom, internalClientToken(secret, shortRandom)));
    const std::string okRandom(32, 'a');
    CPPUNIT_ASSERT(verifyInternalClientToken(secret, okRandom, internalClientToken(secret, okRandom)));
  }

  void turnCredentialsVector()
  {
    TurnCredentials creds = makeTurnCredentials("turnsecret", "someuser", 1700000000 - 86400);
    CPPUNIT_ASSERT_EQUAL(std::string("1700000000:someuser"), creds.username);
    CPPUNIT_ASSERT_EQUAL(std::string("MejpnVJU1Pb5Vq/xkCKcnunY+pc="), creds.password);
    CPPUNIT_ASSERT_EQUAL(int64_t(86400), creds.ttl);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ChecksumTest);
