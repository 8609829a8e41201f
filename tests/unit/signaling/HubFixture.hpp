#pragma once
// A Hub wired to fakes: a BackendGateway answering like a scripted Nextcloud, a manual
// clock, client links that record frames, and a real LoopbackBus on a real loop.
#include "common/crypto/Crypto.hpp"
#include "common/ev/EventLoop.hpp"
#include "nats/LoopbackBus.hpp"
#include "signaling/Hub.hpp"
#include "signaling/protocol/MessageCodec.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <deque>
#include <map>
#include <memory>

namespace talk::signaling::test {

class ManualScheduler final : public Scheduler
{
public:
  Id after(double seconds, std::function<void()> callback) override
  {
    Id id = d_next++;
    d_timers[id] = {d_now + seconds, std::move(callback)};
    return id;
  }
  void cancel(Id id) override { d_timers.erase(id); }
  double now() const override { return d_now; }
  int64_t unixSeconds() const override { return 1700000000 + static_cast<int64_t>(d_now); }

  // Advances the clock, running due timers in time order.
  void advance(double seconds)
  {
    const double target = d_now + seconds;
    for (;;) {
      auto next = d_timers.end();
      for (auto it = d_timers.begin(); it != d_timers.end(); ++it) {
        if (it->second.first <= target && (next == d_timers.end() || it->second.first < next->second.first)) {
          next = it;
        }
      }
      if (next == d_timers.end()) {
        break;
      }
      d_now = next->second.first;
      auto callback = std::move(next->second.second);
      d_timers.erase(next);
      callback();
    }
    d_now = target;
  }

private:
  double d_now{0};
  Id d_next{1};
  std::map<Id, std::pair<double, std::function<void()>>> d_timers;
};

class FakeGateway final : public BackendGateway
{
public:
  struct Call
  {
    std::string kind; // auth, join, leave, ping, session-add, session-remove
    std::string roomId;
    std::string userId;
    std::string sessionId;
    std::string actorId;
  };

  std::optional<BackendInfo> lookupBackend(std::string_view url) const override
  {
    for (const BackendInfo& backend : backends) {
      if (url.rfind(backend.url, 0) == 0) {
        BackendInfo found = backend;
        return found;
      }
    }
    return std::nullopt;
  }
  bool supportsHelloV2() const override { return helloV2; }

  void authenticate(const BackendInfo&, const protocol::HelloRequest& hello, std::function<void(AuthResult)> done) override
  {
    calls.push_back({"auth", {}, hello.params.value("userid", ""), {}, {}});
    AuthResult result;
    const std::string ticket = hello.params.value("ticket", "");
    if (ticket != "valid") {
      result.error = protocol::ProtocolError{"invalid_ticket", "The ticket is not valid.", nullptr};
    } else {
      result.userId = hello.params.value("userid", "");
      if (!result.userId.empty()) {
        result.user = {{"displayname", result.userId + " display"}};
      }
    }
    pending.push_back([done, result] { done(result); });
  }

  void joinRoom(const BackendInfo&, const RoomJoinRequest& request, std::function<void(RoomJoinResult)> done) override
  {
    calls.push_back({"join", request.roomId, request.userId, request.roomSessionId, request.actorId});
    RoomJoinResult result;
    if (request.roomId == "forbidden") {
      result.error = protocol::ProtocolError{"no_such_room", "The room does not exist.", nullptr};
    } else {
      result.properties = {{"name", "Room " + request.roomId}, {"type", 2}};
      auto it = permissions.find(request.roomSessionId);
      if (it != permissions.end()) {
        result.permissions = it->second;
      }
    }
    pending.push_back([done, result] { done(result); });
  }

  void leaveRoom(const BackendInfo&, const RoomJoinRequest& request) override
  {
    calls.push_back({"leave", request.roomId, request.userId, request.roomSessionId, {}});
  }

  void ping(const BackendInfo&, const std::string& roomId, std::vector<PingEntry> entries) override
  {
    for (const PingEntry& entry : entries) {
      calls.push_back({"ping", roomId, entry.userId, entry.sessionId, {}});
    }
  }

  void virtualSession(const BackendInfo&, const std::string& roomId, bool add, const std::string& sessionId,
    const std::string& userId, const Json&, std::function<void(std::optional<protocol::ProtocolError>)> done) override
  {
    calls.push_back({add ? "session-add" : "session-remove", roomId, userId, sessionId, {}});
    pending.push_back([done] { done(std::nullopt); });
  }

  // Answers every request made so far (Nextcloud responds).
  void answerAll()
  {
    while (!pending.empty()) {
      auto callback = std::move(pending.front());
      pending.pop_front();
      callback();
    }
  }

  size_t count(const std::string& kind) const
  {
    size_t n = 0;
    for (const Call& call : calls) {
      n += call.kind == kind ? 1 : 0;
    }
    return n;
  }

