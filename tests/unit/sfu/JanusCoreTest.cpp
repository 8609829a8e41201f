// Core verbs of the Janus API: envelopes, scopes, error codes, timeouts, authentication.
#include "JanusHarness.hpp"
#include "sfu/control/JanusErrors.hpp"

#include <cppunit/extensions/HelperMacros.h>

using namespace talk::sfu;
using namespace talk::sfu::control;
using namespace talk::sfu::testing;

class JanusCoreTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(JanusCoreTest);
  CPPUNIT_TEST(infoReportsWhatTheSignalingServerNeeds);
  CPPUNIT_TEST(pingPong);
  CPPUNIT_TEST(createReturnsNumericIdWithoutSessionId);
  CPPUNIT_TEST(createWithOwnId);
  CPPUNIT_TEST(keepaliveIsAcked);
  CPPUNIT_TEST(unknownSessionIs458);
  CPPUNIT_TEST(attachErrors);
  CPPUNIT_TEST(unknownVerbIs453);
  CPPUNIT_TEST(wrongScopeIs457);
  CPPUNIT_TEST(unknownHandleIs459);
  CPPUNIT_TEST(messageBodyAndJsepValidation);
  CPPUNIT_TEST(trickleIsAckedBeforeTheSdp);
  CPPUNIT_TEST(trickleValidation);
  CPPUNIT_TEST(detachAndDestroy);
  CPPUNIT_TEST(sessionsExpireAfterTimeout);
  CPPUNIT_TEST(activityKeepsSessionsAlive);
  CPPUNIT_TEST(connectionCloseDestroysSessionsAndRooms);
  CPPUNIT_TEST(apiSecretIsRequiredWhenConfigured);
  CPPUNIT_TEST(tokensAreAccepted);
  CPPUNIT_TEST(drainingRefusesNewSessions);
  CPPUNIT_TEST(concatenatedRequestsAreAnsweredInOrder);
  CPPUNIT_TEST(garbageDoesNotDisturbOtherSessions);
  CPPUNIT_TEST(hangupVerb);
  CPPUNIT_TEST_SUITE_END();

