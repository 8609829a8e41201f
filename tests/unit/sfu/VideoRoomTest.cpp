// The VideoRoom state machine: every request, error code and ordering rule of
// janus-api.md §9, through the core so the JSON shapes are the ones a client sees.
#include "JanusHarness.hpp"
#include "sfu/control/JanusErrors.hpp"

#include <cppunit/extensions/HelperMacros.h>

using namespace talk::sfu;
using namespace talk::sfu::control;
using namespace talk::sfu::testing;

namespace {

json answer(const std::string& tag = "answer") { return json{{"type", "answer"}, {"sdp", "v=0\r\ns=" + tag + "\r\n"}}; }
const json& data(const json& event) { return event["plugindata"]["data"]; }

}

class VideoRoomTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(VideoRoomTest);
  CPPUNIT_TEST(createIsSynchronousWithoutAck);
  CPPUNIT_TEST(createOptionsReachTheEngine);
  CPPUNIT_TEST(createValidation);
  CPPUNIT_TEST(missingAndUnknownRequestsAreSynchronousErrors);
  CPPUNIT_TEST(existsListAndParticipants);
  CPPUNIT_TEST(publisherJoinAckThenEvent);
  CPPUNIT_TEST(publisherJoinErrors);
  CPPUNIT_TEST(configureWithOfferAnswers);
  CPPUNIT_TEST(rejectedOfferIsAPluginError);
  CPPUNIT_TEST(subscriberGets428BeforeWebrtcup);
  CPPUNIT_TEST(subscriberJoinStreamsForm);
  CPPUNIT_TEST(subscriberJoinLegacyForm);
  CPPUNIT_TEST(subscriberJoinErrors);
  CPPUNIT_TEST(secondSubscriberJoinIs425);
  CPPUNIT_TEST(startWithAnswer);
  CPPUNIT_TEST(secondAnswerIs469);
  CPPUNIT_TEST(subscriberConfigureSelectsLayers);
  CPPUNIT_TEST(subscriberUpdateOffers);
  CPPUNIT_TEST(configureBeforeJoinIs424);
  CPPUNIT_TEST(destroyNotifiesSubscribers);
  CPPUNIT_TEST(destroyErrors);
  CPPUNIT_TEST(destroyThenDetachIsIdempotent);
  CPPUNIT_TEST(publisherHangupClosesSubscribers);
  CPPUNIT_TEST(unpublishAndLeave);
  CPPUNIT_TEST(detachPublisherHangsUpSubscribers);
  CPPUNIT_TEST(mediaAndSlowlinkEvents);
  CPPUNIT_TEST(renegotiationPushesOffers);
  CPPUNIT_TEST(switchFeeds);
  CPPUNIT_TEST(pauseAndResume);
  CPPUNIT_TEST(deferredEngineKeepsOrderAndCancels);
  CPPUNIT_TEST(trickleBeforeSubscriberJoinIsQueued);
  CPPUNIT_TEST(streamLimits);
  CPPUNIT_TEST(sessionDestroyRemovesItsRooms);
  CPPUNIT_TEST(joinAndConfigure);
  CPPUNIT_TEST(talkingEventsOnlyWhenAsked);
  CPPUNIT_TEST(secondPublisherIsAnnounced);
  CPPUNIT_TEST_SUITE_END();

