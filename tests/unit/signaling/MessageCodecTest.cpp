// MessageCodec: typed decoding of client frames and hostile input (spec §2, §16).
#include "signaling/protocol/MessageCodec.hpp"

#include <cppunit/extensions/HelperMacros.h>

using namespace talk::signaling;
using namespace talk::signaling::protocol;

namespace {

DecodeFailure failure(std::string_view text)
{
  DecodeResult result = MessageCodec::decode(text);
  CPPUNIT_ASSERT_MESSAGE(std::string(text), std::holds_alternative<DecodeFailure>(result));
  return std::get<DecodeFailure>(result);
}

ClientMessage ok(std::string_view text)
{
  DecodeResult result = MessageCodec::decode(text);
  if (auto* f = std::get_if<DecodeFailure>(&result)) {
    CPPUNIT_FAIL(std::string(text) + " → " + f->error.code + ": " + f->error.message);
  }
  CPPUNIT_ASSERT(std::holds_alternative<ClientMessage>(result));
  return std::get<ClientMessage>(result);
}

}

class MessageCodecTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(MessageCodecTest);
  CPPUNIT_TEST(decodesHelloV1);
  CPPUNIT_TEST(decodesHelloV2AndInternal);
  CPPUNIT_TEST(decodesResume);
  CPPUNIT_TEST(rejectsBadHello);
  CPPUNIT_TEST(decodesRoomAndMessages);
  CPPUNIT_TEST(decodesInternalAndTransient);
  CPPUNIT_TEST(unknownTypeIsIgnored);
  CPPUNIT_TEST(hostileInputIsAnError);
  CPPUNIT_TEST(encodeSurvivesInvalidUtf8);
  CPPUNIT_TEST(loneSurrogatesBecomeReplacementCharacters);
  CPPUNIT_TEST(integersFromBooleansAndFloats);
  CPPUNIT_TEST_SUITE_END();