  std::vector<BackendInfo> backends{{"cloud", "https://cloud.example.com/", 0, 1000000, 2000000},
    {"other", "https://other.example.com/", 0, 0, 0}};
  bool helloV2{false};
  std::map<std::string, std::vector<std::string>> permissions; // by Talk room session id
  std::vector<Call> calls;
  std::deque<std::function<void()>> pending;
};

class RecordingLink final : public ClientLink
{
public:
  void send(std::string frame) override
  {
    auto parsed = protocol::MessageCodec::parse(frame);
    CPPUNIT_ASSERT_MESSAGE("server sent invalid JSON: " + frame, parsed.has_value());
    frames.push_back(*parsed);
  }
  void close(uint16_t code, const std::string&) override
  {
    closed = true;
    closeCode = code;
  }

  // Removes and returns the frames received so far.
  std::vector<Json> take()
  {
    std::vector<Json> out(frames.begin(), frames.end());
    frames.clear();
    return out;
  }
  // The first remaining frame matching type (and event type), removed; null if none.
  Json takeType(const std::string& type, const std::string& eventType = {})
  {
    for (auto it = frames.begin(); it != frames.end(); ++it) {
      if (it->value("type", "") == type && (eventType.empty() || (*it)["event"].value("type", "") == eventType)) {
        Json found = *it;
        frames.erase(it);
        return found;
      }
    }
    return nullptr;
  }

  std::deque<Json> frames;
  bool closed{false};
  uint16_t closeCode{0};
};

class HubFixture
{
public:
  static constexpr const char* InternalSecret = "the-shared-secret-for-internal-clients";

  HubFixture() : bus(loop)
  {
    HubConfig config;
    config.version = "test";
    config.internalSecret = InternalSecret;
    hub = std::make_unique<Hub>(config, gateway, bus, scheduler);
  }

  // Lets the LoopbackBus deliver everything queued.
  void pump()
  {
    for (int i = 0; i < 20; ++i) {
      loop.runOnce(false);
    }
  }

  struct Client
  {
    std::unique_ptr<RecordingLink> link = std::make_unique<RecordingLink>();
    uint64_t connection{0};
    std::string sessionId;
    std::string resumeId;
  };

  Client connect(const std::string& clientIp = {})
  {
    Client client;
    client.connection = hub->connect(client.link.get(), clientIp);
    Json welcome = client.link->takeType("welcome");
    CPPUNIT_ASSERT(!welcome.is_null());
    return client;
  }

  void send(Client& client, const Json& message) { hub->receive(client.connection, protocol::MessageCodec::encode(message)); }

  // hello 1.0 with the fake's "valid" ticket; asserts success.
  Client hello(const std::string& user, const std::vector<std::string>& features = {}, const std::string& url = "https://cloud.example.com/")
  {
    Client client = connect();
    send(client, {{"id", "h"}, {"type", "hello"}, {"hello", {{"version", "1.0"}, {"features", features},
      {"auth", {{"url", url}, {"params", {{"userid", user}, {"ticket", "valid"}}}}}}}});
    gateway.answerAll();
    Json reply = client.link->takeType("hello");
    CPPUNIT_ASSERT_MESSAGE("no hello reply", !reply.is_null());
    client.sessionId = reply["hello"]["sessionid"];
    client.resumeId = reply["hello"]["resumeid"];
    return client;
  }

  Client internalHello(const std::vector<std::string>& features = {})
  {
    Client client = connect();
    std::string random = "0123456789abcdef0123456789abcdef";
    auto mac = crypto::hmacSha256(crypto::bytes(std::string(InternalSecret)), crypto::bytes(random));
    send(client, {{"type", "hello"}, {"hello", {{"version", "1.0"}, {"features", features}, {"auth", {{"type", "internal"},
      {"params", {{"random", random}, {"token", crypto::hexEncode(mac)}, {"backend", "https://cloud.example.com/"}}}}}}}});
    Json reply = client.link->takeType("hello");
    CPPUNIT_ASSERT_MESSAGE("no internal hello reply", !reply.is_null());
    client.sessionId = reply["hello"]["sessionid"];
    client.resumeId = reply["hello"]["resumeid"];
    return client;
  }

  // Joins a room and answers the backend; returns the room reply.
  Json join(Client& client, const std::string& room, const std::string& roomSessionId)
  {
    send(client, {{"id", "j"}, {"type", "room"}, {"room", {{"roomid", room}, {"sessionid", roomSessionId}}}});
    gateway.answerAll();
    pump();
    return client.link->takeType("room");
  }

  void backend(const std::string& room, const std::string& body, const std::string& backendId = "cloud")
  {
    auto request = backend::parseBackendRoomBody(room, body);
    CPPUNIT_ASSERT_MESSAGE(body, std::holds_alternative<backend::BackendRoomPayload>(request));
    BackendInfo info = *gateway.lookupBackend(backendId == "cloud" ? "https://cloud.example.com/" : "https://other.example.com/");
    (void)backendId;
    hub->applyBackendRequest(info, room, std::get<backend::BackendRoomPayload>(request));
    pump();
  }

  ev::EventLoop loop;
  nats::LoopbackBus bus;
  ManualScheduler scheduler;
  FakeGateway gateway;
  std::unique_ptr<Hub> hub;
};

}