public:
  void infoReportsWhatTheSignalingServerNeeds()
  {
    JanusHarness h;
    json info = h.one({{"janus", "info"}, {"transaction", "t-1"}});
    CPPUNIT_ASSERT_EQUAL(std::string("server_info"), str(info["janus"]));
    CPPUNIT_ASSERT_EQUAL(std::string("t-1"), str(info["transaction"]));
    CPPUNIT_ASSERT(!info.contains("session_id"));
    CPPUNIT_ASSERT(info["data_channels"].get<bool>());
    CPPUNIT_ASSERT(info["version"].is_number_integer());
    CPPUNIT_ASSERT(info["version"].get<int>() >= 1000 && info["version"].get<int>() < 1100);
    CPPUNIT_ASSERT(info["plugins"].contains("janus.plugin.videoroom"));
    CPPUNIT_ASSERT(info["plugins"]["janus.plugin.videoroom"]["name"].is_string());
    CPPUNIT_ASSERT(info["transports"].contains("janus.transport.websockets"));
    CPPUNIT_ASSERT_EQUAL(false, info["full-trickle"].get<bool>());
    CPPUNIT_ASSERT_EQUAL(std::string("192.0.2.10"), str(info["local-ip"]));
    CPPUNIT_ASSERT(info["version_string"].is_string());
    CPPUNIT_ASSERT(info["author"].is_string());
  }

  void pingPong()
  {
    JanusHarness h;
    json pong = h.one({{"janus", "ping"}, {"transaction", "p"}});
    CPPUNIT_ASSERT_EQUAL(std::string("pong"), str(pong["janus"]));
    CPPUNIT_ASSERT_EQUAL(std::string("p"), str(pong["transaction"]));
  }

  void createReturnsNumericIdWithoutSessionId()
  {
    JanusHarness h;
    json reply = h.one({{"janus", "create"}, {"transaction", "2"}});
    CPPUNIT_ASSERT_EQUAL(std::string("success"), str(reply["janus"]));
    CPPUNIT_ASSERT_EQUAL(std::string("2"), str(reply["transaction"]));
    CPPUNIT_ASSERT(reply["data"]["id"].is_number_unsigned());
    CPPUNIT_ASSERT(reply["data"]["id"].get<uint64_t>() != 0);
    CPPUNIT_ASSERT(!reply.contains("session_id"));
    CPPUNIT_ASSERT_EQUAL(size_t{1}, h.api->stats().sessions);
  }

  void createWithOwnId()
  {
    JanusHarness h;
    json reply = h.one({{"janus", "create"}, {"id", 77}});
    CPPUNIT_ASSERT_EQUAL(uint64_t{77}, reply["data"]["id"].get<uint64_t>());
    CPPUNIT_ASSERT_EQUAL(CoreError::SessionConflict, errorCode(h.one({{"janus", "create"}, {"id", 77}})));
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidElementType, errorCode(h.one({{"janus", "create"}, {"id", "77"}})));
  }

  void keepaliveIsAcked()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    json reply = h.one({{"janus", "keepalive"}, {"session_id", s}, {"transaction", "k"}});
    CPPUNIT_ASSERT_EQUAL(std::string("ack"), str(reply["janus"]));
    CPPUNIT_ASSERT_EQUAL(s, reply["session_id"].get<uint64_t>());
    CPPUNIT_ASSERT_EQUAL(std::string("k"), str(reply["transaction"]));
  }

  void unknownSessionIs458()
  {
    JanusHarness h;
    json reply = h.one({{"janus", "keepalive"}, {"session_id", 123456}, {"transaction", "k"}});
    CPPUNIT_ASSERT_EQUAL(std::string("error"), str(reply["janus"]));
    CPPUNIT_ASSERT_EQUAL(CoreError::SessionNotFound, errorCode(reply));
    CPPUNIT_ASSERT_EQUAL(std::string("k"), str(reply["transaction"]));
    CPPUNIT_ASSERT(reply["error"]["reason"].is_string());
    CPPUNIT_ASSERT_EQUAL(CoreError::SessionNotFound, errorCode(h.one({{"janus", "attach"}, {"session_id", 5}, {"plugin", "janus.plugin.videoroom"}})));
  }

  void attachErrors()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    CPPUNIT_ASSERT_EQUAL(CoreError::PluginNotFound, errorCode(h.one({{"janus", "attach"}, {"session_id", s}, {"plugin", "janus.plugin.echotest"}})));
    CPPUNIT_ASSERT_EQUAL(CoreError::MissingMandatoryElement, errorCode(h.one({{"janus", "attach"}, {"session_id", s}})));
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidElementType, errorCode(h.one({{"janus", "attach"}, {"session_id", s}, {"plugin", 1}})));
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidRequestPath,
                         errorCode(h.one({{"janus", "attach"}, {"session_id", s}, {"handle_id", 9}, {"plugin", "janus.plugin.videoroom"}})));
    json ok = h.one({{"janus", "attach"}, {"session_id", s}, {"plugin", "janus.plugin.videoroom"}, {"opaque_id", "x"}, {"loop_index", 3}});
    CPPUNIT_ASSERT_EQUAL(std::string("success"), str(ok["janus"]));
    CPPUNIT_ASSERT_EQUAL(s, ok["session_id"].get<uint64_t>());
    CPPUNIT_ASSERT(ok["data"]["id"].get<uint64_t>() != s);
  }

  void unknownVerbIs453()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    CPPUNIT_ASSERT_EQUAL(CoreError::UnknownRequest, errorCode(h.one({{"janus", "bogus"}})));
    CPPUNIT_ASSERT_EQUAL(CoreError::UnknownRequest, errorCode(h.one({{"janus", "claim"}, {"session_id", s}})));
    json reply = h.one({{"janus", "bogus"}, {"session_id", s}, {"transaction", "u"}});
    CPPUNIT_ASSERT_EQUAL(std::string("u"), str(reply["transaction"]));
    CPPUNIT_ASSERT_EQUAL(s, reply["session_id"].get<uint64_t>());
  }

  void wrongScopeIs457()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    uint64_t handle = h.attach(s);
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidRequestPath, errorCode(h.one({{"janus", "keepalive"}})));
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidRequestPath, errorCode(h.one({{"janus", "message"}, {"session_id", s}, {"body", json::object()}})));
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidRequestPath, errorCode(h.one({{"janus", "create"}, {"session_id", s}})));
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidRequestPath, errorCode(h.one({{"janus", "keepalive"}, {"session_id", s}, {"handle_id", handle}})));
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidRequestPath, errorCode(h.one({{"janus", "detach"}, {"handle_id", handle}})));
    // info is accepted at any scope
    CPPUNIT_ASSERT_EQUAL(std::string("server_info"), str(h.one({{"janus", "info"}, {"session_id", s}})["janus"]));
  }

  void unknownHandleIs459()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    uint64_t other = h.createSession();
    uint64_t foreign = h.attach(other);
    CPPUNIT_ASSERT_EQUAL(CoreError::HandleNotFound, errorCode(h.one({{"janus", "detach"}, {"session_id", s}, {"handle_id", 42}})));
    // A handle of another session is not reachable through this one.
    CPPUNIT_ASSERT_EQUAL(CoreError::HandleNotFound,
                         errorCode(h.one({{"janus", "message"}, {"session_id", s}, {"handle_id", foreign}, {"body", {{"request", "list"}}}})));
  }

  void messageBodyAndJsepValidation()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    uint64_t handle = h.attach(s);
    auto msg = [&](json extra) {
      json request{{"janus", "message"}, {"session_id", s}, {"handle_id", handle}};
      request.update(extra);
      return errorCode(h.one(request));
    };
    json body{{"request", "configure"}};
    CPPUNIT_ASSERT_EQUAL(CoreError::MissingMandatoryElement, msg(json::object()));
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidElementType, msg({{"body", "x"}}));
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidJsonObject, msg({{"body", body}, {"jsep", "v=0"}}));
    CPPUNIT_ASSERT_EQUAL(CoreError::MissingMandatoryElement, msg({{"body", body}, {"jsep", {{"sdp", "v=0"}}}}));
    CPPUNIT_ASSERT_EQUAL(CoreError::MissingMandatoryElement, msg({{"body", body}, {"jsep", {{"type", "offer"}}}}));
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidElementType, msg({{"body", body}, {"jsep", {{"type", 1}, {"sdp", "v=0"}}}}));
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidElementType, msg({{"body", body}, {"jsep", {{"type", "offer"}, {"sdp", 5}}}}));
    CPPUNIT_ASSERT_EQUAL(CoreError::JsepUnknownType, msg({{"body", body}, {"jsep", {{"type", "pranswer"}, {"sdp", "v=0"}}}}));
    CPPUNIT_ASSERT_EQUAL(CoreError::JsepInvalidSdp, msg({{"body", body}, {"jsep", {{"type", "offer"}, {"sdp", "hello"}}}}));
    CPPUNIT_ASSERT_EQUAL(CoreError::UnexpectedAnswer, msg({{"body", {{"request", "start"}}}, {"jsep", {{"type", "answer"}, {"sdp", "v=0"}}}}));
    // Core errors come alone: no ack precedes them.
    auto replies = h.send({{"janus", "message"}, {"session_id", s}, {"handle_id", handle}, {"body", body}, {"jsep", {{"type", "x"}, {"sdp", "v=0"}}}});
    CPPUNIT_ASSERT_EQUAL(size_t{1}, replies.size());
    // Extra jsep keys (nick, trickle) are tolerated.
    uint64_t room = h.createRoom(s, handle);
    h.async(s, handle, {{"request", "join"}, {"ptype", "publisher"}, {"room", room}, {"id", 1}});
    json configured = h.async(s, handle, {{"request", "configure"}},
                              json{{"type", "offer"}, {"sdp", "v=0\r\nm=audio 9\r\n"}, {"nick", "n"}, {"trickle", true}});
    CPPUNIT_ASSERT_EQUAL(std::string("answer"), str(configured["jsep"]["type"]));
    CPPUNIT_ASSERT_EQUAL(size_t{2}, configured["jsep"].size());
  }

  void trickleIsAckedBeforeTheSdp()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    uint64_t handle = h.attach(s);
    json candidate{{"candidate", "candidate:1 1 udp 2015363327 203.0.113.5 20000 typ host"}, {"sdpMid", "0"}, {"sdpMLineIndex", 0},
                   {"usernameFragment", "abcd"}};
    json reply = h.one({{"janus", "trickle"}, {"session_id", s}, {"handle_id", handle}, {"candidate", candidate}, {"transaction", "tr"}});
    CPPUNIT_ASSERT_EQUAL(std::string("ack"), str(reply["janus"]));
    CPPUNIT_ASSERT_EQUAL(std::string("tr"), str(reply["transaction"]));
    CPPUNIT_ASSERT_EQUAL(s, reply["session_id"].get<uint64_t>());
    json list = json::array({{{"candidate", "candidate:2 1 udp 1 198.51.100.7 9 typ srflx"}, {"sdpMLineIndex", 0}}, {{"completed", true}}});
    CPPUNIT_ASSERT_EQUAL(std::string("ack"), str(h.one({{"janus", "trickle"}, {"session_id", s}, {"handle_id", handle}, {"candidates", list}})["janus"]));
    // Queued, then handed to the PeerConnection once the offer creates it.
    uint64_t room = h.createRoom(s, handle);
    h.async(s, handle, {{"request", "join"}, {"ptype", "publisher"}, {"room", room}, {"id", 1}});
    h.async(s, handle, {{"request", "configure"}}, JanusHarness::offer());
    FakePublisher* publisher = h.engine.publisher(1);
    CPPUNIT_ASSERT(publisher != nullptr);
    CPPUNIT_ASSERT_EQUAL(size_t{3}, publisher->trickled.size());
    CPPUNIT_ASSERT_EQUAL(std::string("0"), publisher->trickled[0].sdpMid);
    CPPUNIT_ASSERT_EQUAL(0, publisher->trickled[1].sdpMLineIndex);
    CPPUNIT_ASSERT(publisher->trickled[1].sdpMid.empty());
    CPPUNIT_ASSERT(publisher->trickled[2].completed);
    // Later candidates go straight through.
    h.one({{"janus", "trickle"}, {"session_id", s}, {"handle_id", handle}, {"candidate", candidate}});
    CPPUNIT_ASSERT_EQUAL(size_t{4}, publisher->trickled.size());
  }

  void trickleValidation()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    uint64_t handle = h.attach(s);
    auto trickle = [&](json extra) {
      json request{{"janus", "trickle"}, {"session_id", s}, {"handle_id", handle}};
      request.update(extra);
      return errorCode(h.one(request));
    };
    json good{{"candidate", "candidate:1 1 udp 1 192.0.2.1 9 typ host"}, {"sdpMid", "0"}};
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidJson, trickle({{"candidate", good}, {"candidates", json::array({good})}}));
    CPPUNIT_ASSERT_EQUAL(CoreError::MissingMandatoryElement, trickle(json::object()));
    CPPUNIT_ASSERT_EQUAL(CoreError::MissingMandatoryElement, trickle({{"candidate", {{"candidate", "candidate:1"}}}}));
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidElementType, trickle({{"candidate", {{"candidate", "c"}, {"sdpMid", 0}}}}));
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidElementType, trickle({{"candidate", {{"candidate", "c"}, {"sdpMLineIndex", "0"}}}}));
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidElementType, trickle({{"candidate", {{"candidate", 5}, {"sdpMid", "0"}}}}));
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidElementType, trickle({{"candidate", "candidate:1"}}));
    CPPUNIT_ASSERT_EQUAL(CoreError::InvalidElementType, trickle({{"candidates", good}}));
    CPPUNIT_ASSERT_EQUAL(CoreError::HandleNotFound, errorCode(h.one({{"janus", "trickle"}, {"session_id", s}, {"handle_id", 1}, {"candidate", good}})));
  }

  void detachAndDestroy()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    uint64_t handle = h.attach(s);
    json detached = h.one({{"janus", "detach"}, {"session_id", s}, {"handle_id", handle}, {"transaction", "d"}});
    CPPUNIT_ASSERT_EQUAL(std::string("success"), str(detached["janus"]));
    CPPUNIT_ASSERT_EQUAL(s, detached["session_id"].get<uint64_t>());
    CPPUNIT_ASSERT_EQUAL(CoreError::HandleNotFound, errorCode(h.one({{"janus", "detach"}, {"session_id", s}, {"handle_id", handle}})));
    h.attach(s);
    CPPUNIT_ASSERT_EQUAL(size_t{1}, h.api->stats().handles);
    json destroyed = h.one({{"janus", "destroy"}, {"session_id", s}});
    CPPUNIT_ASSERT_EQUAL(std::string("success"), str(destroyed["janus"]));
    CPPUNIT_ASSERT_EQUAL(size_t{0}, h.api->stats().handles);
    CPPUNIT_ASSERT_EQUAL(size_t{0}, h.api->stats().sessions);
    CPPUNIT_ASSERT_EQUAL(CoreError::SessionNotFound, errorCode(h.one({{"janus", "keepalive"}, {"session_id", s}})));
    CPPUNIT_ASSERT_EQUAL(CoreError::SessionNotFound, errorCode(h.one({{"janus", "destroy"}, {"session_id", s}})));
  }

  void sessionsExpireAfterTimeout()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    uint64_t handle = h.attach(s);
    h.createRoom(s, handle);
    h.now += 59000;
    h.api->expireSessions();
    CPPUNIT_ASSERT(h.client.take().empty());
    h.now += 2000;
    h.api->expireSessions();
    auto events = h.client.take();
    CPPUNIT_ASSERT_EQUAL(size_t{1}, events.size());
    CPPUNIT_ASSERT_EQUAL(std::string("timeout"), str(events[0]["janus"]));
    CPPUNIT_ASSERT_EQUAL(s, events[0]["session_id"].get<uint64_t>());
    CPPUNIT_ASSERT(!events[0].contains("transaction"));
    CPPUNIT_ASSERT_EQUAL(CoreError::SessionNotFound, errorCode(h.one({{"janus", "keepalive"}, {"session_id", s}})));
    CPPUNIT_ASSERT_EQUAL(size_t{0}, h.api->roomStats().rooms);
  }

  void activityKeepsSessionsAlive()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    for (int i = 0; i < 5; ++i) {
      h.now += 30000;
      h.one({{"janus", "keepalive"}, {"session_id", s}});
      h.api->expireSessions();
    }
    CPPUNIT_ASSERT_EQUAL(size_t{1}, h.api->stats().sessions);
    JanusApiOptions never;
    never.sessionTimeoutSeconds = 0;
    JanusHarness forever(never);
    forever.createSession();
    forever.now += 86400000;
    forever.api->expireSessions();
    CPPUNIT_ASSERT_EQUAL(size_t{1}, forever.api->stats().sessions);
  }

  void connectionCloseDestroysSessionsAndRooms()
  {
    JanusHarness h;
    RecordingConnection other;
    uint64_t mine = h.createSession();
    uint64_t handle = h.attach(mine);
    uint64_t room = h.createRoom(mine, handle);
    uint64_t theirs = h.createSession(&other);
    uint64_t theirHandle = h.attach(theirs, &other);
    h.api->onConnectionClosed(h.client);
    CPPUNIT_ASSERT_EQUAL(size_t{1}, h.api->stats().sessions);
    CPPUNIT_ASSERT_EQUAL(1, h.engine.roomsDestroyed);
    json exists = h.one(h.message(theirs, theirHandle, {{"request", "exists"}, {"room", room}}), &other);
    CPPUNIT_ASSERT_EQUAL(false, exists["plugindata"]["data"]["exists"].get<bool>());
  }

  void apiSecretIsRequiredWhenConfigured()
  {
    JanusApiOptions options;
    options.apiSecret = "s3cret";
    JanusHarness h(options);
    CPPUNIT_ASSERT_EQUAL(std::string("server_info"), str(h.one({{"janus", "info"}})["janus"]));
    CPPUNIT_ASSERT_EQUAL(CoreError::Unauthorized, errorCode(h.one({{"janus", "create"}})));
    CPPUNIT_ASSERT_EQUAL(CoreError::Unauthorized, errorCode(h.one({{"janus", "create"}, {"apisecret", "wrong"}})));
    CPPUNIT_ASSERT_EQUAL(CoreError::Unauthorized, errorCode(h.one({{"janus", "create"}, {"apisecret", 5}})));
    json ok = h.one({{"janus", "create"}, {"apisecret", "s3cret"}});
    CPPUNIT_ASSERT_EQUAL(std::string("success"), str(ok["janus"]));
    uint64_t s = ok["data"]["id"].get<uint64_t>();
    CPPUNIT_ASSERT_EQUAL(CoreError::Unauthorized, errorCode(h.one({{"janus", "keepalive"}, {"session_id", s}})));
    CPPUNIT_ASSERT_EQUAL(std::string("ack"), str(h.one({{"janus", "keepalive"}, {"session_id", s}, {"apisecret", "s3cret"}})["janus"]));
    CPPUNIT_ASSERT(h.one({{"janus", "info"}})["api_secret"].get<bool>());
  }

  void tokensAreAccepted()
  {
    JanusApiOptions options;
    options.tokens = {"alpha", "beta"};
    JanusHarness h(options);
    CPPUNIT_ASSERT_EQUAL(CoreError::Unauthorized, errorCode(h.one({{"janus", "create"}})));
    CPPUNIT_ASSERT_EQUAL(CoreError::Unauthorized, errorCode(h.one({{"janus", "create"}, {"token", "gamma"}})));
    CPPUNIT_ASSERT_EQUAL(std::string("success"), str(h.one({{"janus", "create"}, {"token", "beta"}})["janus"]));
    // After a reload without tokens nothing is required any more.
    h.api->updateOptions(JanusApiOptions{}, VideoRoomLimits{});
    CPPUNIT_ASSERT_EQUAL(std::string("success"), str(h.one({{"janus", "create"}})["janus"]));
  }

  void drainingRefusesNewSessions()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    h.api->setAcceptingSessions(false);
    CPPUNIT_ASSERT_EQUAL(CoreError::NotAcceptingSessions, errorCode(h.one({{"janus", "create"}})));
    CPPUNIT_ASSERT_EQUAL(std::string("ack"), str(h.one({{"janus", "keepalive"}, {"session_id", s}})["janus"]));
  }

  void concatenatedRequestsAreAnsweredInOrder()
  {
    JanusHarness h;
    auto replies = h.sendRaw(R"({"janus":"info","transaction":"a"}{"janus":"create","transaction":"b"} {"janus":"nope","transaction":"c"})");
    CPPUNIT_ASSERT_EQUAL(size_t{3}, replies.size());
    CPPUNIT_ASSERT_EQUAL(std::string("a"), str(replies[0]["transaction"]));
    CPPUNIT_ASSERT_EQUAL(std::string("success"), str(replies[1]["janus"]));
    CPPUNIT_ASSERT_EQUAL(CoreError::UnknownRequest, errorCode(replies[2]));
  }

  void garbageDoesNotDisturbOtherSessions()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    for (const char* frame : {"", "{", "[]", "null", "{\"janus\":\"create\"}", "\xff\xfe{}", "{\"janus\":\"message\",\"transaction\":\"x\",\"session_id\":1e300}"}) {
      auto replies = h.sendRaw(frame);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(frame, size_t{1}, replies.size());
      CPPUNIT_ASSERT_EQUAL_MESSAGE(frame, std::string("error"), str(replies[0]["janus"]));
    }
    CPPUNIT_ASSERT_EQUAL(std::string("ack"), str(h.one({{"janus", "keepalive"}, {"session_id", s}})["janus"]));
    CPPUNIT_ASSERT_EQUAL(size_t{1}, h.api->stats().sessions);
  }

  void hangupVerb()
  {
    JanusHarness h;
    auto p = h.publish(1);
    auto replies = h.send({{"janus", "hangup"}, {"session_id", p.session}, {"handle_id", p.handle}, {"transaction", "h"}});
    CPPUNIT_ASSERT_EQUAL(size_t{2}, replies.size());
    CPPUNIT_ASSERT_EQUAL(std::string("hangup"), str(replies[0]["janus"]));
    CPPUNIT_ASSERT_EQUAL(p.handle, replies[0]["sender"].get<uint64_t>());
    CPPUNIT_ASSERT(!replies[0].contains("transaction"));
    CPPUNIT_ASSERT_EQUAL(std::string("success"), str(replies[1]["janus"]));
    CPPUNIT_ASSERT_EQUAL(std::string("h"), str(replies[1]["transaction"]));
    CPPUNIT_ASSERT(h.engine.publisher(1) == nullptr);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(JanusCoreTest);
