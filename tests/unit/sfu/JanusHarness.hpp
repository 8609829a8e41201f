#pragma once
// Drives JanusApi like a WebSocket client: each send() returns the messages the request
// produced, in order (parsed back from text, so the JSON shapes are what a client sees).
#include "FakeMediaEngine.hpp"
#include "sfu/control/JanusApi.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <memory>
#include <string>
#include <vector>

namespace talk::sfu::testing {

using nlohmann::json;

class RecordingConnection final : public control::ClientConnection
{
public:
  void sendText(std::string text) override { messages.push_back(json::parse(text)); }
  std::vector<json> take()
  {
    auto out = std::move(messages);
    messages.clear();
    return out;
  }
  std::vector<json> messages;
};

class JanusHarness
{
public:
  explicit JanusHarness(control::JanusApiOptions options = {}, control::VideoRoomLimits limits = {})
  {
    api = std::make_unique<control::JanusApi>(
      options, engine, limits, [this] { return now; }, [this] { return nextId++; });
  }

  std::vector<json> sendRaw(const std::string& text, RecordingConnection* connection = nullptr)
  {
    RecordingConnection& c = connection != nullptr ? *connection : client;
    c.take();
    api->onFrame(c, text);
    return c.take();
  }
  std::vector<json> send(json request, RecordingConnection* connection = nullptr)
  {
    if (!request.contains("transaction")) {
      request["transaction"] = std::to_string(++transactions);
    }
    return sendRaw(request.dump(), connection);
  }
  // The single reply of a request.
  json one(json request, RecordingConnection* connection = nullptr)
  {
    auto replies = send(std::move(request), connection);
    CPPUNIT_ASSERT_EQUAL(size_t{1}, replies.size());
    return replies[0];
  }

  uint64_t createSession(RecordingConnection* connection = nullptr)
  {
    json reply = one({{"janus", "create"}}, connection);
    CPPUNIT_ASSERT_EQUAL(std::string("success"), reply["janus"].get<std::string>());
    return reply["data"]["id"].get<uint64_t>();
  }
  uint64_t attach(uint64_t session, RecordingConnection* connection = nullptr)
  {
    json reply = one({{"janus", "attach"}, {"session_id", session}, {"plugin", "janus.plugin.videoroom"}}, connection);
    CPPUNIT_ASSERT_EQUAL(std::string("success"), reply["janus"].get<std::string>());
    return reply["data"]["id"].get<uint64_t>();
  }
  json message(uint64_t session, uint64_t handle, json body, json jsep = nullptr)
  {
    json request{{"janus", "message"}, {"session_id", session}, {"handle_id", handle}, {"body", body}};
    if (!jsep.is_null()) {
      request["jsep"] = jsep;
    }
    return request;
  }
  // Synchronous plugin request: returns plugindata.data.
  json sync(uint64_t session, uint64_t handle, json body)
  {
    json reply = one(message(session, handle, body));
    CPPUNIT_ASSERT_EQUAL(std::string("success"), reply["janus"].get<std::string>());
    return reply["plugindata"]["data"];
  }
  // Asynchronous plugin request: checks ack then event, returns the event message.
  json async(uint64_t session, uint64_t handle, json body, json jsep = nullptr, RecordingConnection* connection = nullptr)
  {
    auto replies = send(message(session, handle, body, jsep), connection);
    CPPUNIT_ASSERT_MESSAGE("ack and event expected", replies.size() >= 2);
    CPPUNIT_ASSERT_EQUAL(std::string("ack"), replies[0]["janus"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(std::string("event"), replies[1]["janus"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(replies[0]["transaction"], replies[1]["transaction"]);
    extra.assign(replies.begin() + 2, replies.end());
    return replies[1];
  }

  uint64_t createRoom(uint64_t session, uint64_t handle, json extraKeys = json::object())
  {
    json body{{"request", "create"}, {"publishers", 1}, {"description", "pub|video"}, {"bitrate", 1048576}};
    body.update(extraKeys);
    json data = sync(session, handle, body);
    CPPUNIT_ASSERT_EQUAL(std::string("created"), data["videoroom"].get<std::string>());
    return data["room"].get<uint64_t>();
  }
  static json offer(const std::string& extra = "")
  {
    return json{{"type", "offer"}, {"sdp", "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
                                           "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n" + extra}};
  }
  // A room with a publisher (feed) whose PeerConnection is up.
  struct Publisher
  {
    uint64_t session, handle, room, feed;
  };
  Publisher publish(uint64_t feed = 1)
  {
    Publisher p{};
    p.session = createSession();
    p.handle = attach(p.session);
    p.room = createRoom(p.session, p.handle);
    json joined = async(p.session, p.handle, {{"request", "join"}, {"ptype", "publisher"}, {"room", p.room}, {"id", feed}});
    CPPUNIT_ASSERT_EQUAL(std::string("joined"), joined["plugindata"]["data"]["videoroom"].get<std::string>());
    json configured = async(p.session, p.handle, {{"request", "configure"}, {"audio", true}, {"video", true}, {"data", true}}, offer());
    CPPUNIT_ASSERT_EQUAL(std::string("answer"), configured["jsep"]["type"].get<std::string>());
    p.feed = feed;
    client.take();
    engine.publisher(feed)->listener.onWebrtcUp();
    auto events = client.take();
    CPPUNIT_ASSERT_EQUAL(size_t{1}, events.size());
    CPPUNIT_ASSERT_EQUAL(std::string("webrtcup"), events[0]["janus"].get<std::string>());
    return p;
  }
  // A started subscriber of p.
  struct Subscriber
  {
    uint64_t session, handle;
  };
  Subscriber subscribe(const Publisher& p)
  {
    Subscriber s{};
    s.session = createSession();
    s.handle = attach(s.session);
    json attached = async(s.session, s.handle, {{"request", "join"}, {"ptype", "subscriber"}, {"room", p.room}, {"feed", p.feed}});
    CPPUNIT_ASSERT_EQUAL(std::string("attached"), attached["plugindata"]["data"]["videoroom"].get<std::string>());
    json started = async(s.session, s.handle, {{"request", "start"}, {"room", p.room}},
                         json{{"type", "answer"}, {"sdp", "v=0\r\ns=answer\r\n"}});
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), started["plugindata"]["data"]["started"].get<std::string>());
    return s;
  }

  FakeMediaEngine engine;
  RecordingConnection client;
  std::unique_ptr<control::JanusApi> api;
  std::vector<json> extra; // messages after the event of the last async()
  int64_t now{0};
  uint64_t nextId{1000};
  int transactions{0};
};

inline std::string str(const json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }
inline int errorCode(const json& reply) { return reply["error"]["code"].get<int>(); }
inline int pluginError(const json& event) { return event["plugindata"]["data"].value("error_code", 0); }

}
