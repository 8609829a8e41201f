// Hub: sessions, rooms, routing and backend requests against a fake Nextcloud, a manual
// clock and the real LoopbackBus (spec §3–§9, §13).
#include "HubFixture.hpp"

#include "common/util/Clock.hpp"

using namespace talk::signaling;
using namespace talk::signaling::test;

namespace {

Json messageTo(const std::string& type, const Json& recipient, const Json& data)
{
  return {{"type", type}, {type, {{"recipient", recipient}, {"data", data}}}};
}

std::vector<std::string> joinedIds(const Json& event)
{
  std::vector<std::string> ids;
  for (const Json& entry : event["event"]["join"]) {
    ids.push_back(entry["sessionid"]);
  }
  return ids;
}

}

class HubTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(HubTest);
  CPPUNIT_TEST(welcomeAndHello);
  CPPUNIT_TEST(helloErrors);
  CPPUNIT_TEST(helloTimeout);
  CPPUNIT_TEST(internalHello);
  CPPUNIT_TEST(sessionLimit);
  CPPUNIT_TEST(joinAndLeaveEvents);
  CPPUNIT_TEST(joinErrorsAndAlreadyJoined);
  CPPUNIT_TEST(roomSessionTakeover);
  CPPUNIT_TEST(anonymousJoinTimeout);
  CPPUNIT_TEST(resumeReplaysQueuedMessages);
  CPPUNIT_TEST(resumeWindowExpires);
  CPPUNIT_TEST(byeDestroysSession);
  CPPUNIT_TEST(messageRecipients);
  CPPUNIT_TEST(controlNeedsPermission);
  CPPUNIT_TEST(transientData);
  CPPUNIT_TEST(roomlistEvents);
  CPPUNIT_TEST(inCallParticipants);
  CPPUNIT_TEST(inCallAll);
  CPPUNIT_TEST(chatRelay);
  CPPUNIT_TEST(hideDisplayNames);
  CPPUNIT_TEST(disinviteClosesMember);
  CPPUNIT_TEST(switchToAndDelete);
  CPPUNIT_TEST(virtualSessions);
  CPPUNIT_TEST(pingsRoomSessions);
  CPPUNIT_TEST(failedResumesAreThrottled);
  CPPUNIT_TEST(dialoutAsksBridgesInTurn);
  CPPUNIT_TEST_SUITE_END();

