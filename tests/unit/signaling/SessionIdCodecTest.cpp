// SessionIdCodec: ids round-trip, cannot be forged, altered or swapped between kinds (Appendix C).
#include "signaling/SessionIdCodec.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <set>

using namespace talk::signaling;

class SessionIdCodecTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(SessionIdCodecTest);
  CPPUNIT_TEST(roundTrips);
  CPPUNIT_TEST(kindsDoNotMix);
  CPPUNIT_TEST(tamperingIsDetected);
  CPPUNIT_TEST(otherKeysDoNotValidate);
  CPPUNIT_TEST(idsAreUniqueAndUnordered);
  CPPUNIT_TEST_SUITE_END();

public:
  void roundTrips()
  {
    SessionIdCodec codec("hash", "block");
    std::string id = codec.encode(SessionIdCodec::Kind::Private, {42, 1700000000000000, "cloud"});
    auto data = codec.decode(SessionIdCodec::Kind::Private, id);
    CPPUNIT_ASSERT(data);
    CPPUNIT_ASSERT_EQUAL(uint64_t(42), data->sid);
    CPPUNIT_ASSERT_EQUAL(int64_t(1700000000000000), data->createdMicros);
    CPPUNIT_ASSERT_EQUAL(std::string("cloud"), data->backendId);
    for (char c : id) {
      CPPUNIT_ASSERT(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
    }
  }

  void kindsDoNotMix()
  {
    SessionIdCodec codec("", "");
    std::string pub = codec.encode(SessionIdCodec::Kind::Public, {1, 2, "b"});
    CPPUNIT_ASSERT(codec.decode(SessionIdCodec::Kind::Public, pub));
    CPPUNIT_ASSERT(!codec.decode(SessionIdCodec::Kind::Private, pub));
  }

  void tamperingIsDetected()
  {
    SessionIdCodec codec("k", "");
    std::string id = codec.encode(SessionIdCodec::Kind::Private, {7, 8, "b"});
    for (size_t i = 0; i < id.size(); ++i) {
      std::string changed = id;
      changed[i] = changed[i] == 'A' ? 'B' : 'A';
      CPPUNIT_ASSERT(!codec.decode(SessionIdCodec::Kind::Private, changed));
    }
    CPPUNIT_ASSERT(!codec.decode(SessionIdCodec::Kind::Private, id.substr(0, id.size() - 2)));
    CPPUNIT_ASSERT(!codec.decode(SessionIdCodec::Kind::Private, ""));
    CPPUNIT_ASSERT(!codec.decode(SessionIdCodec::Kind::Private, "!!!!"));
    CPPUNIT_ASSERT(!codec.decode(SessionIdCodec::Kind::Private, std::string(10000, 'A')));
  }

  void otherKeysDoNotValidate()
  {
    SessionIdCodec a("one", "x");
    SessionIdCodec b("two", "x");
    SessionIdCodec random1("", "");
    SessionIdCodec random2("", "");
    std::string id = a.encode(SessionIdCodec::Kind::Private, {1, 1, "b"});
    CPPUNIT_ASSERT(!b.decode(SessionIdCodec::Kind::Private, id));
    CPPUNIT_ASSERT(!random2.decode(SessionIdCodec::Kind::Private, random1.encode(SessionIdCodec::Kind::Private, {1, 1, "b"})));
    // Same keys in another process (configured keys) accept the id.
    SessionIdCodec again("one", "x");
    CPPUNIT_ASSERT(again.decode(SessionIdCodec::Kind::Private, id));
  }

  void idsAreUniqueAndUnordered()
  {
    SessionIdCodec codec("", "");
    std::set<std::string> ids;
    int ascending = 0;
    std::string previous;
    for (uint64_t sid = 1; sid <= 200; ++sid) {
      std::string id = codec.encode(SessionIdCodec::Kind::Public, {sid, 5, "b"});
      CPPUNIT_ASSERT(ids.insert(id).second);
      ascending += previous < id ? 1 : 0;
      previous = id;
    }
    // Consecutive sessions must not sort in creation order (Talk's P2P tie-break).
    CPPUNIT_ASSERT(ascending > 50 && ascending < 150);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SessionIdCodecTest);
