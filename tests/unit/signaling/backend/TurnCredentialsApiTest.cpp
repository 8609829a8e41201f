// GET /turn/credentials (signaling-protocol.md §14, §15.3).
#include "signaling/backend/TurnCredentialsApi.hpp"

#include "signaling/backend/Checksum.hpp"

#include <cppunit/extensions/HelperMacros.h>

using namespace talk::signaling::backend;

class TurnCredentialsApiTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(TurnCredentialsApiTest);
  CPPUNIT_TEST(issuesCredentials);
  CPPUNIT_TEST(errors);
  CPPUNIT_TEST(randomUserAndDecoding);
  CPPUNIT_TEST_SUITE_END();

  TurnCredentialsConfig config() const
  {
    return TurnCredentialsConfig{"the-api-key", "turnsecret", {"turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:443"}};
  }

public:
  void issuesCredentials()
  {
    HttpResponse r = turnCredentialsResponse("service=turn&username=someuser&key=the-api-key", config(), 1700000000 - 86400);
    CPPUNIT_ASSERT_EQUAL(200, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("application/json; charset=utf-8"), r.contentType);
    nlohmann::json body = nlohmann::json::parse(r.body);
    CPPUNIT_ASSERT_EQUAL(std::string("1700000000:someuser"), body["username"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(std::string("MejpnVJU1Pb5Vq/xkCKcnunY+pc="), body["password"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(86400, body["ttl"].get<int>());
    CPPUNIT_ASSERT_EQUAL(size_t(2), body["uris"].size());
    // api= instead of key=.
    CPPUNIT_ASSERT_EQUAL(200, turnCredentialsResponse("api=the-api-key&service=turn", config(), 0).status);
  }

  void errors()
  {
    CPPUNIT_ASSERT_EQUAL(400, turnCredentialsResponse("key=the-api-key", config(), 0).status);
    CPPUNIT_ASSERT_EQUAL(400, turnCredentialsResponse("service=stun&key=the-api-key", config(), 0).status);
    CPPUNIT_ASSERT_EQUAL(400, turnCredentialsResponse("service=turn", config(), 0).status);
    CPPUNIT_ASSERT_EQUAL(400, turnCredentialsResponse("service=turn&key=", config(), 0).status);
    CPPUNIT_ASSERT_EQUAL(403, turnCredentialsResponse("service=turn&key=wrong", config(), 0).status);
    TurnCredentialsConfig noKey = config();
    noKey.apiKey.clear();
    CPPUNIT_ASSERT_EQUAL(403, turnCredentialsResponse("service=turn&key=x", noKey, 0).status);
    TurnCredentialsConfig noServers = config();
    noServers.uris.clear();
    CPPUNIT_ASSERT_EQUAL(404, turnCredentialsResponse("service=turn&key=the-api-key", noServers, 0).status);
    CPPUNIT_ASSERT_EQUAL(400, turnCredentialsResponse("", config(), 0).status);
    CPPUNIT_ASSERT_EQUAL(400, turnCredentialsResponse("&&&==&", config(), 0).status);
  }

  void randomUserAndDecoding()
  {
    HttpResponse r = turnCredentialsResponse("service=turn&key=the-api-key", config(), 1000);
    std::string username = nlohmann::json::parse(r.body)["username"].get<std::string>();
    CPPUNIT_ASSERT_EQUAL(std::string("87400:"), username.substr(0, 6));
    CPPUNIT_ASSERT_EQUAL(size_t(6 + 32), username.size());
    std::string other = nlohmann::json::parse(turnCredentialsResponse("service=turn&key=the-api-key", config(), 1000).body)["username"];
    CPPUNIT_ASSERT(username != other);
    // Percent-encoding and '+' are decoded in keys and values.
    TurnCredentialsConfig spaced = config();
    spaced.apiKey = "a key/with+";
    r = turnCredentialsResponse("servic%65=turn&key=a+key%2Fwith%2B&username=J%C3%BCrgen", spaced, 0);
    CPPUNIT_ASSERT_EQUAL(200, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("86400:J\xc3\xbcrgen"), nlohmann::json::parse(r.body)["username"].get<std::string>());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TurnCredentialsApiTest);