public:
  void welcomeAndHello()
  {
    HubFixture f;
    HubFixture::Client raw = f.connect();
    auto features = f.hub->welcomeFeatures();
    CPPUNIT_ASSERT(std::find(features.begin(), features.end(), "incall-all") != features.end());
    CPPUNIT_ASSERT(std::find(features.begin(), features.end(), "virtual-sessions") != features.end());
    // hello-v2 only when the gateway can verify tokens.
    CPPUNIT_ASSERT(std::find(features.begin(), features.end(), "hello-v2") == features.end());
    f.gateway.helloV2 = true;
    features = f.hub->clientFeatures();
    CPPUNIT_ASSERT(std::find(features.begin(), features.end(), "hello-v2") != features.end());
    CPPUNIT_ASSERT(std::find(features.begin(), features.end(), "virtual-sessions") == features.end());

    HubFixture::Client alice = f.hello("alice");
    CPPUNIT_ASSERT(!alice.sessionId.empty());
    CPPUNIT_ASSERT(alice.sessionId != alice.resumeId);
    CPPUNIT_ASSERT_EQUAL(size_t(1), f.gateway.count("auth"));
    const Session* session = f.hub->findSession(alice.sessionId);
    CPPUNIT_ASSERT(session);
    CPPUNIT_ASSERT_EQUAL(std::string("alice"), session->userId);
    CPPUNIT_ASSERT_EQUAL(std::string("cloud"), session->backend.id);
  }

  void helloErrors()
  {
    HubFixture f;
    HubFixture::Client c = f.connect();
    f.send(c, {{"id", "1"}, {"type", "room"}, {"room", {{"roomid", "x"}}}});
    Json error = c.link->takeType("error");
    CPPUNIT_ASSERT_EQUAL(std::string("hello_expected"), error["error"]["code"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(std::string("1"), error["id"].get<std::string>());

    f.send(c, {{"id", "2"}, {"type", "hello"}, {"hello", {{"version", "1.0"}, {"auth", {{"url", "https://evil.example.com/"}, {"params", Json::object()}}}}}});
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_backend"), c.link->takeType("error")["error"]["code"].get<std::string>());

    f.send(c, {{"id", "3"}, {"type", "hello"}, {"hello", {{"version", "1.0"}, {"auth", {{"url", "https://cloud.example.com/"}, {"params", {{"ticket", "wrong"}}}}}}}});
    f.gateway.answerAll();
    Json denied = c.link->takeType("error");
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_ticket"), denied["error"]["code"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(std::string("3"), denied["id"].get<std::string>());

    f.send(c, {{"type", "hello"}, {"hello", {{"version", "2.0"}, {"auth", {{"url", "https://cloud.example.com/"}, {"params", {{"token", "a.b.c"}}}}}}}});
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_hello_version"), c.link->takeType("error")["error"]["code"].get<std::string>());

    f.send(c, {{"type", "hello"}, {"hello", {{"version", "1.0"}, {"resumeid", "bogus"}}}});
    CPPUNIT_ASSERT_EQUAL(std::string("no_such_session"), c.link->takeType("error")["error"]["code"].get<std::string>());

    c.link->frames.clear();
    f.hub->receive(c.connection, "{\"type\":\"hello\",\"hello\":{\"version\":\"1.0\xff\"}}");
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_format"), c.link->takeType("error")["error"]["code"].get<std::string>());
    CPPUNIT_ASSERT(!c.link->closed);
  }

  void helloTimeout()
  {
    HubFixture f;
    HubFixture::Client slow = f.connect();
    HubFixture::Client quick = f.hello("bob");
    f.scheduler.advance(1.9);
    CPPUNIT_ASSERT(!slow.link->closed);
    f.scheduler.advance(0.2);
    Json bye = slow.link->takeType("bye");
    CPPUNIT_ASSERT_EQUAL(std::string("hello_timeout"), bye["bye"]["reason"].get<std::string>());
    CPPUNIT_ASSERT(slow.link->closed);
    CPPUNIT_ASSERT(!quick.link->closed);
  }

  void internalHello()
  {
    HubFixture f;
    HubFixture::Client internal = f.internalHello();
    const Session* session = f.hub->findSession(internal.sessionId);
    CPPUNIT_ASSERT(session && session->isInternal());
    CPPUNIT_ASSERT_EQUAL(int64_t(3), session->inCall);
    CPPUNIT_ASSERT_EQUAL(size_t(0), f.gateway.count("auth"));

    HubFixture::Client bad = f.connect();
    f.send(bad, {{"type", "hello"}, {"hello", {{"version", "1.0"}, {"auth", {{"type", "internal"},
      {"params", {{"random", "0123456789abcdef0123456789abcdef"}, {"token", "00"}, {"backend", "https://cloud.example.com/"}}}}}}}});
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_token"), bad.link->takeType("error")["error"]["code"].get<std::string>());
    f.send(bad, {{"type", "hello"}, {"hello", {{"version", "1.0"}, {"auth", {{"type", "internal"},
      {"params", {{"random", "short"}, {"token", "00"}, {"backend", "https://cloud.example.com/"}}}}}}}});
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_token"), bad.link->takeType("error")["error"]["code"].get<std::string>());
  }

  void sessionLimit()
  {
    HubFixture f;
    f.gateway.backends[0].sessionLimit = 1;
    f.hello("alice");
    HubFixture::Client second = f.connect();
    f.send(second, {{"type", "hello"}, {"hello", {{"version", "1.0"}, {"auth", {{"url", "https://cloud.example.com/"}, {"params", {{"userid", "bob"}, {"ticket", "valid"}}}}}}}});
    f.gateway.answerAll();
    CPPUNIT_ASSERT_EQUAL(std::string("session_limit_exceeded"), second.link->takeType("error")["error"]["code"].get<std::string>());
    // Internal clients do not count.
    f.internalHello();
  }

  void joinAndLeaveEvents()
  {
    HubFixture f;
    HubFixture::Client alice = f.hello("alice", {"chat-relay"});
    HubFixture::Client bob = f.hello("bob");
    Json reply = f.join(alice, "room1", "talk-a");
    CPPUNIT_ASSERT_EQUAL(std::string("room1"), reply["room"]["roomid"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(std::string("Room room1"), reply["room"]["properties"]["name"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(1000000, reply["room"]["bandwidth"]["maxstreambitrate"].get<int>());
    CPPUNIT_ASSERT_EQUAL(std::string("j"), reply["id"].get<std::string>());
    Json own = alice.link->takeType("event", "join");
    CPPUNIT_ASSERT(joinedIds(own) == std::vector<std::string>{alice.sessionId});
    CPPUNIT_ASSERT_EQUAL(std::string("talk-a"), own["event"]["join"][0]["roomsessionid"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(std::string("chat-relay"), own["event"]["join"][0]["features"][0].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(std::string("alice display"), own["event"]["join"][0]["user"]["displayname"].get<std::string>());

    f.join(bob, "room1", "talk-b");
    // Bob learns about alice and himself; alice about bob; nobody twice.
    std::vector<std::string> seen;
    for (Json event = bob.link->takeType("event", "join"); !event.is_null(); event = bob.link->takeType("event", "join")) {
      for (auto& id : joinedIds(event)) {
        seen.push_back(id);
      }
    }
    std::sort(seen.begin(), seen.end());
    std::vector<std::string> expected{alice.sessionId, bob.sessionId};
    std::sort(expected.begin(), expected.end());
    CPPUNIT_ASSERT(seen == expected);
    CPPUNIT_ASSERT(joinedIds(alice.link->takeType("event", "join")) == std::vector<std::string>{bob.sessionId});
    CPPUNIT_ASSERT(alice.link->takeType("event", "join").is_null());

    f.send(bob, {{"id", "l"}, {"type", "room"}, {"room", {{"roomid", ""}}}});
    f.pump();
    Json left = bob.link->takeType("room");
    CPPUNIT_ASSERT_EQUAL(std::string(""), left["room"]["roomid"].get<std::string>());
    Json leave = alice.link->takeType("event", "leave");
    CPPUNIT_ASSERT_EQUAL(bob.sessionId, leave["event"]["leave"][0].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(size_t(1), f.gateway.count("leave"));
    CPPUNIT_ASSERT_EQUAL(size_t(1), f.hub->findRoom("cloud", "room1")->members.size());
    // The same room id on another backend is another room.
    HubFixture::Client carol = f.hello("carol", {}, "https://other.example.com/");
    f.join(carol, "room1", "talk-c");
    CPPUNIT_ASSERT(alice.link->takeType("event", "join").is_null());
    CPPUNIT_ASSERT_EQUAL(size_t(1), f.hub->findRoom("other", "room1")->members.size());
  }

  void joinErrorsAndAlreadyJoined()
  {
    HubFixture f;
    HubFixture::Client alice = f.hello("alice");
    f.send(alice, {{"id", "x"}, {"type", "room"}, {"room", {{"roomid", "forbidden"}, {"sessionid", "s"}}}});
    f.gateway.answerAll();
    Json error = alice.link->takeType("error");
    CPPUNIT_ASSERT_EQUAL(std::string("no_such_room"), error["error"]["code"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(std::string("x"), error["id"].get<std::string>());
    CPPUNIT_ASSERT(!f.hub->findRoom("cloud", "forbidden"));

    f.join(alice, "r", "s");
    f.send(alice, {{"id", "again"}, {"type", "room"}, {"room", {{"roomid", "r"}, {"sessionid", "s"}}}});
    Json already = alice.link->takeType("error");
    CPPUNIT_ASSERT_EQUAL(std::string("already_joined"), already["error"]["code"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(std::string("r"), already["error"]["details"]["room"]["roomid"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(size_t(2), f.gateway.count("join"));
  }

  void roomSessionTakeover()
  {
    HubFixture f;
    HubFixture::Client first = f.hello("alice");
    HubFixture::Client second = f.hello("alice");
    f.join(first, "r", "talk-same");
    f.join(second, "r", "talk-same");
    Json bye = first.link->takeType("bye");
    CPPUNIT_ASSERT_EQUAL(std::string("room_session_reconnected"), bye["bye"]["reason"].get<std::string>());
    CPPUNIT_ASSERT(first.link->closed);
    CPPUNIT_ASSERT(!f.hub->findSession(first.sessionId));
    CPPUNIT_ASSERT_EQUAL(size_t(0), f.gateway.count("leave"));
    CPPUNIT_ASSERT_EQUAL(size_t(1), f.hub->findRoom("cloud", "r")->members.size());
  }

  void anonymousJoinTimeout()
  {
    HubFixture f;
    HubFixture::Client guest = f.hello("");
    HubFixture::Client joiner = f.hello("");
    f.join(joiner, "r", "g2");
    f.scheduler.advance(10.5);
    CPPUNIT_ASSERT_EQUAL(std::string("room_join_timeout"), guest.link->takeType("bye")["bye"]["reason"].get<std::string>());
    CPPUNIT_ASSERT(guest.link->closed);
    CPPUNIT_ASSERT(!joiner.link->closed);
    CPPUNIT_ASSERT(f.hub->findSession(joiner.sessionId));
  }

  void resumeReplaysQueuedMessages()
  {
    HubFixture f;
    HubFixture::Client alice = f.hello("alice");
    HubFixture::Client bob = f.hello("bob");
    f.join(alice, "r", "a");
    f.join(bob, "r", "b");
    f.hub->disconnect(alice.connection);
    f.send(bob, messageTo("message", {{"type", "session"}, {"sessionid", alice.sessionId}}, {{"n", 1}}));
    f.send(bob, messageTo("message", {{"type", "room"}}, {{"n", 2}}));
    f.backend("r", R"({"type":"message","message":{"data":{"type":"chat","chat":{"refresh":true}}}})");
    f.backend("r", R"({"type":"message","message":{"data":{"type":"chat","chat":{"refresh":true}}}})");
    f.pump();
    f.scheduler.advance(20);
    CPPUNIT_ASSERT(f.hub->findSession(alice.sessionId));

    HubFixture::Client again = f.connect();
    f.send(again, {{"id", "r"}, {"type", "hello"}, {"hello", {{"version", "1.0"}, {"resumeid", alice.resumeId}}}});
    Json hello = again.link->takeType("hello");
    CPPUNIT_ASSERT_EQUAL(alice.sessionId, hello["hello"]["sessionid"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(alice.resumeId, hello["hello"]["resumeid"].get<std::string>());
    std::vector<Json> replay = again.link->take();
    CPPUNIT_ASSERT_EQUAL(size_t(3), replay.size()); // two messages, one chat refresh
    CPPUNIT_ASSERT_EQUAL(1, replay[0]["message"]["data"]["n"].get<int>());
    CPPUNIT_ASSERT_EQUAL(bob.sessionId, replay[0]["message"]["sender"]["sessionid"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(2, replay[1]["message"]["data"]["n"].get<int>());
    CPPUNIT_ASSERT_EQUAL(std::string("message"), replay[2]["event"]["type"].get<std::string>());
    // Still in the room, no leave sent while away.
    CPPUNIT_ASSERT(bob.link->takeType("event", "leave").is_null());

    // A public id is no resume id.
    HubFixture::Client thief = f.connect();
    f.send(thief, {{"type", "hello"}, {"hello", {{"version", "1.0"}, {"resumeid", alice.sessionId}}}});
    CPPUNIT_ASSERT_EQUAL(std::string("no_such_session"), thief.link->takeType("error")["error"]["code"].get<std::string>());

    // Resuming from a second connection while connected replaces the first.
    HubFixture::Client third = f.connect();
    f.send(third, {{"type", "hello"}, {"hello", {{"version", "1.0"}, {"resumeid", alice.resumeId}}}});
    CPPUNIT_ASSERT_EQUAL(std::string("session_resumed"), again.link->takeType("bye")["bye"]["reason"].get<std::string>());
    CPPUNIT_ASSERT(again.link->closed);
    CPPUNIT_ASSERT(!third.link->takeType("hello").is_null());
  }

  void resumeWindowExpires()
  {
    HubFixture f;
    HubFixture::Client alice = f.hello("alice");
    HubFixture::Client bob = f.hello("bob");
    f.join(alice, "r", "a");
    f.join(bob, "r", "b");
    f.hub->disconnect(alice.connection);
    f.scheduler.advance(31);
    f.pump();
    CPPUNIT_ASSERT(!f.hub->findSession(alice.sessionId));
    CPPUNIT_ASSERT_EQUAL(alice.sessionId, bob.link->takeType("event", "leave")["event"]["leave"][0].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(size_t(1), f.gateway.count("leave"));
    HubFixture::Client late = f.connect();
    f.send(late, {{"type", "hello"}, {"hello", {{"version", "1.0"}, {"resumeid", alice.resumeId}}}});
    CPPUNIT_ASSERT_EQUAL(std::string("no_such_session"), late.link->takeType("error")["error"]["code"].get<std::string>());
  }

  void byeDestroysSession()
  {
    HubFixture f;
    HubFixture::Client alice = f.hello("alice");
    f.join(alice, "r", "a");
    f.send(alice, {{"id", "9"}, {"type", "bye"}, {"bye", Json::object()}});
    Json bye = alice.link->takeType("bye");
    CPPUNIT_ASSERT_EQUAL(std::string("9"), bye["id"].get<std::string>());
    CPPUNIT_ASSERT(!bye.contains("bye"));
    CPPUNIT_ASSERT(alice.link->closed);
    CPPUNIT_ASSERT(!f.hub->findSession(alice.sessionId));
    CPPUNIT_ASSERT(!f.hub->findRoom("cloud", "r"));
    CPPUNIT_ASSERT_EQUAL(size_t(1), f.gateway.count("leave"));
  }

  void messageRecipients()
  {
    HubFixture f;
    HubFixture::Client alice = f.hello("alice");
    HubFixture::Client bob = f.hello("bob");
    HubFixture::Client bob2 = f.hello("bob");
    HubFixture::Client carol = f.hello("carol", {}, "https://other.example.com/");
    f.join(alice, "r", "a");
    f.join(bob, "r", "b");
    f.join(bob2, "r", "b2");
    for (auto* c : {&alice, &bob, &bob2, &carol}) {
      c->link->frames.clear();
    }
    f.send(alice, messageTo("message", {{"type", "session"}, {"sessionid", bob.sessionId}}, {{"type", "offer"}}));
    f.pump();
    Json got = bob.link->takeType("message");
    CPPUNIT_ASSERT_EQUAL(std::string("session"), got["message"]["sender"]["type"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(alice.sessionId, got["message"]["sender"]["sessionid"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(std::string("alice"), got["message"]["sender"]["userid"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(std::string("offer"), got["message"]["data"]["type"].get<std::string>());
    CPPUNIT_ASSERT(bob2.link->frames.empty());

    f.send(alice, messageTo("message", {{"type", "user"}, {"userid", "bob"}}, {{"u", 1}}));
    f.pump();
    CPPUNIT_ASSERT(!bob.link->takeType("message").is_null());
    CPPUNIT_ASSERT(!bob2.link->takeType("message").is_null());
    CPPUNIT_ASSERT(alice.link->frames.empty());

    f.send(alice, messageTo("message", {{"type", "room"}}, {{"r", 1}}));
    f.pump();
    CPPUNIT_ASSERT(!bob.link->takeType("message").is_null());
    CPPUNIT_ASSERT(!bob2.link->takeType("message").is_null());
    CPPUNIT_ASSERT(alice.link->frames.empty());
    CPPUNIT_ASSERT(carol.link->frames.empty());

    // call: only members with the in-call flag.
    f.backend("r", R"({"type":"incall","incall":{"incall":7,"changed":[{"sessionId":"b","inCall":7}],"users":[{"sessionId":"b","inCall":7}]}})");
    for (auto* c : {&alice, &bob, &bob2}) {
      c->link->frames.clear();
    }
    f.send(alice, messageTo("message", {{"type", "call"}}, {{"c", 1}}));
    f.pump();
    CPPUNIT_ASSERT(!bob.link->takeType("message").is_null());
    CPPUNIT_ASSERT(bob2.link->frames.empty());

    // To another backend's session and to oneself: dropped.
    f.send(alice, messageTo("message", {{"type", "session"}, {"sessionid", carol.sessionId}}, {{"x", 1}}));
    f.send(alice, messageTo("message", {{"type", "session"}, {"sessionid", alice.sessionId}}, {{"x", 1}}));
    f.send(alice, messageTo("message", {{"type", "session"}, {"sessionid", "forged"}}, {{"x", 1}}));
    f.pump();
    CPPUNIT_ASSERT(carol.link->frames.empty());
    CPPUNIT_ASSERT(alice.link->frames.empty());
  }

  void controlNeedsPermission()
  {
    HubFixture f;
    f.gateway.permissions["a"] = {"publish-media"};
    f.gateway.permissions["b"] = {"control"};
    HubFixture::Client alice = f.hello("alice");
    HubFixture::Client bob = f.hello("bob");
    f.join(alice, "r", "a");
    f.join(bob, "r", "b");
    alice.link->frames.clear();
    bob.link->frames.clear();
    f.send(alice, messageTo("control", {{"type", "session"}, {"sessionid", bob.sessionId}}, {{"type", "mute"}}));
    f.pump();
    CPPUNIT_ASSERT(bob.link->frames.empty());
    f.send(bob, messageTo("control", {{"type", "session"}, {"sessionid", alice.sessionId}}, {{"type", "mute"}, {"audio", 1}}));
    f.pump();
    Json control = alice.link->takeType("control");
    CPPUNIT_ASSERT_EQUAL(1, control["control"]["data"]["audio"].get<int>());
  }

  void transientData()
  {
    HubFixture f;
    f.gateway.permissions["b"] = {"publish-media"};
    HubFixture::Client alice = f.hello("alice");
    HubFixture::Client bob = f.hello("bob");
    f.send(alice, {{"id", "t0"}, {"type", "transient"}, {"transient", {{"type", "set"}, {"key", "k"}, {"value", 1}}}});
    CPPUNIT_ASSERT_EQUAL(std::string("not_in_room"), alice.link->takeType("error")["error"]["code"].get<std::string>());
    f.join(alice, "r", "a");
    f.send(alice, {{"type", "transient"}, {"transient", {{"type", "set"}, {"key", "k"}, {"value", {{"x", 1}}}}}});
    f.send(alice, {{"type", "transient"}, {"transient", {{"type", "set"}, {"key", "sd:" + alice.sessionId}, {"value", "me"}, {"ttl", 5000000000LL}}}});
    f.pump();
    Json set = alice.link->takeType("transient");
    CPPUNIT_ASSERT_EQUAL(std::string("set"), set["transient"]["type"].get<std::string>());
    CPPUNIT_ASSERT(!set["transient"].contains("oldvalue"));
    alice.link->frames.clear();

    f.join(bob, "r", "b");
    Json initial = bob.link->takeType("transient");
    CPPUNIT_ASSERT_EQUAL(std::string("initial"), initial["transient"]["type"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(1, initial["transient"]["data"]["k"]["x"].get<int>());
    CPPUNIT_ASSERT_EQUAL(std::string("me"), initial["transient"]["data"]["sd:" + alice.sessionId].get<std::string>());
    // Bob lacks transient-data permission.
    f.send(bob, {{"id", "t1"}, {"type", "transient"}, {"transient", {{"type", "set"}, {"key", "k"}, {"value", 2}}}});
    CPPUNIT_ASSERT_EQUAL(std::string("not_allowed"), bob.link->takeType("error")["error"]["code"].get<std::string>());

    // Same value again: no broadcast; new value: oldvalue included.
    alice.link->frames.clear();
    f.send(alice, {{"type", "transient"}, {"transient", {{"type", "set"}, {"key", "k"}, {"value", {{"x", 1}}}}}});
    f.pump();
    CPPUNIT_ASSERT(alice.link->takeType("transient").is_null());
    f.send(alice, {{"type", "transient"}, {"transient", {{"type", "set"}, {"key", "k"}, {"value", {{"x", 2}}}}}});
    f.pump();
    Json changed = bob.link->takeType("transient");
    CPPUNIT_ASSERT_EQUAL(1, changed["transient"]["oldvalue"]["x"].get<int>());

    // TTL expiry removes the key for everyone.
    bob.link->frames.clear();
    f.scheduler.advance(6);
    f.pump();
    Json removed = bob.link->takeType("transient");
    CPPUNIT_ASSERT_EQUAL(std::string("remove"), removed["transient"]["type"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL("sd:" + alice.sessionId, removed["transient"]["key"].get<std::string>());
    // Writing another session's sd: key is refused.
    f.send(alice, {{"id", "t2"}, {"type", "transient"}, {"transient", {{"type", "set"}, {"key", "sd:" + bob.sessionId}, {"value", 1}}}});
    CPPUNIT_ASSERT_EQUAL(std::string("not_allowed"), alice.link->takeType("error")["error"]["code"].get<std::string>());
  }

  void roomlistEvents()
  {
    HubFixture f;
    HubFixture::Client alice = f.hello("alice");
    HubFixture::Client bob = f.hello("bob");
    f.backend("r", R"({"type":"invite","invite":{"userids":["bob"],"alluserids":["alice","bob"],"properties":{"name":"N"}}})");
    Json invite = bob.link->takeType("event", "invite");
    CPPUNIT_ASSERT_EQUAL(std::string("roomlist"), invite["event"]["target"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(std::string("r"), invite["event"]["invite"]["roomid"].get<std::string>());
    CPPUNIT_ASSERT(bob.link->takeType("event", "update").is_null());
    Json update = alice.link->takeType("event", "update");
    CPPUNIT_ASSERT_EQUAL(std::string("N"), update["event"]["update"]["properties"]["name"].get<std::string>());

    f.join(alice, "r", "a");
    alice.link->frames.clear();
    f.backend("r", R"({"type":"update","update":{"userids":["alice"],"properties":{"name":"New"}}})");
    Json room = alice.link->takeType("room");
    CPPUNIT_ASSERT_EQUAL(std::string("New"), room["room"]["properties"]["name"].get<std::string>());
    CPPUNIT_ASSERT(!alice.link->takeType("event", "update").is_null());
  }

  void inCallParticipants()
  {
    HubFixture f;
    HubFixture::Client alice = f.hello("alice");
    HubFixture::Client bob = f.hello("bob");
    HubFixture::Client internal = f.internalHello();
    f.join(alice, "r", "a");
    f.join(bob, "r", "b");
    f.join(internal, "r", "i");
    bob.link->frames.clear();
    f.backend("r", R"({"type":"incall","incall":{"incall":7,"changed":[{"sessionId":"a","inCall":7,"participantType":3}],)"
                   R"("users":[{"sessionId":"a","inCall":7,"permissions":["x"]},{"sessionId":"0","inCall":0},{"sessionId":"unknown","inCall":1}]}})");
    Json update = bob.link->takeType("event", "update");
    CPPUNIT_ASSERT_EQUAL(std::string("participants"), update["event"]["target"].get<std::string>());
    const Json& users = update["event"]["update"]["users"];
    CPPUNIT_ASSERT_EQUAL(size_t(2), users.size());
    CPPUNIT_ASSERT_EQUAL(alice.sessionId, users[0]["sessionId"].get<std::string>());
    CPPUNIT_ASSERT(!users[0].contains("permissions"));
    CPPUNIT_ASSERT_EQUAL(std::string("alice"), users[0]["userId"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(internal.sessionId, users[1]["sessionId"].get<std::string>());
    CPPUNIT_ASSERT(users[1]["internal"].get<bool>());
    CPPUNIT_ASSERT_EQUAL(int64_t(7), f.hub->findSession(alice.sessionId)->inCall);

    // Internal in-call change republishes.
    bob.link->frames.clear();
    f.send(internal, {{"type", "internal"}, {"internal", {{"type", "incall"}, {"incall", {{"incall", 1}}}}}});
    f.pump();
    Json again = bob.link->takeType("event", "update");
    CPPUNIT_ASSERT_EQUAL(1, again["event"]["update"]["users"][1]["inCall"].get<int>());
  }

  void inCallAll()
  {
    HubFixture f;
    HubFixture::Client alice = f.hello("alice");
    HubFixture::Client bob = f.hello("bob");
    f.join(alice, "r", "a");
    f.join(bob, "r", "b");
    f.backend("r", R"({"type":"incall","incall":{"incall":7,"changed":[{"sessionId":"a","inCall":7}],"users":[]}})");
    alice.link->frames.clear();
    bob.link->frames.clear();
    f.backend("r", R"({"type":"incall","incall":{"incall":1,"all":true}})");
    // Only bob was added to the call.
    Json started = bob.link->takeType("event", "update");
    CPPUNIT_ASSERT(started["event"]["update"]["all"].get<bool>());
    CPPUNIT_ASSERT_EQUAL(1, started["event"]["update"]["incall"].get<int>());
    CPPUNIT_ASSERT(alice.link->takeType("event", "update").is_null());
    f.backend("r", R"({"type":"incall","incall":{"incall":0,"all":true}})");
    CPPUNIT_ASSERT(!alice.link->takeType("event", "update").is_null());
    CPPUNIT_ASSERT(!bob.link->takeType("event", "update").is_null());
    CPPUNIT_ASSERT_EQUAL(int64_t(0), f.hub->findSession(alice.sessionId)->inCall);
  }

  void chatRelay()
  {
    HubFixture f;
    HubFixture::Client relay = f.hello("alice", {"chat-relay"});
    HubFixture::Client plain = f.hello("bob");
    f.join(relay, "r", "a");
    f.join(plain, "r", "b");
    relay.link->frames.clear();
    plain.link->frames.clear();
    f.backend("r", R"({"type":"message","message":{"data":{"type":"chat","chat":{"refresh":true,"comments":[{"id":1,"actorDisplayName":"A"},{"id":2}]}}}})");
    std::vector<Json> got = relay.link->take();
    CPPUNIT_ASSERT_EQUAL(size_t(2), got.size());
    CPPUNIT_ASSERT_EQUAL(1, got[0]["event"]["message"]["data"]["chat"]["comment"]["id"].get<int>());
    CPPUNIT_ASSERT(!got[0]["event"]["message"]["data"]["chat"].contains("refresh"));
    std::vector<Json> refresh = plain.link->take();
    CPPUNIT_ASSERT_EQUAL(size_t(1), refresh.size());
    CPPUNIT_ASSERT(refresh[0]["event"]["message"]["data"]["chat"]["refresh"].get<bool>());
    CPPUNIT_ASSERT(!refresh[0]["event"]["message"]["data"]["chat"].contains("comments"));
  }

  void hideDisplayNames()
  {
    HubFixture f;
    f.gateway.permissions["hidden"] = {"hide-displaynames"};
    HubFixture::Client alice = f.hello("alice", {"chat-relay"});
    HubFixture::Client viewer = f.hello("viewer", {"chat-relay"});
    f.join(alice, "r", "a");
    f.join(viewer, "r", "hidden");
    Json join = viewer.link->takeType("event", "join");
    for (const Json& entry : join["event"]["join"]) {
      CPPUNIT_ASSERT(!entry["user"].contains("displayname"));
    }
    viewer.link->frames.clear();
    f.send(alice, messageTo("message", {{"type", "room"}}, {{"type", "nickChanged"}, {"name", "x"}}));
    f.backend("r", R"({"type":"message","message":{"data":{"type":"chat","chat":{"comment":{"id":1,"actorDisplayName":"Alice"}}}}})");
    std::vector<Json> got = viewer.link->take();
    CPPUNIT_ASSERT_EQUAL(size_t(1), got.size());
    CPPUNIT_ASSERT_EQUAL(std::string(""), got[0]["event"]["message"]["data"]["chat"]["comment"]["actorDisplayName"].get<std::string>());
  }

  void disinviteClosesMember()
  {
    HubFixture f;
    HubFixture::Client alice = f.hello("alice");
    HubFixture::Client elsewhere = f.hello("alice");
    HubFixture::Client bob = f.hello("bob");
    f.join(alice, "r", "a");
    f.join(bob, "r", "b");
    f.backend("r", R"({"type":"disinvite","disinvite":{"userids":["alice"],"alluserids":["bob"],"properties":{}}})");
    CPPUNIT_ASSERT_EQUAL(std::string("disinvited"), alice.link->takeType("event", "disinvite")["event"]["disinvite"]["reason"].get<std::string>());
    CPPUNIT_ASSERT(alice.link->closed);
    CPPUNIT_ASSERT(!f.hub->findSession(alice.sessionId));
    // Alice's session outside the room only gets the event.
    CPPUNIT_ASSERT(!elsewhere.link->takeType("event", "disinvite").is_null());
    CPPUNIT_ASSERT(!elsewhere.link->closed);
    CPPUNIT_ASSERT(!bob.link->takeType("event", "update").is_null());
    // By Talk session id.
    f.backend("r", R"({"type":"disinvite","disinvite":{"sessionids":["b"],"properties":{}}})");
    CPPUNIT_ASSERT(bob.link->closed);
  }

  void switchToAndDelete()
  {
    HubFixture f;
    HubFixture::Client alice = f.hello("alice");
    HubFixture::Client internal = f.internalHello();
    f.join(alice, "r", "a");
    f.join(internal, "r", "i");
    f.backend("r", R"({"type":"switchto","switchto":{"roomid":"breakout","sessions":{"a":{"reason":"x"}}}})");
    Json switchto = alice.link->takeType("event", "switchto");
    CPPUNIT_ASSERT_EQUAL(std::string("breakout"), switchto["event"]["switchto"]["roomid"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(std::string("x"), switchto["event"]["switchto"]["details"]["reason"].get<std::string>());
    f.backend("r", R"({"type":"switchto","switchto":{"roomid":"b2","sessions":["a"]}})");
    CPPUNIT_ASSERT(!alice.link->takeType("event", "switchto")["event"]["switchto"].contains("details"));

    alice.link->frames.clear();
    f.backend("r", R"({"type":"delete","delete":{"userids":["alice"]}})");
    CPPUNIT_ASSERT(!internal.link->takeType("event", "delete").is_null());
    CPPUNIT_ASSERT_EQUAL(std::string(""), alice.link->takeType("room")["room"]["roomid"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(std::string("deleted"), alice.link->takeType("event", "disinvite")["event"]["disinvite"]["reason"].get<std::string>());
    CPPUNIT_ASSERT(!f.hub->findRoom("cloud", "r"));
  }

  void virtualSessions()
  {
    HubFixture f;
    HubFixture::Client sip = f.internalHello();
    HubFixture::Client alice = f.hello("alice");
    f.join(sip, "r", "i");
    f.join(alice, "r", "a");
    alice.link->frames.clear();
    f.send(sip, {{"id", "v"}, {"type", "internal"}, {"internal", {{"type", "addsession"}, {"addsession",
      {{"sessionid", "call-1"}, {"roomid", "r"}, {"userid", ""}, {"user", {{"displayname", "+49 30"}}}, {"flags", 1}}}}}});
    f.gateway.answerAll();
    f.pump();
    CPPUNIT_ASSERT_EQUAL(size_t(1), f.gateway.count("session-add"));
    Json join = alice.link->takeType("event", "join");
    CPPUNIT_ASSERT(!join.is_null());
    const std::string virtualId = join["event"]["join"][0]["sessionid"];
    CPPUNIT_ASSERT(virtualId != sip.sessionId);
    Json participants = alice.link->takeType("event", "update");
    bool listed = false;
    for (const Json& user : participants["event"]["update"]["users"]) {
      listed = listed || (user["sessionId"] == virtualId && user["virtual"].get<bool>() && user["inCall"] == 9);
    }
    CPPUNIT_ASSERT(listed);
    CPPUNIT_ASSERT(!alice.link->takeType("event", "flags").is_null());

    // Messages to the virtual session reach its owner, naming the client-chosen id.
    sip.link->frames.clear();
    f.send(alice, messageTo("message", {{"type", "session"}, {"sessionid", virtualId}}, {{"type", "hangup"}}));
    f.pump();
    Json got = sip.link->takeType("message");
    CPPUNIT_ASSERT_EQUAL(std::string("call-1"), got["message"]["recipient"]["sessionid"].get<std::string>());

    // Virtual sessions are pinged with their public id.
    f.scheduler.advance(10.5);
    bool pinged = false;
    for (const auto& call : f.gateway.calls) {
      pinged = pinged || (call.kind == "ping" && call.sessionId == virtualId);
    }
    CPPUNIT_ASSERT(pinged);

    // Owner leaves: virtual sessions die with it.
    f.send(sip, {{"type", "bye"}, {"bye", Json::object()}});
    f.pump();
    CPPUNIT_ASSERT(!f.hub->findSession(virtualId));
    Json leave = alice.link->takeType("event", "leave");
    CPPUNIT_ASSERT(!leave.is_null());
  }

  void failedResumesAreThrottled()
  {
    HubFixture f;
    talk::SystemClock clock;
    backend::Throttler throttler(clock);
    f.hub->setThrottler(&throttler);
    std::vector<std::string> codes;
    for (int i = 0; i < 11; ++i) {
      HubFixture::Client c = f.connect("198.51.100.7");
      f.send(c, {{"id", "r"}, {"type", "hello"}, {"hello", {{"version", "1.0"}, {"resumeid", "guess-" + std::to_string(i)}}}});
      codes.push_back(c.link->takeType("error")["error"]["code"]);
    }
    CPPUNIT_ASSERT_EQUAL(std::string("no_such_session"), codes[9]);
    CPPUNIT_ASSERT_EQUAL(std::string("too_many_requests"), codes[10]);
    HubFixture::Client other = f.connect("198.51.100.8");
    f.send(other, {{"type", "hello"}, {"hello", {{"version", "1.0"}, {"resumeid", "guess"}}}});
    CPPUNIT_ASSERT_EQUAL(std::string("no_such_session"), other.link->takeType("error")["error"]["code"].get<std::string>());
  }

  void dialoutAsksBridgesInTurn()
  {
    HubFixture f;
    BackendInfo cloud = *f.gateway.lookupBackend("https://cloud.example.com/");
    std::vector<Hub::DialoutResult> results;
    auto collect = [&results](Hub::DialoutResult result) { results.push_back(result); };
    backend::DialoutRequest request{"+491701234567", {{"actorId", "p1"}}};
    f.hub->dialout(cloud, "12345", request, collect);
    CPPUNIT_ASSERT_EQUAL(size_t(1), results.size());
    CPPUNIT_ASSERT_EQUAL(404, results[0].status);
    CPPUNIT_ASSERT_EQUAL(std::string("no_client_available"), results[0].code);

    HubFixture::Client first = f.internalHello({"start-dialout"});
    HubFixture::Client second = f.internalHello({"start-dialout"});
    f.internalHello(); // no start-dialout: never asked
    results.clear();
    f.hub->dialout(cloud, "12345", request, collect);
    Json ask1 = first.link->takeType("internal");
    Json ask2 = second.link->takeType("internal");
    Json& ask = ask1.is_null() ? ask2 : ask1;
    HubFixture::Client& asked = ask1.is_null() ? second : first;
    HubFixture::Client& other = ask1.is_null() ? first : second;
    CPPUNIT_ASSERT_EQUAL(std::string("12345"), ask["internal"]["dialout"]["roomid"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(std::string("+491701234567"), ask["internal"]["dialout"]["request"]["number"].get<std::string>());
    f.send(asked, {{"id", ask["id"]}, {"type", "internal"}, {"internal", {{"type", "dialout"}, {"dialout",
      {{"type", "error"}, {"error", {{"code", "busy"}, {"message", "line busy"}}}}}}}});
    CPPUNIT_ASSERT(results.empty());
    Json next = other.link->takeType("internal");
    CPPUNIT_ASSERT(!next.is_null());
    f.send(other, {{"id", next["id"]}, {"type", "internal"}, {"internal", {{"type", "dialout"}, {"dialout",
      {{"type", "status"}, {"status", {{"callid", "c-99"}, {"status", "accepted"}}}}}}}});
    CPPUNIT_ASSERT_EQUAL(size_t(1), results.size());
    CPPUNIT_ASSERT_EQUAL(200, results[0].status);
    CPPUNIT_ASSERT_EQUAL(std::string("c-99"), results[0].callId);

    // All bridges fail: the last error, 502. No answer at all: timeout.
    results.clear();
    f.hub->dialout(cloud, "12345", request, collect);
    for (int i = 0; i < 2; ++i) {
      for (auto* c : {&first, &second}) {
        Json q = c->link->takeType("internal");
        if (!q.is_null()) {
          f.send(*c, {{"id", q["id"]}, {"type", "internal"}, {"internal", {{"type", "dialout"}, {"dialout",
            {{"type", "error"}, {"error", {{"code", "rejected"}, {"message", "no"}}}}}}}});
        }
      }
    }
    CPPUNIT_ASSERT_EQUAL(size_t(1), results.size());
    CPPUNIT_ASSERT_EQUAL(502, results[0].status);
    CPPUNIT_ASSERT_EQUAL(std::string("rejected"), results[0].code);
    results.clear();
    f.hub->dialout(cloud, "12345", request, collect);
    f.scheduler.advance(46);
    f.scheduler.advance(46);
    CPPUNIT_ASSERT_EQUAL(size_t(1), results.size());
    CPPUNIT_ASSERT_EQUAL(std::string("timeout"), results[0].code);
  }

  void pingsRoomSessions()
  {
    HubFixture f;
    HubFixture::Client alice = f.hello("alice");
    HubFixture::Client guest = f.hello("");
    f.join(alice, "r", "a");
    f.join(guest, "r", "g");
    f.scheduler.advance(10.5);
    CPPUNIT_ASSERT_EQUAL(size_t(2), f.gateway.count("ping"));
    f.scheduler.advance(10);
    CPPUNIT_ASSERT_EQUAL(size_t(4), f.gateway.count("ping"));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HubTest);