public:
  void decodesHelloV1()
  {
    ClientMessage m = ok(R"({"id":"1","type":"hello","hello":{"version":"1.0","features":["chat-relay"],)"
                         R"("auth":{"url":"https://cloud.example.com/ocs/v2.php/apps/spreed/api/v1/signaling/backend",)"
                         R"("params":{"userid":"alice","ticket":"t"}}}})");
    CPPUNIT_ASSERT_EQUAL(std::string("1"), m.id);
    auto& hello = std::get<HelloRequest>(m.body);
    CPPUNIT_ASSERT_EQUAL(std::string("1.0"), hello.version);
    CPPUNIT_ASSERT(hello.authType == AuthType::Client);
    CPPUNIT_ASSERT_EQUAL(size_t(1), hello.features.size());
    CPPUNIT_ASSERT_EQUAL(std::string("alice"), hello.params["userid"].get<std::string>());
  }

  void decodesHelloV2AndInternal()
  {
    ClientMessage v2 = ok(R"({"id":7,"type":"hello","hello":{"version":"2.0","auth":{"url":"https://c/","params":{"token":"x.y.z"}}}})");
    CPPUNIT_ASSERT_EQUAL(std::string("7"), v2.id);
    CPPUNIT_ASSERT_EQUAL(std::string("2.0"), std::get<HelloRequest>(v2.body).version);
    ClientMessage internal = ok(R"({"type":"hello","hello":{"version":"1.0","auth":{"type":"internal","params":{"random":"r","token":"t","backend":"https://c/"}}}})");
    CPPUNIT_ASSERT(std::get<HelloRequest>(internal.body).authType == AuthType::Internal);
  }

  void decodesResume()
  {
    ClientMessage m = ok(R"({"type":"hello","hello":{"version":"1.0","resumeid":"abc"}})");
    CPPUNIT_ASSERT_EQUAL(std::string("abc"), std::get<HelloRequest>(m.body).resumeId);
  }

  void rejectsBadHello()
  {
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_hello_version"),
      failure(R"({"id":"1","type":"hello","hello":{"version":"3.0","auth":{"url":"u","params":{}}}})").error.code);
    DecodeFailure f = failure(R"({"id":"2","type":"hello","hello":{"version":"1.0"}})");
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_format"), f.error.code);
    CPPUNIT_ASSERT_EQUAL(std::string("2"), f.id);
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_format"),
      failure(R"({"type":"hello","hello":{"version":"2.0","auth":{"url":"u","params":{}}}})").error.code);
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_client_type"),
      failure(R"({"type":"hello","hello":{"version":"1.0","auth":{"type":"robot","url":"u","params":{}}}})").error.code);
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_format"),
      failure(R"({"type":"hello","hello":{"version":1.0,"auth":{"url":"u","params":{}}}})").error.code);
  }

  void decodesRoomAndMessages()
  {
    auto room = std::get<RoomRequest>(ok(R"({"id":"2","type":"room","room":{"roomid":"abc","sessionid":"s1"}})").body);
    CPPUNIT_ASSERT_EQUAL(std::string("abc"), room.roomId);
    CPPUNIT_ASSERT_EQUAL(std::string("s1"), room.sessionId);
    auto leave = std::get<RoomRequest>(ok(R"({"type":"room","room":{"roomid":""}})").body);
    CPPUNIT_ASSERT(leave.roomId.empty());

    auto message = std::get<MessageRequest>(
      ok(R"({"type":"message","message":{"recipient":{"type":"session","sessionid":"p"},"data":{"type":"offer"}}})").body);
    CPPUNIT_ASSERT(!message.control);
    CPPUNIT_ASSERT(message.recipient.type == RecipientType::Session);
    auto control = std::get<MessageRequest>(ok(R"({"type":"control","control":{"recipient":{"type":"call"},"data":{"a":1}}})").body);
    CPPUNIT_ASSERT(control.control);
    CPPUNIT_ASSERT(control.recipient.type == RecipientType::Call);

    CPPUNIT_ASSERT_EQUAL(std::string("invalid_format"),
      failure(R"({"type":"message","message":{"recipient":{"type":"session"},"data":{"a":1}}})").error.code);
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_format"),
      failure(R"({"type":"message","message":{"recipient":{"type":"planet"},"data":{"a":1}}})").error.code);
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_format"),
      failure(R"({"type":"message","message":{"recipient":{"type":"room"},"data":{}}})").error.code);
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_format"), failure(R"({"type":"room","room":{"roomid":5}})").error.code);
  }

  void decodesInternalAndTransient()
  {
    auto add = std::get<InternalRequest>(ok(R"({"type":"internal","internal":{"type":"addsession","addsession":)"
                                            R"({"sessionid":"call-1","roomid":"r","flags":1,"incall":true,"options":{"actorId":"a"}}}})").body);
    auto& body = std::get<AddSession>(add.body);
    CPPUNIT_ASSERT_EQUAL(int64_t(1), *body.flags);
    CPPUNIT_ASSERT_EQUAL(int64_t(1), *body.inCall);
    auto incall = std::get<InternalRequest>(ok(R"({"type":"internal","internal":{"type":"incall","incall":{"incall":3}}})").body);
    CPPUNIT_ASSERT_EQUAL(int64_t(3), std::get<InternalInCall>(incall.body).inCall);

    auto set = std::get<TransientRequest>(ok(R"({"type":"transient","transient":{"type":"set","key":"k","value":{"x":1},"ttl":5000000000}})").body);
    CPPUNIT_ASSERT(set.type == TransientType::Set);
    CPPUNIT_ASSERT_EQUAL(int64_t(5000000000), *set.ttlNanos);
    CPPUNIT_ASSERT_EQUAL(std::string("ignored"), failure(R"({"id":"3","type":"transient","transient":{"type":"get","key":"k"}})").error.code);
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_format"),
      failure(R"({"type":"transient","transient":{"type":"set","key":"k","ttl":1.5}})").error.code);
  }

  void unknownTypeIsIgnored()
  {
    CPPUNIT_ASSERT(std::holds_alternative<Ignored>(MessageCodec::decode(R"({"type":"teleport","teleport":{}})")));
  }

  void hostileInputIsAnError()
  {
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_format"), failure("not json").error.code);
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_format"), failure("[1,2]").error.code);
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_format"), failure("").error.code);
    // Invalid UTF-8 inside a string, in a key and in the id.
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_format"), failure("{\"type\":\"hello\",\"hello\":{\"version\":\"1.0\xff\"}}").error.code);
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_format"), failure("{\"id\":\"\xc3\x28\",\"type\":\"bye\"}").error.code);
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_format"), failure("{\"\xed\xa0\x80\":1}").error.code);
    // Deep nesting is refused before parsing.
    std::string deep = R"({"type":"message","message":{"recipient":{"type":"room"},"data":)" + std::string(100000, '[') +
      std::string(100000, ']') + "}}";
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_format"), failure(deep).error.code);
    // Huge numbers are not integers.
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_format"),
      failure(R"({"type":"transient","transient":{"type":"set","key":"k","ttl":1e400}})").error.code);
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_format"),
      failure(R"({"type":"transient","transient":{"type":"set","key":"k","ttl":99999999999999999999999}})").error.code);
    // Wrong types everywhere.
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_format"), failure(R"({"type":"room","room":[]})").error.code);
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_format"), failure(R"({"type":7})").error.code);
  }

  void encodeSurvivesInvalidUtf8()
  {
    Json message = {{"type", "error"}, {"error", {{"code", "x"}, {"message", std::string("bad \xff\xfe bytes")}}}};
    std::string text = MessageCodec::encode(message);
    CPPUNIT_ASSERT(text.find("\xef\xbf\xbd") != std::string::npos);
    CPPUNIT_ASSERT(MessageCodec::parse(text).has_value());
  }

  void loneSurrogatesBecomeReplacementCharacters()
  {
    ClientMessage m = ok(R"({"id":"s","type":"hello","hello":{"version":"1.0","auth":{"url":"https://c/",)"
                         R"("params":{"userid":"\udc80","ticket":"\ud800x","pair":"\ud83d\ude00","quote":"\\udc80"}}}})");
    CPPUNIT_ASSERT_EQUAL(std::string("s"), m.id);
    const Json& params = std::get<HelloRequest>(m.body).params;
    CPPUNIT_ASSERT_EQUAL(std::string("\xef\xbf\xbd"), params["userid"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(std::string("\xef\xbf\xbdx"), params["ticket"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(std::string("\xf0\x9f\x98\x80"), params["pair"].get<std::string>());
    // An escaped backslash followed by "udc80" is plain text, not an escape.
    CPPUNIT_ASSERT_EQUAL(std::string("\\udc80"), params["quote"].get<std::string>());
  }

  void integersFromBooleansAndFloats()
  {
    CPPUNIT_ASSERT_EQUAL(int64_t(1), *toInteger(Json(true)));
    CPPUNIT_ASSERT_EQUAL(int64_t(0), *toInteger(Json(false)));
    CPPUNIT_ASSERT_EQUAL(int64_t(7), *toInteger(Json(7.0)));
    CPPUNIT_ASSERT(!toInteger(Json(7.5)));
    CPPUNIT_ASSERT(!toInteger(Json(uint64_t(18446744073709551615ULL))));
    CPPUNIT_ASSERT(!toInteger(Json("7")));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MessageCodecTest);
