// The frame parser: envelope validation, concatenated objects, hostile input.
#include "sfu/control/JanusErrors.hpp"
#include "sfu/control/JanusRequest.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using namespace talk::sfu::control;

class JanusRequestTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(JanusRequestTest);
  CPPUNIT_TEST(parsesEnvelope);
  CPPUNIT_TEST(splitsConcatenatedObjects);
  CPPUNIT_TEST(bracketsInsideStringsDoNotSplit);
  CPPUNIT_TEST(garbageIs454WithoutTransaction);
  CPPUNIT_TEST(nonObjectIs455);
  CPPUNIT_TEST(missingOrBadTransaction);
  CPPUNIT_TEST(missingOrBadVerbKeepsTransaction);
  CPPUNIT_TEST(badIdsAre467);
  CPPUNIT_TEST(deepNestingIsRefused);
  CPPUNIT_TEST(invalidUtf8IsRefused);
  CPPUNIT_TEST(emptyFrameIs452);
  CPPUNIT_TEST(stopsAfterGarbage);
  CPPUNIT_TEST(readIdRules);
  CPPUNIT_TEST_SUITE_END();

public:
  static const JanusRequest& request(const ParsedRequest& parsed)
  {
    CPPUNIT_ASSERT_MESSAGE("expected a request", std::holds_alternative<JanusRequest>(parsed));
    return std::get<JanusRequest>(parsed);
  }
  // By value: callers pass elements of temporaries.
  static RequestError error(const ParsedRequest& parsed)
  {
    CPPUNIT_ASSERT_MESSAGE("expected an error", std::holds_alternative<RequestError>(parsed));
    return std::get<RequestError>(parsed);
  }

  void parsesEnvelope()
  {
    auto items = parseFrame(R"({"janus":"message","transaction":"7","session_id":4471934722395107,"handle_id":12,"body":{},"extra":1})");
    CPPUNIT_ASSERT_EQUAL(size_t{1}, items.size());
    const JanusRequest& r = request(items[0]);
    CPPUNIT_ASSERT_EQUAL(std::string("message"), r.verb);
    CPPUNIT_ASSERT_EQUAL(std::string("7"), r.transaction);
    CPPUNIT_ASSERT_EQUAL(uint64_t{4471934722395107}, r.sessionId);
    CPPUNIT_ASSERT_EQUAL(uint64_t{12}, r.handleId);
    CPPUNIT_ASSERT(r.message.contains("body"));
  }

  void splitsConcatenatedObjects()
  {
    auto items = parseFrame(" {\"janus\":\"info\",\"transaction\":\"1\"}\n{\"janus\":\"create\",\"transaction\":\"2\"}  ");
    CPPUNIT_ASSERT_EQUAL(size_t{2}, items.size());
    CPPUNIT_ASSERT_EQUAL(std::string("info"), request(items[0]).verb);
    CPPUNIT_ASSERT_EQUAL(std::string("create"), request(items[1]).verb);
  }

  void bracketsInsideStringsDoNotSplit()
  {
    auto items = parseFrame(R"({"janus":"info","transaction":"}{\"x[[[","note":"\\"})");
    CPPUNIT_ASSERT_EQUAL(size_t{1}, items.size());
    CPPUNIT_ASSERT_EQUAL(std::string("}{\"x[[["), request(items[0]).transaction);
  }

  void garbageIs454WithoutTransaction()
  {
    auto items = parseFrame("{\"janus\":\"info\",\"transaction\":\"1\"");
    CPPUNIT_ASSERT_EQUAL(size_t{1}, items.size());
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidJson, error(items[0]).code);
    CPPUNIT_ASSERT(!error(items[0]).transaction);
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidJson, error(parseFrame("hello")[0]).code);
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidJson, error(parseFrame("}")[0]).code);
  }

  void nonObjectIs455()
  {
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidJsonObject, error(parseFrame("[1,2]")[0]).code);
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidJsonObject, error(parseFrame("42")[0]).code);
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidJsonObject, error(parseFrame("\"x\"")[0]).code);
  }

  void missingOrBadTransaction()
  {
    const RequestError missing = error(parseFrame(R"({"janus":"info"})")[0]);
    CPPUNIT_ASSERT_EQUAL(CoreError::MissingMandatoryElement, missing.code);
    CPPUNIT_ASSERT(!missing.transaction);
    const RequestError number = error(parseFrame(R"({"janus":"info","transaction":5})")[0]);
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidElementType, number.code);
    CPPUNIT_ASSERT(!number.transaction);
  }

  void missingOrBadVerbKeepsTransaction()
  {
    const RequestError missing = error(parseFrame(R"({"transaction":"abc","session_id":5})")[0]);
    CPPUNIT_ASSERT_EQUAL(CoreError::MissingMandatoryElement, missing.code);
    CPPUNIT_ASSERT_EQUAL(std::string("abc"), *missing.transaction);
    CPPUNIT_ASSERT_EQUAL(uint64_t{5}, missing.sessionId);
    const RequestError wrong = error(parseFrame(R"({"transaction":"abc","janus":["info"]})")[0]);
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidElementType, wrong.code);
    CPPUNIT_ASSERT_EQUAL(std::string("abc"), *wrong.transaction);
  }

  void badIdsAre467()
  {
    for (const char* frame : {R"({"janus":"keepalive","transaction":"1","session_id":"5"})",
                              R"({"janus":"keepalive","transaction":"1","session_id":-5})",
                              R"({"janus":"keepalive","transaction":"1","session_id":5.5})",
                              R"({"janus":"detach","transaction":"1","session_id":5,"handle_id":{}})"}) {
      const RequestError e = error(parseFrame(frame)[0]);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(frame, CoreError::InvalidElementType, e.code);
      CPPUNIT_ASSERT_EQUAL(std::string("1"), *e.transaction);
    }
    // 0 and null mean "absent", as in Janus.
    auto zero = parseFrame(R"({"janus":"info","transaction":"1","session_id":0,"handle_id":null})");
    CPPUNIT_ASSERT_EQUAL(uint64_t{0}, request(zero[0]).sessionId);
  }

  void deepNestingIsRefused()
  {
    std::string deep = "{\"janus\":\"info\",\"transaction\":\"1\",\"x\":";
    for (int i = 0; i < 100000; ++i) {
      deep += "[";
    }
    auto items = parseFrame(deep);
    CPPUNIT_ASSERT_EQUAL(size_t{1}, items.size());
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidJson, error(items[0]).code);
    // 60 levels are fine.
    std::string ok = "{\"janus\":\"info\",\"transaction\":\"1\",\"x\":" + std::string(60, '[') + std::string(60, ']') + "}";
    auto fine = parseFrame(ok);
    CPPUNIT_ASSERT_EQUAL(std::string("info"), request(fine[0]).verb);
  }

  void invalidUtf8IsRefused()
  {
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidJson, error(parseFrame("{\"janus\":\"info\",\"transaction\":\"\xff\xfe\"}")[0]).code);
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidJson, error(parseFrame(std::string("{\"janus\":\"in\0fo\"}", 18))[0]).code);
  }

  void emptyFrameIs452()
  {
    CPPUNIT_ASSERT_EQUAL(CoreError::MissingRequest, error(parseFrame("")[0]).code);
    CPPUNIT_ASSERT_EQUAL(CoreError::MissingRequest, error(parseFrame(" \r\n\t")[0]).code);
  }

  void stopsAfterGarbage()
  {
    auto items = parseFrame(R"({"janus":"info","transaction":"1"} xx {"janus":"info","transaction":"2"})");
    CPPUNIT_ASSERT_EQUAL(size_t{2}, items.size());
    CPPUNIT_ASSERT_EQUAL(std::string("1"), request(items[0]).transaction);
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidJson, error(items[1]).code);
  }

  void readIdRules()
  {
    auto object = nlohmann::json::parse(R"({"a":9007199254740991,"b":-1,"c":"1","d":null,"e":1.0})");
    CPPUNIT_ASSERT_EQUAL(uint64_t{9007199254740991}, *readId(object, "a"));
    CPPUNIT_ASSERT(!readId(object, "b"));
    CPPUNIT_ASSERT(!readId(object, "c"));
    CPPUNIT_ASSERT_EQUAL(uint64_t{0}, *readId(object, "d"));
    CPPUNIT_ASSERT(!readId(object, "e"));
    CPPUNIT_ASSERT_EQUAL(uint64_t{0}, *readId(object, "missing"));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(JanusRequestTest);