public:
  void createIsSynchronousWithoutAck()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    uint64_t handle = h.attach(s);
    auto replies = h.send(h.message(s, handle, {{"request", "create"}, {"description", "x|video"}, {"publishers", 1},
                                                {"videoorient_ext", false}, {"bitrate", 1048576}}));
    CPPUNIT_ASSERT_EQUAL(size_t{1}, replies.size());
    const json& reply = replies[0];
    CPPUNIT_ASSERT_EQUAL(std::string("success"), str(reply["janus"]));
    CPPUNIT_ASSERT_EQUAL(s, reply["session_id"].get<uint64_t>());
    CPPUNIT_ASSERT_EQUAL(handle, reply["sender"].get<uint64_t>());
    CPPUNIT_ASSERT_EQUAL(std::string("janus.plugin.videoroom"), str(reply["plugindata"]["plugin"]));
    CPPUNIT_ASSERT_EQUAL(std::string("created"), str(data(reply)["videoroom"]));
    CPPUNIT_ASSERT(data(reply)["room"].get<uint64_t>() != 0);
    CPPUNIT_ASSERT_EQUAL(false, data(reply)["permanent"].get<bool>());
  }

  void createOptionsReachTheEngine()
  {
    VideoRoomLimits limits;
    limits.maxBitrate = 500000;
    JanusHarness h({}, limits);
    uint64_t s = h.createSession();
    uint64_t handle = h.attach(s);
    h.createRoom(s, handle, {{"audiocodec", "opus,pcmu"}, {"videocodec", "h264, vp8,bogus"}, {"h264_profile", "42e01f"}});
    CPPUNIT_ASSERT_EQUAL(size_t{1}, h.engine.rooms.size());
    const RoomMediaOptions& o = h.engine.rooms[0];
    CPPUNIT_ASSERT_EQUAL(uint32_t{500000}, o.bitrate); // capped
    CPPUNIT_ASSERT_EQUAL(size_t{2}, o.audioCodecs.size());
    CPPUNIT_ASSERT_EQUAL(std::string("pcmu"), o.audioCodecs[1]);
    CPPUNIT_ASSERT_EQUAL(size_t{2}, o.videoCodecs.size());
    CPPUNIT_ASSERT_EQUAL(std::string("h264"), o.videoCodecs[0]);
    CPPUNIT_ASSERT_EQUAL(std::string("42e01f"), o.h264Profile);
    CPPUNIT_ASSERT(!o.videoOrientExt);
    // Defaults mirror Janus: opus + vp8.
    h.createRoom(s, handle);
    CPPUNIT_ASSERT_EQUAL(std::string("opus"), h.engine.rooms[1].audioCodecs.at(0));
    CPPUNIT_ASSERT_EQUAL(std::string("vp8"), h.engine.rooms[1].videoCodecs.at(0));
    // A client-chosen id is kept.
    CPPUNIT_ASSERT_EQUAL(uint64_t{4242}, h.createRoom(s, handle, {{"room", 4242}}));
    CPPUNIT_ASSERT_EQUAL(RoomError::RoomExists, pluginError(h.one(h.message(s, handle, {{"request", "create"}, {"room", 4242}}))));
  }

  void createValidation()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    uint64_t handle = h.attach(s);
    for (json bad : {json{{"bitrate", "1"}}, json{{"publishers", 0}}, json{{"description", 5}}, json{{"videocodec", "theora"}},
                     json{{"room", "5"}}, json{{"room", -1}}, json{{"videoorient_ext", "no"}}, json{{"is_private", 1}}}) {
      json body{{"request", "create"}};
      body.update(bad);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(bad.dump(), RoomError::InvalidElement, pluginError(h.one(h.message(s, handle, body))));
    }
    CPPUNIT_ASSERT_EQUAL(size_t{0}, h.api->roomStats().rooms);
    VideoRoomLimits limits;
    limits.maxRooms = 1;
    JanusHarness limited({}, limits);
    uint64_t ls = limited.createSession();
    uint64_t lh = limited.attach(ls);
    limited.createRoom(ls, lh);
    CPPUNIT_ASSERT_EQUAL(RoomError::Unknown, pluginError(limited.one(limited.message(ls, lh, {{"request", "create"}}))));
  }

  void missingAndUnknownRequestsAreSynchronousErrors()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    uint64_t handle = h.attach(s);
    auto replies = h.send(h.message(s, handle, json::object()));
    CPPUNIT_ASSERT_EQUAL(size_t{1}, replies.size());
    CPPUNIT_ASSERT_EQUAL(std::string("success"), str(replies[0]["janus"]));
    CPPUNIT_ASSERT_EQUAL(std::string("event"), str(data(replies[0])["videoroom"]));
    CPPUNIT_ASSERT_EQUAL(RoomError::MissingElement, pluginError(replies[0]));
    CPPUNIT_ASSERT(data(replies[0])["error"].is_string());
    CPPUNIT_ASSERT_EQUAL(RoomError::InvalidRequest, pluginError(h.one(h.message(s, handle, {{"request", "rtp_forward"}}))));
    CPPUNIT_ASSERT_EQUAL(RoomError::InvalidRequest, pluginError(h.one(h.message(s, handle, {{"request", "add_remote_publisher"}}))));
    CPPUNIT_ASSERT_EQUAL(RoomError::InvalidElement, pluginError(h.one(h.message(s, handle, {{"request", 7}}))));
  }

  void existsListAndParticipants()
  {
    JanusHarness h;
    auto p = h.publish(1);
    json exists = h.sync(p.session, p.handle, {{"request", "exists"}, {"room", p.room}});
    CPPUNIT_ASSERT_EQUAL(true, exists["exists"].get<bool>());
    CPPUNIT_ASSERT_EQUAL(false, h.sync(p.session, p.handle, {{"request", "exists"}, {"room", 1}})["exists"].get<bool>());
    CPPUNIT_ASSERT_EQUAL(RoomError::MissingElement, pluginError(h.one(h.message(p.session, p.handle, {{"request", "exists"}}))));
    json list = h.sync(p.session, p.handle, {{"request", "list"}});
    CPPUNIT_ASSERT_EQUAL(size_t{1}, list["list"].size());
    CPPUNIT_ASSERT_EQUAL(p.room, list["list"][0]["room"].get<uint64_t>());
    json participants = h.sync(p.session, p.handle, {{"request", "listparticipants"}, {"room", p.room}});
    CPPUNIT_ASSERT_EQUAL(size_t{1}, participants["participants"].size());
    CPPUNIT_ASSERT_EQUAL(uint64_t{1}, participants["participants"][0]["id"].get<uint64_t>());
    CPPUNIT_ASSERT_EQUAL(true, participants["participants"][0]["publisher"].get<bool>());
  }

  void publisherJoinAckThenEvent()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    uint64_t handle = h.attach(s);
    uint64_t room = h.createRoom(s, handle);
    auto replies = h.send(h.message(s, handle, {{"request", "join"}, {"ptype", "publisher"}, {"room", room}, {"id", 1}}));
    CPPUNIT_ASSERT_EQUAL(size_t{2}, replies.size());
    CPPUNIT_ASSERT_EQUAL(std::string("ack"), str(replies[0]["janus"]));
    CPPUNIT_ASSERT(!replies[0].contains("sender"));
    const json& event = replies[1];
    CPPUNIT_ASSERT_EQUAL(std::string("event"), str(event["janus"]));
    CPPUNIT_ASSERT_EQUAL(replies[0]["transaction"], event["transaction"]);
    CPPUNIT_ASSERT_EQUAL(handle, event["sender"].get<uint64_t>());
    CPPUNIT_ASSERT_EQUAL(s, event["session_id"].get<uint64_t>());
    const json& d = data(event);
    CPPUNIT_ASSERT_EQUAL(std::string("joined"), str(d["videoroom"]));
    CPPUNIT_ASSERT_EQUAL(room, d["room"].get<uint64_t>());
    CPPUNIT_ASSERT_EQUAL(uint64_t{1}, d["id"].get<uint64_t>());
    CPPUNIT_ASSERT(d["private_id"].is_number_unsigned());
    CPPUNIT_ASSERT(d["publishers"].is_array() && d["publishers"].empty());
    CPPUNIT_ASSERT_EQUAL(std::string("pub|video"), str(d["description"]));
    CPPUNIT_ASSERT(!event.contains("jsep"));
  }

  void publisherJoinErrors()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    uint64_t handle = h.attach(s);
    uint64_t room = h.createRoom(s, handle);
    auto join = [&](uint64_t hd, json body) { return pluginError(h.async(s, hd, body)); };
    CPPUNIT_ASSERT_EQUAL(RoomError::MissingElement, join(handle, {{"request", "join"}, {"room", room}}));
    CPPUNIT_ASSERT_EQUAL(RoomError::InvalidElement, join(handle, {{"request", "join"}, {"ptype", "viewer"}, {"room", room}}));
    CPPUNIT_ASSERT_EQUAL(RoomError::MissingElement, join(handle, {{"request", "join"}, {"ptype", "publisher"}}));
    CPPUNIT_ASSERT_EQUAL(RoomError::NoSuchRoom, join(handle, {{"request", "join"}, {"ptype", "publisher"}, {"room", 99}}));
    CPPUNIT_ASSERT_EQUAL(0, join(handle, {{"request", "join"}, {"ptype", "publisher"}, {"room", room}, {"id", 1}}));
    CPPUNIT_ASSERT_EQUAL(RoomError::AlreadyJoined, join(handle, {{"request", "join"}, {"ptype", "publisher"}, {"room", room}, {"id", 2}}));
    uint64_t second = h.attach(s);
    CPPUNIT_ASSERT_EQUAL(RoomError::IdExists, join(second, {{"request", "join"}, {"ptype", "publisher"}, {"room", room}, {"id", 1}}));
    CPPUNIT_ASSERT_EQUAL(RoomError::PublishersFull, join(second, {{"request", "join"}, {"ptype", "publisher"}, {"room", room}, {"id", 2}}));
  }

  void configureWithOfferAnswers()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    uint64_t handle = h.attach(s);
    uint64_t room = h.createRoom(s, handle);
    h.async(s, handle, {{"request", "join"}, {"ptype", "publisher"}, {"room", room}, {"id", 1}});
    json event = h.async(s, handle, {{"request", "configure"}, {"audio", true}, {"video", true}, {"data", true}}, JanusHarness::offer());
    const json& d = data(event);
    CPPUNIT_ASSERT_EQUAL(std::string("event"), str(d["videoroom"]));
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), str(d["configured"]));
    CPPUNIT_ASSERT_EQUAL(room, d["room"].get<uint64_t>());
    CPPUNIT_ASSERT_EQUAL(std::string("opus"), str(d["audio_codec"]));
    CPPUNIT_ASSERT_EQUAL(std::string("vp8"), str(d["video_codec"]));
    CPPUNIT_ASSERT_EQUAL(size_t{3}, d["streams"].size());
    CPPUNIT_ASSERT_EQUAL(std::string("answer"), str(event["jsep"]["type"]));
    CPPUNIT_ASSERT_EQUAL(std::string("v=0\r\ns=answer-feed-1\r\n"), str(event["jsep"]["sdp"]));
    CPPUNIT_ASSERT(h.extra.empty()); // no webrtcup before DTLS is up
    // configure without jsep: a bitrate change
    json plain = h.async(s, handle, {{"request", "configure"}, {"bitrate", 300000}});
    CPPUNIT_ASSERT(!plain.contains("jsep"));
    CPPUNIT_ASSERT_EQUAL(uint32_t{300000}, h.engine.publisher(1)->bitrate);
    CPPUNIT_ASSERT_EQUAL(RoomError::InvalidElement, pluginError(h.async(s, handle, {{"request", "configure"}, {"bitrate", "x"}})));
    CPPUNIT_ASSERT_EQUAL(RoomError::InvalidElement, pluginError(h.async(s, handle, {{"request", "configure"}, {"audio", "yes"}})));
    // publish while published
    CPPUNIT_ASSERT_EQUAL(RoomError::AlreadyPublished, pluginError(h.async(s, handle, {{"request", "publish"}}, JanusHarness::offer())));
  }

  void rejectedOfferIsAPluginError()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    uint64_t handle = h.attach(s);
    uint64_t room = h.createRoom(s, handle);
    h.async(s, handle, {{"request", "join"}, {"ptype", "publisher"}, {"room", room}, {"id", 1}});
    json event = h.async(s, handle, {{"request", "configure"}}, JanusHarness::offer("a=reject\r\n"));
    CPPUNIT_ASSERT_EQUAL(RoomError::InvalidSdp, pluginError(event));
    CPPUNIT_ASSERT(!event.contains("jsep"));
  }

  void subscriberGets428BeforeWebrtcup()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    uint64_t handle = h.attach(s);
    uint64_t room = h.createRoom(s, handle);
    h.async(s, handle, {{"request", "join"}, {"ptype", "publisher"}, {"room", room}, {"id", 1}});
    uint64_t ss = h.createSession();
    uint64_t sub = h.attach(ss);
    json body{{"request", "join"}, {"ptype", "subscriber"}, {"room", room}, {"streams", json::array({{{"feed", 1}}})}};
    CPPUNIT_ASSERT_EQUAL(RoomError::NoSuchFeed, pluginError(h.async(ss, sub, body))); // joined, no offer yet
    h.async(s, handle, {{"request", "configure"}}, JanusHarness::offer());
    CPPUNIT_ASSERT_EQUAL(RoomError::NoSuchFeed, pluginError(h.async(ss, sub, body))); // offer answered, DTLS not up
    // The moment webrtcup is sent the feed is joinable (§9.10 rule 1).
    h.client.take();
    h.engine.publisher(1)->listener.onWebrtcUp();
    auto events = h.client.take();
    CPPUNIT_ASSERT_EQUAL(size_t{1}, events.size());
    CPPUNIT_ASSERT_EQUAL(std::string("webrtcup"), str(events[0]["janus"]));
    CPPUNIT_ASSERT_EQUAL(handle, events[0]["sender"].get<uint64_t>());
    CPPUNIT_ASSERT_EQUAL(s, events[0]["session_id"].get<uint64_t>());
    CPPUNIT_ASSERT(!events[0].contains("transaction"));
    CPPUNIT_ASSERT_EQUAL(std::string("attached"), str(data(h.async(ss, sub, body))["videoroom"]));
  }

  void subscriberJoinStreamsForm()
  {
    JanusHarness h;
    auto p = h.publish(1);
    uint64_t ss = h.createSession();
    uint64_t sub = h.attach(ss);
    json event = h.async(ss, sub, {{"request", "join"}, {"ptype", "subscriber"}, {"room", p.room}, {"streams", json::array({{{"feed", 1}}})},
                                   {"substream", 1}, {"private_id", 5}, {"use_msid", true}});
    const json& d = data(event);
    CPPUNIT_ASSERT_EQUAL(std::string("attached"), str(d["videoroom"]));
    CPPUNIT_ASSERT_EQUAL(p.room, d["room"].get<uint64_t>());
    CPPUNIT_ASSERT(!d.contains("warning"));
    CPPUNIT_ASSERT_EQUAL(size_t{3}, d["streams"].size());
    const json& video = d["streams"][1];
    CPPUNIT_ASSERT_EQUAL(std::string("video"), str(video["type"]));
    CPPUNIT_ASSERT_EQUAL(uint64_t{1}, video["feed_id"].get<uint64_t>());
    CPPUNIT_ASSERT_EQUAL(std::string("1"), str(video["feed_mid"]));
    CPPUNIT_ASSERT_EQUAL(std::string("vp8"), str(video["codec"]));
    CPPUNIT_ASSERT_EQUAL(1, video["mindex"].get<int>());
    CPPUNIT_ASSERT_EQUAL(true, video["active"].get<bool>());
    CPPUNIT_ASSERT_EQUAL(std::string("data"), str(d["streams"][2]["type"]));
    CPPUNIT_ASSERT(!d["streams"][2].contains("feed_id"));
    CPPUNIT_ASSERT_EQUAL(std::string("offer"), str(event["jsep"]["type"]));
    CPPUNIT_ASSERT_EQUAL(size_t{1}, h.engine.subscribers.size());
    CPPUNIT_ASSERT_EQUAL(1, *h.engine.subscribers[0]->selection.substream);
    CPPUNIT_ASSERT(h.engine.subscribers[0]->paused); // withheld until start
  }

  void subscriberJoinLegacyForm()
  {
    JanusHarness h;
    auto p = h.publish(2);
    uint64_t ss = h.createSession();
    uint64_t sub = h.attach(ss);
    json event = h.async(ss, sub, {{"request", "join"}, {"ptype", "subscriber"}, {"room", p.room}, {"feed", 2}, {"temporal", 0}, {"video", false}});
    const json& d = data(event);
    CPPUNIT_ASSERT_EQUAL(std::string("attached"), str(d["videoroom"]));
    CPPUNIT_ASSERT_EQUAL(uint64_t{2}, d["id"].get<uint64_t>());
    CPPUNIT_ASSERT_EQUAL(std::string("deprecated_api"), str(d["warning"]));
    CPPUNIT_ASSERT_EQUAL(0, *h.engine.subscribers[0]->selection.temporal);
    CPPUNIT_ASSERT_EQUAL(false, *h.engine.subscribers[0]->selection.video);
  }

  void subscriberJoinErrors()
  {
    JanusHarness h;
    auto p = h.publish(1);
    uint64_t ss = h.createSession();
    uint64_t sub = h.attach(ss);
    auto join = [&](json extra) {
      json body{{"request", "join"}, {"ptype", "subscriber"}};
      body.update(extra);
      return pluginError(h.async(ss, sub, body));
    };
    CPPUNIT_ASSERT_EQUAL(RoomError::NoSuchRoom, join({{"room", 5}, {"feed", 1}}));
    CPPUNIT_ASSERT_EQUAL(RoomError::NoSuchFeed, join({{"room", p.room}, {"feed", 7}}));
    CPPUNIT_ASSERT_EQUAL(RoomError::MissingElement, join({{"room", p.room}}));
    CPPUNIT_ASSERT_EQUAL(RoomError::MissingElement, join({{"feed", 1}}));
    CPPUNIT_ASSERT_EQUAL(RoomError::InvalidElement, join({{"room", p.room}, {"feed", "1"}}));
    CPPUNIT_ASSERT_EQUAL(RoomError::InvalidElement, join({{"room", p.room}, {"streams", {{"feed", 1}}}}));
    CPPUNIT_ASSERT_EQUAL(RoomError::MissingElement, join({{"room", p.room}, {"streams", json::array()}}));
    CPPUNIT_ASSERT_EQUAL(RoomError::MissingElement, join({{"room", p.room}, {"streams", json::array({{{"mid", "0"}}})}}));
    CPPUNIT_ASSERT_EQUAL(RoomError::InvalidElement, join({{"room", p.room}, {"feed", 1}, {"substream", 3}}));
    CPPUNIT_ASSERT_EQUAL(RoomError::InvalidElement, join({{"room", p.room}, {"feed", 1}, {"temporal", -1}}));
    CPPUNIT_ASSERT_EQUAL(RoomError::InvalidElement, join({{"room", p.room}, {"feed", 1}, {"audio", 1}}));
    CPPUNIT_ASSERT_EQUAL(RoomError::InvalidSdpType, pluginError(h.async(ss, sub, {{"request", "join"}, {"ptype", "subscriber"}, {"room", p.room}, {"feed", 1}},
                                                                     JanusHarness::offer())));
    CPPUNIT_ASSERT(h.engine.subscribers.empty());
  }

  void secondSubscriberJoinIs425()
  {
    JanusHarness h;
    auto p = h.publish(1);
    uint64_t ss = h.createSession();
    uint64_t sub = h.attach(ss);
    json body{{"request", "join"}, {"ptype", "subscriber"}, {"room", p.room}, {"feed", 1}};
    CPPUNIT_ASSERT_EQUAL(std::string("attached"), str(data(h.async(ss, sub, body))["videoroom"]));
    json second = h.async(ss, sub, body);
    CPPUNIT_ASSERT_EQUAL(RoomError::AlreadyJoined, pluginError(second));
    CPPUNIT_ASSERT(!second.contains("jsep"));
    CPPUNIT_ASSERT_EQUAL(size_t{1}, h.engine.subscribers.size());
    // A publisher handle is "already joined" for a subscriber join too.
    CPPUNIT_ASSERT_EQUAL(RoomError::AlreadyJoined, pluginError(h.async(p.session, p.handle, body)));
  }

  void startWithAnswer()
  {
    JanusHarness h;
    auto p = h.publish(1);
    uint64_t ss = h.createSession();
    uint64_t sub = h.attach(ss);
    h.async(ss, sub, {{"request", "join"}, {"ptype", "subscriber"}, {"room", p.room}, {"feed", 1}});
    json started = h.async(ss, sub, {{"request", "start"}, {"room", p.room}}, answer("browser"));
    CPPUNIT_ASSERT_EQUAL(std::string("event"), str(data(started)["videoroom"]));
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), str(data(started)["started"]));
    CPPUNIT_ASSERT(!started.contains("jsep"));
    FakeSubscriber* fake = h.engine.subscribers.at(0);
    CPPUNIT_ASSERT_EQUAL(std::string("v=0\r\ns=browser\r\n"), fake->answers.at(0));
    CPPUNIT_ASSERT(!fake->paused);
    h.client.take();
    fake->listener.onWebrtcUp();
    auto events = h.client.take();
    CPPUNIT_ASSERT_EQUAL(size_t{1}, events.size());
    CPPUNIT_ASSERT_EQUAL(std::string("webrtcup"), str(events[0]["janus"]));
    CPPUNIT_ASSERT_EQUAL(sub, events[0]["sender"].get<uint64_t>());
    // start on a publisher handle is not a publisher request
    CPPUNIT_ASSERT_EQUAL(RoomError::InvalidRequest, pluginError(h.async(p.session, p.handle, {{"request", "start"}})));
  }

  void secondAnswerIs469()
  {
    JanusHarness h;
    auto p = h.publish(1);
    auto sub = h.subscribe(p);
    json reply = h.one(h.message(sub.session, sub.handle, {{"request", "start"}}, answer()));
    CPPUNIT_ASSERT_EQUAL(CoreError::UnexpectedAnswer, errorCode(reply));
    // A refused answer is a plugin error and keeps the offer pending.
    uint64_t ss = h.createSession();
    uint64_t other = h.attach(ss);
    h.async(ss, other, {{"request", "join"}, {"ptype", "subscriber"}, {"room", p.room}, {"feed", 1}});
    CPPUNIT_ASSERT_EQUAL(RoomError::InvalidSdp, pluginError(h.async(ss, other, {{"request", "start"}}, answer("bad"))));
    CPPUNIT_ASSERT_EQUAL(0, pluginError(h.async(ss, other, {{"request", "start"}}, answer())));
  }

  void subscriberConfigureSelectsLayers()
  {
    JanusHarness h;
    auto p = h.publish(1);
    auto sub = h.subscribe(p);
    json event = h.async(sub.session, sub.handle, {{"request", "configure"}, {"substream", 0}, {"temporal", 2}, {"audio", false}});
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), str(data(event)["configured"]));
    CPPUNIT_ASSERT(!event.contains("jsep"));
    FakeSubscriber* fake = h.engine.subscribers.at(0);
    CPPUNIT_ASSERT_EQUAL(0, *fake->selection.substream);
    CPPUNIT_ASSERT_EQUAL(2, *fake->selection.temporal);
    CPPUNIT_ASSERT_EQUAL(false, *fake->selection.audio);
    h.async(sub.session, sub.handle, {{"request", "configure"}, {"streams", json::array({{{"mid", "1"}, {"substream", 2}}})}});
    CPPUNIT_ASSERT_EQUAL(2, *fake->selection.substream);
    CPPUNIT_ASSERT_EQUAL(RoomError::InvalidElement, pluginError(h.async(sub.session, sub.handle, {{"request", "configure"}, {"substream", 3}})));
    CPPUNIT_ASSERT_EQUAL(RoomError::InvalidElement, pluginError(h.async(sub.session, sub.handle, {{"request", "configure"}, {"video", "no"}})));
    CPPUNIT_ASSERT_EQUAL(2, fake->selections); // refused requests change nothing
  }

  void subscriberUpdateOffers()
  {
    JanusHarness h;
    auto p = h.publish(1);
    uint64_t ss = h.createSession();
    uint64_t sub = h.attach(ss);
    json attached = h.async(ss, sub, {{"request", "join"}, {"ptype", "subscriber"}, {"room", p.room}, {"feed", 1}});
    // Unanswered offer: re-sent within the client's timeout.
    json again = h.async(ss, sub, {{"request", "configure"}, {"update", true}});
    CPPUNIT_ASSERT_EQUAL(attached["jsep"]["sdp"], again["jsep"]["sdp"]);
    h.async(ss, sub, {{"request", "start"}}, answer());
    json fresh = h.async(ss, sub, {{"request", "configure"}, {"update", true}, {"substream", 1}});
    CPPUNIT_ASSERT_EQUAL(std::string("offer"), str(fresh["jsep"]["type"]));
    CPPUNIT_ASSERT(fresh["jsep"]["sdp"] != attached["jsep"]["sdp"]);
    CPPUNIT_ASSERT(h.api->roomStats().subscribers == 1);
    h.async(ss, sub, {{"request", "start"}}, answer());
    json restart = h.async(ss, sub, {{"request", "configure"}, {"restart", true}});
    CPPUNIT_ASSERT_EQUAL(std::string("offer"), str(restart["jsep"]["type"]));
    CPPUNIT_ASSERT_EQUAL(1, h.engine.subscribers.at(0)->restarts);
  }

  void configureBeforeJoinIs424()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    uint64_t handle = h.attach(s);
    for (const char* request : {"configure", "start", "pause", "switch", "leave", "unpublish", "publish"}) {
      CPPUNIT_ASSERT_EQUAL_MESSAGE(request, RoomError::JoinFirst, pluginError(h.async(s, handle, {{"request", request}})));
    }
  }

  void destroyNotifiesSubscribers()
  {
    JanusHarness h;
    auto p = h.publish(1);
    auto sub = h.subscribe(p);
    h.client.take();
    auto replies = h.send(h.message(p.session, p.handle, {{"request", "destroy"}, {"room", p.room}}));
    // The subscriber's unsolicited `destroyed`, then the requester's success.
    CPPUNIT_ASSERT_EQUAL(size_t{2}, replies.size());
    const json& notice = replies[0];
    CPPUNIT_ASSERT_EQUAL(std::string("event"), str(notice["janus"]));
    CPPUNIT_ASSERT_EQUAL(sub.handle, notice["sender"].get<uint64_t>());
    CPPUNIT_ASSERT_EQUAL(sub.session, notice["session_id"].get<uint64_t>());
    CPPUNIT_ASSERT(!notice.contains("transaction"));
    CPPUNIT_ASSERT_EQUAL(std::string("destroyed"), str(data(notice)["videoroom"]));
    CPPUNIT_ASSERT_EQUAL(p.room, data(notice)["room"].get<uint64_t>());
    CPPUNIT_ASSERT_EQUAL(std::string("success"), str(replies[1]["janus"]));
    CPPUNIT_ASSERT_EQUAL(std::string("destroyed"), str(data(replies[1])["videoroom"]));
    CPPUNIT_ASSERT_EQUAL(false, data(replies[1])["permanent"].get<bool>());
    CPPUNIT_ASSERT(h.engine.subscribers.empty());
    CPPUNIT_ASSERT(h.engine.publishers.empty());
    CPPUNIT_ASSERT_EQUAL(1, h.engine.roomsDestroyed);
    // The subscriber handle is free again; the room is gone.
    CPPUNIT_ASSERT_EQUAL(RoomError::NoSuchRoom,
                         pluginError(h.async(sub.session, sub.handle, {{"request", "join"}, {"ptype", "subscriber"}, {"room", p.room}, {"feed", 1}})));
  }

  void destroyErrors()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    uint64_t handle = h.attach(s);
    CPPUNIT_ASSERT_EQUAL(RoomError::NoSuchRoom, pluginError(h.one(h.message(s, handle, {{"request", "destroy"}, {"room", 3}}))));
    CPPUNIT_ASSERT_EQUAL(RoomError::MissingElement, pluginError(h.one(h.message(s, handle, {{"request", "destroy"}}))));
    uint64_t room = h.createRoom(s, handle, {{"secret", "pw"}});
    CPPUNIT_ASSERT_EQUAL(RoomError::Unauthorized, pluginError(h.one(h.message(s, handle, {{"request", "destroy"}, {"room", room}}))));
    CPPUNIT_ASSERT_EQUAL(RoomError::Unauthorized,
                         pluginError(h.one(h.message(s, handle, {{"request", "destroy"}, {"room", room}, {"secret", "no"}}))));
    CPPUNIT_ASSERT_EQUAL(std::string("destroyed"),
                         str(h.sync(s, handle, {{"request", "destroy"}, {"room", room}, {"secret", "pw"}})["videoroom"]));
  }

  void destroyThenDetachIsIdempotent()
  {
    JanusHarness h;
    auto p = h.publish(1);
    auto sub = h.subscribe(p);
    h.send(h.message(p.session, p.handle, {{"request", "destroy"}, {"room", p.room}}));
    CPPUNIT_ASSERT_EQUAL(RoomError::NoSuchRoom, pluginError(h.one(h.message(p.session, p.handle, {{"request", "destroy"}, {"room", p.room}}))));
    CPPUNIT_ASSERT_EQUAL(std::string("success"), str(h.one({{"janus", "detach"}, {"session_id", p.session}, {"handle_id", p.handle}})["janus"]));
    CPPUNIT_ASSERT_EQUAL(std::string("success"), str(h.one({{"janus", "detach"}, {"session_id", sub.session}, {"handle_id", sub.handle}})["janus"]));
    CPPUNIT_ASSERT_EQUAL(std::string("success"), str(h.one({{"janus", "destroy"}, {"session_id", p.session}})["janus"]));
  }

  void publisherHangupClosesSubscribers()
  {
    JanusHarness h;
    auto p = h.publish(1);
    auto sub = h.subscribe(p);
    h.client.take();
    h.engine.publisher(1)->listener.onHangup("ICE failed");
    auto events = h.client.take();
    CPPUNIT_ASSERT_EQUAL(size_t{2}, events.size());
    CPPUNIT_ASSERT_EQUAL(std::string("hangup"), str(events[0]["janus"]));
    CPPUNIT_ASSERT_EQUAL(p.handle, events[0]["sender"].get<uint64_t>());
    CPPUNIT_ASSERT_EQUAL(std::string("ICE failed"), str(events[0]["reason"]));
    CPPUNIT_ASSERT_EQUAL(std::string("hangup"), str(events[1]["janus"]));
    CPPUNIT_ASSERT_EQUAL(sub.handle, events[1]["sender"].get<uint64_t>());
    CPPUNIT_ASSERT(h.engine.publishers.empty());
    CPPUNIT_ASSERT(h.engine.subscribers.empty());
    uint64_t late = h.attach(sub.session);
    CPPUNIT_ASSERT_EQUAL(RoomError::NoSuchFeed,
                         pluginError(h.async(sub.session, late, {{"request", "join"}, {"ptype", "subscriber"}, {"room", p.room}, {"feed", 1}})));
    // The publisher may publish again on the same handle (a new browser PeerConnection).
    json again = h.async(p.session, p.handle, {{"request", "configure"}}, JanusHarness::offer());
    CPPUNIT_ASSERT_EQUAL(std::string("answer"), str(again["jsep"]["type"]));
  }

  void unpublishAndLeave()
  {
    JanusHarness h;
    auto p = h.publish(1);
    auto sub = h.subscribe(p);
    auto replies = h.send(h.message(p.session, p.handle, {{"request", "unpublish"}}));
    // ack, the subscriber's hangup, then the event
    CPPUNIT_ASSERT_EQUAL(size_t{3}, replies.size());
    CPPUNIT_ASSERT_EQUAL(std::string("ack"), str(replies[0]["janus"]));
    CPPUNIT_ASSERT_EQUAL(std::string("hangup"), str(replies[1]["janus"]));
    CPPUNIT_ASSERT_EQUAL(sub.handle, replies[1]["sender"].get<uint64_t>());
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), str(data(replies[2])["unpublished"]));
    CPPUNIT_ASSERT(h.engine.subscribers.empty());
    CPPUNIT_ASSERT_EQUAL(RoomError::NotPublished, pluginError(h.async(p.session, p.handle, {{"request", "unpublish"}})));
    json left = h.async(sub.session, sub.handle, {{"request", "leave"}});
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), str(data(left)["left"]));
    json leaving = h.async(p.session, p.handle, {{"request", "leave"}});
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), str(data(leaving)["leaving"]));
    CPPUNIT_ASSERT_EQUAL(RoomError::JoinFirst, pluginError(h.async(p.session, p.handle, {{"request", "leave"}})));
    // The feed id is free again.
    CPPUNIT_ASSERT_EQUAL(0, pluginError(h.async(p.session, p.handle, {{"request", "join"}, {"ptype", "publisher"}, {"room", p.room}, {"id", 1}})));
  }

  void detachPublisherHangsUpSubscribers()
  {
    JanusHarness h;
    auto p = h.publish(1);
    auto sub = h.subscribe(p);
    auto replies = h.send({{"janus", "detach"}, {"session_id", p.session}, {"handle_id", p.handle}});
    CPPUNIT_ASSERT_EQUAL(size_t{2}, replies.size());
    CPPUNIT_ASSERT_EQUAL(std::string("hangup"), str(replies[0]["janus"]));
    CPPUNIT_ASSERT_EQUAL(sub.handle, replies[0]["sender"].get<uint64_t>());
    CPPUNIT_ASSERT_EQUAL(std::string("success"), str(replies[1]["janus"]));
    CPPUNIT_ASSERT(h.engine.publishers.empty() && h.engine.subscribers.empty());
    CPPUNIT_ASSERT_EQUAL(size_t{1}, h.api->roomStats().rooms); // rooms outlive handles, not sessions
  }

  void mediaAndSlowlinkEvents()
  {
    JanusHarness h;
    auto p = h.publish(1);
    h.client.take();
    EndpointListener& listener = h.engine.publisher(1)->listener;
    listener.onMedia("video", "1", true, 0);
    listener.onMedia("audio", "0", false, 1);
    listener.onSlowLink(true, 12, "video", "1");
    auto events = h.client.take();
    CPPUNIT_ASSERT_EQUAL(size_t{3}, events.size());
    CPPUNIT_ASSERT_EQUAL(std::string("media"), str(events[0]["janus"]));
    CPPUNIT_ASSERT_EQUAL(std::string("video"), str(events[0]["type"]));
    CPPUNIT_ASSERT_EQUAL(std::string("1"), str(events[0]["mid"]));
    CPPUNIT_ASSERT_EQUAL(true, events[0]["receiving"].get<bool>());
    CPPUNIT_ASSERT(!events[0].contains("seconds"));
    CPPUNIT_ASSERT_EQUAL(1, events[1]["seconds"].get<int>());
    CPPUNIT_ASSERT_EQUAL(std::string("slowlink"), str(events[2]["janus"]));
    CPPUNIT_ASSERT_EQUAL(true, events[2]["uplink"].get<bool>());
    CPPUNIT_ASSERT_EQUAL(12, events[2]["lost"].get<int>());
    for (const json& e : events) {
      CPPUNIT_ASSERT_EQUAL(p.handle, e["sender"].get<uint64_t>());
      CPPUNIT_ASSERT(!e.contains("transaction"));
    }
  }

  void renegotiationPushesOffers()
  {
    JanusHarness h;
    auto p = h.publish(1);
    auto sub = h.subscribe(p);
    // Same media again: nothing to tell subscribers.
    h.async(p.session, p.handle, {{"request", "configure"}}, JanusHarness::offer());
    CPPUNIT_ASSERT(h.extra.empty());
    // Video dropped: the subscriber gets an unsolicited configured + offer.
    json reply = h.async(p.session, p.handle, {{"request", "configure"}},
                         json{{"type", "offer"}, {"sdp", "v=0\r\nm=audio 9\r\nm=application 9\r\n"}});
    CPPUNIT_ASSERT_EQUAL(std::string("answer"), str(reply["jsep"]["type"]));
    CPPUNIT_ASSERT_EQUAL(size_t{1}, h.extra.size());
    const json& pushed = h.extra[0];
    CPPUNIT_ASSERT_EQUAL(sub.handle, pushed["sender"].get<uint64_t>());
    CPPUNIT_ASSERT(!pushed.contains("transaction"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), str(data(pushed)["configured"]));
    CPPUNIT_ASSERT_EQUAL(std::string("offer"), str(pushed["jsep"]["type"]));
    // ... answered with start.
    CPPUNIT_ASSERT_EQUAL(0, pluginError(h.async(sub.session, sub.handle, {{"request", "start"}}, answer())));
  }

  void switchFeeds()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    uint64_t handle = h.attach(s);
    uint64_t room = h.createRoom(s, handle, {{"publishers", 2}});
    uint64_t second = h.attach(s);
    for (auto [hd, feed] : {std::pair{handle, 1}, std::pair{second, 2}}) {
      h.async(s, hd, {{"request", "join"}, {"ptype", "publisher"}, {"room", room}, {"id", feed}});
      h.async(s, hd, {{"request", "configure"}}, JanusHarness::offer());
      h.engine.publisher(feed)->listener.onWebrtcUp();
    }
    uint64_t ss = h.createSession();
    uint64_t sub = h.attach(ss);
    h.async(ss, sub, {{"request", "join"}, {"ptype", "subscriber"}, {"room", room}, {"feed", 1}});
    h.async(ss, sub, {{"request", "start"}}, answer());
    json switched = h.async(ss, sub, {{"request", "switch"}, {"feed", 2}});
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), str(data(switched)["switched"]));
    CPPUNIT_ASSERT_EQUAL(uint64_t{2}, data(switched)["id"].get<uint64_t>());
    CPPUNIT_ASSERT_EQUAL(h.engine.publisher(2), h.engine.subscribers.at(0)->source);
    CPPUNIT_ASSERT_EQUAL(RoomError::NoSuchFeed, pluginError(h.async(ss, sub, {{"request", "switch"}, {"streams", json::array({{{"feed", 9}}})}})));
    CPPUNIT_ASSERT_EQUAL(RoomError::MissingElement, pluginError(h.async(ss, sub, {{"request", "switch"}})));
    // Now feed 2's publisher leaves: the switched subscriber is hung up, feed 1 is not affected.
    h.client.take();
    h.engine.publisher(2)->listener.onHangup("DTLS alert");
    CPPUNIT_ASSERT(h.engine.subscribers.empty());
    CPPUNIT_ASSERT(h.engine.publisher(1) != nullptr);
  }

  void pauseAndResume()
  {
    JanusHarness h;
    auto p = h.publish(1);
    auto sub = h.subscribe(p);
    FakeSubscriber* fake = h.engine.subscribers.at(0);
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), str(data(h.async(sub.session, sub.handle, {{"request", "pause"}}))["paused"]));
    CPPUNIT_ASSERT(fake->paused);
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), str(data(h.async(sub.session, sub.handle, {{"request", "start"}}))["started"]));
    CPPUNIT_ASSERT(!fake->paused);
  }

  void deferredEngineKeepsOrderAndCancels()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    uint64_t handle = h.attach(s);
    uint64_t room = h.createRoom(s, handle);
    h.async(s, handle, {{"request", "join"}, {"ptype", "publisher"}, {"room", room}, {"id", 1}});
    h.engine.deferred = true;
    auto replies = h.send(h.message(s, handle, {{"request", "configure"}}, JanusHarness::offer()));
    CPPUNIT_ASSERT_EQUAL(size_t{1}, replies.size());
    CPPUNIT_ASSERT_EQUAL(std::string("ack"), str(replies[0]["janus"]));
    // Keepalives are answered while the offer is being worked on.
    CPPUNIT_ASSERT_EQUAL(std::string("ack"), str(h.one({{"janus", "keepalive"}, {"session_id", s}})["janus"]));
    h.engine.completePending();
    auto later = h.client.take();
    CPPUNIT_ASSERT_EQUAL(size_t{1}, later.size());
    CPPUNIT_ASSERT_EQUAL(replies[0]["transaction"], later[0]["transaction"]);
    CPPUNIT_ASSERT_EQUAL(std::string("answer"), str(later[0]["jsep"]["type"]));
    // Detach while an answer is pending: nothing arrives afterwards, nothing crashes.
    h.send(h.message(s, handle, {{"request", "configure"}}, JanusHarness::offer()));
    CPPUNIT_ASSERT_EQUAL(size_t{1}, h.engine.pending.size());
    h.one({{"janus", "detach"}, {"session_id", s}, {"handle_id", handle}});
    CPPUNIT_ASSERT(h.engine.pending.empty());
    h.engine.completePending();
    CPPUNIT_ASSERT(h.client.take().empty());
  }

  void trickleBeforeSubscriberJoinIsQueued()
  {
    JanusHarness h;
    auto p = h.publish(1);
    uint64_t ss = h.createSession();
    uint64_t sub = h.attach(ss);
    h.one({{"janus", "trickle"}, {"session_id", ss}, {"handle_id", sub}, {"candidate", {{"candidate", "candidate:9 1 udp 1 10.0.0.1 9 typ host"}, {"sdpMid", "0"}}}});
    h.async(ss, sub, {{"request", "join"}, {"ptype", "subscriber"}, {"room", p.room}, {"feed", 1}});
    CPPUNIT_ASSERT_EQUAL(size_t{1}, h.engine.subscribers.at(0)->trickled.size());
  }

  void streamLimits()
  {
    VideoRoomLimits limits;
    limits.maxStreams = 2;
    limits.maxSubscribersPerRoom = 5;
    JanusHarness h({}, limits);
    auto p = h.publish(1);
    h.subscribe(p);
    uint64_t ss = h.createSession();
    uint64_t sub = h.attach(ss);
    CPPUNIT_ASSERT_EQUAL(RoomError::Unknown,
                         pluginError(h.async(ss, sub, {{"request", "join"}, {"ptype", "subscriber"}, {"room", p.room}, {"feed", 1}})));
    uint64_t ps = h.createSession();
    uint64_t ph = h.attach(ps);
    uint64_t room = h.createRoom(ps, ph);
    h.async(ps, ph, {{"request", "join"}, {"ptype", "publisher"}, {"room", room}, {"id", 1}});
    CPPUNIT_ASSERT_EQUAL(RoomError::PublishersFull, pluginError(h.async(ps, ph, {{"request", "configure"}}, JanusHarness::offer())));
    VideoRoomLimits perRoom;
    perRoom.maxSubscribersPerRoom = 1;
    JanusHarness r({}, perRoom);
    auto rp = r.publish(1);
    r.subscribe(rp);
    uint64_t rs = r.createSession();
    uint64_t rh = r.attach(rs);
    CPPUNIT_ASSERT_EQUAL(RoomError::Unknown,
                         pluginError(r.async(rs, rh, {{"request", "join"}, {"ptype", "subscriber"}, {"room", rp.room}, {"feed", 1}})));
  }

  void sessionDestroyRemovesItsRooms()
  {
    JanusHarness h;
    auto p = h.publish(1);
    auto sub = h.subscribe(p);
    h.client.take();
    auto replies = h.send({{"janus", "destroy"}, {"session_id", p.session}});
    // The subscriber (another session) is hung up with its publisher, then told the room is gone.
    bool sawDestroyed = false;
    for (const json& m : replies) {
      if (m.contains("plugindata") && str(data(m)["videoroom"]) == "destroyed") {
        sawDestroyed = true;
        CPPUNIT_ASSERT_EQUAL(sub.handle, m["sender"].get<uint64_t>());
      }
    }
    CPPUNIT_ASSERT(sawDestroyed);
    CPPUNIT_ASSERT_EQUAL(std::string("success"), str(replies.back()["janus"]));
    CPPUNIT_ASSERT_EQUAL(size_t{0}, h.api->roomStats().rooms);
    CPPUNIT_ASSERT(h.engine.subscribers.empty());
  }

  void joinAndConfigure()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    uint64_t handle = h.attach(s);
    uint64_t room = h.createRoom(s, handle);
    json event = h.async(s, handle, {{"request", "joinandconfigure"}, {"ptype", "publisher"}, {"room", room}, {"id", 1}}, JanusHarness::offer());
    CPPUNIT_ASSERT_EQUAL(std::string("joined"), str(data(event)["videoroom"]));
    CPPUNIT_ASSERT_EQUAL(std::string("answer"), str(event["jsep"]["type"]));
  }

  void talkingEventsOnlyWhenAsked()
  {
    JanusHarness h;
    h.publish(1);
    h.client.take();
    h.engine.publisher(1)->listener.onTalking(true, 30);
    CPPUNIT_ASSERT(h.client.take().empty());
    uint64_t s = h.createSession();
    uint64_t handle = h.attach(s);
    uint64_t room = h.createRoom(s, handle, {{"audiolevel_event", true}});
    h.async(s, handle, {{"request", "join"}, {"ptype", "publisher"}, {"room", room}, {"id", 5}});
    h.async(s, handle, {{"request", "configure"}}, JanusHarness::offer());
    h.engine.publisher(5)->listener.onTalking(true, 30);
    auto events = h.client.take();
    CPPUNIT_ASSERT_EQUAL(size_t{1}, events.size());
    CPPUNIT_ASSERT_EQUAL(std::string("talking"), str(data(events[0])["videoroom"]));
    CPPUNIT_ASSERT_EQUAL(uint64_t{5}, data(events[0])["id"].get<uint64_t>());
  }

  void secondPublisherIsAnnounced()
  {
    JanusHarness h;
    uint64_t s = h.createSession();
    uint64_t a = h.attach(s);
    uint64_t room = h.createRoom(s, a, {{"publishers", 2}});
    h.async(s, a, {{"request", "join"}, {"ptype", "publisher"}, {"room", room}, {"id", 1}});
    h.async(s, a, {{"request", "configure"}}, JanusHarness::offer());
    h.engine.publisher(1)->listener.onWebrtcUp();
    uint64_t b = h.attach(s);
    json joined = h.async(s, b, {{"request", "join"}, {"ptype", "publisher"}, {"room", room}, {"id", 2}, {"display", "Bee"}});
    CPPUNIT_ASSERT_EQUAL(size_t{1}, data(joined)["publishers"].size());
    CPPUNIT_ASSERT_EQUAL(uint64_t{1}, data(joined)["publishers"][0]["id"].get<uint64_t>());
    h.async(s, b, {{"request", "configure"}}, JanusHarness::offer());
    h.client.take();
    h.engine.publisher(2)->listener.onWebrtcUp();
    auto events = h.client.take();
    CPPUNIT_ASSERT_EQUAL(size_t{2}, events.size());
    CPPUNIT_ASSERT_EQUAL(std::string("webrtcup"), str(events[0]["janus"]));
    CPPUNIT_ASSERT_EQUAL(a, events[1]["sender"].get<uint64_t>());
    CPPUNIT_ASSERT_EQUAL(uint64_t{2}, data(events[1])["publishers"][0]["id"].get<uint64_t>());
    CPPUNIT_ASSERT_EQUAL(std::string("Bee"), str(data(events[1])["publishers"][0]["display"]));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(VideoRoomTest);
