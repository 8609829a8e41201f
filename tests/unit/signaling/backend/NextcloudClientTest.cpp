// Outgoing requests to Nextcloud (signaling-protocol.md §12) against FakeNextcloud:
// NextcloudClient, CapabilitiesCache and HelloTokenAuthenticator.
#include "signaling/backend/HelloTokenAuthenticator.hpp"
#include "signaling/backend/NextcloudClient.hpp"
#include "signaling/backend/Ocs.hpp"

#include "../../turn/FakeClock.hpp"
#include "FakeNextcloud.hpp"
#include "TestKeys.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <map>
#include <optional>
#include <set>

using namespace talk;
using namespace talk::signaling::backend;
using talk::test::FakeClock;
using talk::test::FakeNextcloud;
using talk::test::runUntil;
using nlohmann::json;

namespace {

constexpr const char* Secret = "nextcloud-shared-secret";

template <typename T>
struct Slot
{
  std::optional<Result<T>> result;
  NextcloudClient::Callback<T> callback()
  {
    return [this](Result<T> r) { result.emplace(std::move(r)); };
  }
  bool done() const { return result.has_value(); }
  std::string code() const { return result->ok() ? std::string("ok") : result->error().code; }
};

// Everything one test needs: loop, clock, HTTP client, capabilities cache, client.
struct Rig
{
  FakeNextcloud nextcloud{Secret};
  FakeClock clock;
  ev::EventLoop loop;
  http::HttpClient http{loop, http::HttpClientOptions{}};
  CapabilitiesCache capabilities{http, clock};
  NextcloudClient client{http, capabilities, NextcloudClient::Options{"2.1.1", "chat-relay, dialout"}};
  std::shared_ptr<const Backend> backend = std::make_shared<const Backend>(Backend{"nc", {}, Secret, 0, 0, 0, false});

  template <typename T>
  void wait(Slot<T>& slot)
  {
    CPPUNIT_ASSERT(runUntil(loop, [&] { return slot.done(); }));
  }

  Result<std::shared_ptr<const Capabilities>> caps(bool* fromCache = nullptr)
  {
    std::optional<Result<std::shared_ptr<const Capabilities>>> out;
    capabilities.get(nextcloud.baseUrl(), [&](Result<std::shared_ptr<const Capabilities>> r, bool cached) {
      out.emplace(std::move(r));
      if (fromCache != nullptr) {
        *fromCache = cached;
      }
    });
    CPPUNIT_ASSERT(runUntil(loop, [&] { return out.has_value(); }));
    return *out;
  }
};

json authAnswer()
{
  return {{"type", "auth"}, {"auth", {{"version", "1.0"}, {"userid", "alice"}, {"user", {{"displayname", "Alice"}}}}}};
}

}

class NextcloudClientTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(NextcloudClientTest);
  CPPUNIT_TEST(authSendsSignedRequest);
  CPPUNIT_TEST(signalingV3Rewrite);
  CPPUNIT_TEST(authErrorMapping);
  CPPUNIT_TEST(transportErrors);
  CPPUNIT_TEST(joinAndLeave);
  CPPUNIT_TEST(pingPerRoom);
  CPPUNIT_TEST(pingBatchedByLimit);
  CPPUNIT_TEST(sessionRequest);
  CPPUNIT_TEST(ocsEnvelope);
  CPPUNIT_TEST(capabilitiesCaching);
  CPPUNIT_TEST(capabilitiesMaxAgeAndInvalidate);
  CPPUNIT_TEST(capabilitiesSharedAndFailuresNotCached);
  CPPUNIT_TEST(helloTokenVerified);
  CPPUNIT_TEST(helloTokenKeyRefetchedOnce);
  CPPUNIT_TEST(helloTokenErrors);
  CPPUNIT_TEST(federationNeedsFeature);
  CPPUNIT_TEST(destroyedClientDropsCallbacks);
  CPPUNIT_TEST(httpOptionsFromSettings);
  CPPUNIT_TEST_SUITE_END();

public:
  void authSendsSignedRequest()
  {
    Rig rig;
    rig.nextcloud.setResponder([](const json&) { return authAnswer(); });
    Slot<AuthResult> slot;
    json params = {{"userid", "alice"}, {"ticket", "t-123"}};
    rig.client.auth(rig.backend, rig.nextcloud.baseUrl(), params, slot.callback());
    rig.wait(slot);
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), slot.code());
    CPPUNIT_ASSERT_EQUAL(std::string("alice"), slot.result->value().userId);
    CPPUNIT_ASSERT_EQUAL(std::string("Alice"), slot.result->value().user["displayname"].get<std::string>());

    auto posts = rig.nextcloud.posts();
    CPPUNIT_ASSERT_EQUAL(size_t(1), posts.size());
    const auto& post = posts[0];
    CPPUNIT_ASSERT(post.checksumValid);
    CPPUNIT_ASSERT_EQUAL(std::string("/ocs/v2.php/apps/spreed/api/v1/signaling/backend"), post.http.target);
    CPPUNIT_ASSERT_EQUAL(NextcloudClient::authBody(params), post.body);
    CPPUNIT_ASSERT_EQUAL(std::string("1.0"), post.body["auth"]["version"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(std::string("t-123"), post.body["auth"]["params"]["ticket"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(std::string("application/json"), post.http.header("content-type"));
    CPPUNIT_ASSERT_EQUAL(std::string("application/json"), post.http.header("accept"));
    CPPUNIT_ASSERT_EQUAL(std::string("true"), post.http.header("ocs-apirequest"));
    CPPUNIT_ASSERT_EQUAL(std::string("nextcloud-spreed-signaling/2.1.1"), post.http.header("user-agent"));
    CPPUNIT_ASSERT_EQUAL(std::string("chat-relay, dialout"), post.http.header("x-spreed-signaling-features"));
    CPPUNIT_ASSERT_EQUAL(size_t(64), post.http.header("spreed-signaling-random").size());
    CPPUNIT_ASSERT_EQUAL(size_t(0), post.http.headers.count("spreed-signaling-backend"));
  }

  void signalingV3Rewrite()
  {
    Rig rig;
    rig.nextcloud.setCapabilities({{"features", {"signaling-v3", "federation-v2"}}});
    rig.nextcloud.setResponder([](const json&) { return authAnswer(); });
    Slot<AuthResult> slot;
    rig.client.auth(rig.backend, rig.nextcloud.baseUrl(), json::object(), slot.callback());
    rig.wait(slot);
    CPPUNIT_ASSERT_EQUAL(std::string("/ocs/v2.php/apps/spreed/api/v3/signaling/backend"), rig.nextcloud.posts().at(0).http.target);
    CPPUNIT_ASSERT_EQUAL(std::string("https://c.example/nc/ocs/v2.php/apps/spreed/api/v3/signaling/backend"),
                         NextcloudClient::backendUrl("https://c.example/nc", true));
  }

  void authErrorMapping()
  {
    Rig rig;
    auto authWith = [&](FakeNextcloud::Responder responder) {
      rig.nextcloud.setResponder(std::move(responder));
      Slot<AuthResult> slot;
      rig.client.auth(rig.backend, rig.nextcloud.baseUrl(), json::object(), slot.callback());
      rig.wait(slot);
      return *slot.result;
    };
    Result<AuthResult> forwarded = authWith([](const json&) {
      return json{{"type", "error"}, {"error", {{"code", "invalid_ticket"}, {"message", "The ticket is invalid."}}}};
    });
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_ticket"), forwarded.error().code);
    CPPUNIT_ASSERT_EQUAL(std::string("The ticket is invalid."), forwarded.error().message);
    CPPUNIT_ASSERT_EQUAL(std::string("auth_failed"), authWith([](const json&) { return json{{"type", "room"}}; }).error().code);
    CPPUNIT_ASSERT_EQUAL(std::string("auth_failed"), authWith([](const json&) { return json::array(); }).error().code);

    rig.nextcloud.setRawAnswer(200, "application/json", FakeNextcloud::envelope(json::object(), 429).dump());
    Slot<AuthResult> throttled;
    rig.client.auth(rig.backend, rig.nextcloud.baseUrl(), json::object(), throttled.callback());
    rig.wait(throttled);
    CPPUNIT_ASSERT_EQUAL(std::string("too_many_requests"), throttled.code());

    rig.nextcloud.setRawAnswer(429, "text/html", "<html>slow down</html>");
    Slot<AuthResult> http429;
    rig.client.auth(rig.backend, rig.nextcloud.baseUrl(), json::object(), http429.callback());
    rig.wait(http429);
    CPPUNIT_ASSERT_EQUAL(std::string("too_many_requests"), http429.code());

    rig.nextcloud.setRawAnswer(200, "text/html", "<html>login page</html>");
    Slot<AuthResult> html;
    rig.client.auth(rig.backend, rig.nextcloud.baseUrl(), json::object(), html.callback());
    rig.wait(html);
    CPPUNIT_ASSERT_EQUAL(std::string("internal_error"), html.code());
    CPPUNIT_ASSERT(html.result->error().message.find("unsupported_content_type") != std::string::npos);

    rig.nextcloud.setRawAnswer(200, "application/json", R"({"ocs":{"meta":{"statuscode":200}}})");
    Slot<AuthResult> incomplete;
    rig.client.auth(rig.backend, rig.nextcloud.baseUrl(), json::object(), incomplete.callback());
    rig.wait(incomplete);
    CPPUNIT_ASSERT_EQUAL(std::string("internal_error"), incomplete.code());
    CPPUNIT_ASSERT(incomplete.result->error().message.find("incomplete OCS response") != std::string::npos);
  }

  void transportErrors()
  {
    Rig rig;
    std::string deadUrl;
    {
      talk::test::TestHttpServer gone([](const talk::test::ServerRequest&) { return talk::test::ServerResponse{}; });
      deadUrl = gone.url("/");
    }
    Slot<AuthResult> slot;
    rig.client.auth(rig.backend, deadUrl, json::object(), slot.callback());
    rig.wait(slot);
    CPPUNIT_ASSERT_EQUAL(std::string("internal_error"), slot.code());
    CPPUNIT_ASSERT(slot.result->error().message.find("connect") != std::string::npos);

    // A backend with another secret: Nextcloud refuses the checksum with its own error.
    auto wrong = std::make_shared<const Backend>(Backend{"nc", {}, "not-the-secret", 0, 0, 0, false});
    Slot<AuthResult> refused;
    rig.client.auth(wrong, rig.nextcloud.baseUrl(), json::object(), refused.callback());
    rig.wait(refused);
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_request"), refused.code());
    CPPUNIT_ASSERT(!rig.nextcloud.posts().back().checksumValid);
  }

  void joinAndLeave()
  {
    Rig rig;
    rig.nextcloud.setResponder([](const json& request) {
      if (request["room"].contains("action")) {
        return json{{"type", "room"}, {"room", {{"version", "1.0"}, {"roomid", request["room"]["roomid"]}}}};
      }
      return json{{"type", "room"},
                  {"room",
                   {{"version", "1.0"},
                    {"roomid", "abc123xy"},
                    {"properties", {{"name", "Team"}, {"type", 2}}},
                    {"permissions", {"publish-media", "control"}},
                    {"session", {{"userid", "guest-7"}}}}}};
    });
    Slot<RoomJoinResult> join;
    rig.client.joinRoom(rig.backend, rig.nextcloud.baseUrl(), RoomJoin{"abc123xy", "", "talk-sid", "", "", std::nullopt},
                        join.callback());
    rig.wait(join);
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), join.code());
    const RoomJoinResult& r = join.result->value();
    CPPUNIT_ASSERT_EQUAL(std::string("abc123xy"), r.roomId);
    CPPUNIT_ASSERT_EQUAL(std::string("Team"), r.properties["name"].get<std::string>());
    CPPUNIT_ASSERT((r.permissions == std::vector<std::string>{"publish-media", "control"}));
    CPPUNIT_ASSERT_EQUAL(std::string("guest-7"), *r.sessionUserId);
    json sent = rig.nextcloud.posts().at(0).body;
    CPPUNIT_ASSERT_EQUAL(json({{"type", "room"},
                               {"room", {{"version", "1.0"}, {"roomid", "abc123xy"}, {"userid", ""}, {"sessionid", "talk-sid"}}}}),
                         sent);

    Slot<Done> leave;
    rig.client.leaveRoom(rig.backend, rig.nextcloud.baseUrl(), RoomJoin{"abc123xy", "bob", "virt-pub", "p1", "phones", 9},
                         leave.callback());
    rig.wait(leave);
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), leave.code());
    sent = rig.nextcloud.posts().at(1).body["room"];
    CPPUNIT_ASSERT_EQUAL(std::string("leave"), sent["action"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(std::string("p1"), sent["actorid"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(std::string("phones"), sent["actortype"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(9, sent["incall"].get<int>());

    rig.nextcloud.setResponder([](const json&) { return json{{"type", "auth"}}; });
    Slot<RoomJoinResult> odd;
    rig.client.joinRoom(rig.backend, rig.nextcloud.baseUrl(), RoomJoin{"r", "", "s", "", "", std::nullopt}, odd.callback());
    rig.wait(odd);
    CPPUNIT_ASSERT_EQUAL(std::string("room_join_failed"), odd.code());
    rig.nextcloud.setResponder([](const json&) {
      return json{{"type", "error"}, {"error", {{"code", "no_such_room"}, {"message", "The room does not exist."}}}};
    });
    Slot<RoomJoinResult> missing;
    rig.client.joinRoom(rig.backend, rig.nextcloud.baseUrl(), RoomJoin{"r", "", "s", "", "", std::nullopt}, missing.callback());
    rig.wait(missing);
    CPPUNIT_ASSERT_EQUAL(std::string("no_such_room"), missing.code());
  }

  void pingPerRoom()
  {
    Rig rig;
    rig.nextcloud.setResponder([](const json& r) { return json{{"type", "ping"}, {"ping", {{"version", "1.0"}, {"roomid", r["ping"]["roomid"]}}}}; });
    Slot<Done> slot;
    rig.client.ping(rig.backend, rig.nextcloud.baseUrl(),
                    {RoomPing{"room-a", {{"alice", "sid-a1"}, {"", "virt-pub"}}}, RoomPing{"room-b", {{"bob", "sid-b1"}}},
                     RoomPing{"room-empty", {}}},
                    slot.callback());
    rig.wait(slot);
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), slot.code());
    auto posts = rig.nextcloud.posts();
    CPPUNIT_ASSERT_EQUAL(size_t(2), posts.size());
    std::map<std::string, json> byRoom;
    for (const auto& post : posts) {
      CPPUNIT_ASSERT(post.checksumValid);
      byRoom[post.body["ping"]["roomid"].get<std::string>()] = post.body["ping"];
    }
    CPPUNIT_ASSERT_EQUAL(json::parse(R"([{"userid":"alice","sessionid":"sid-a1"},{"sessionid":"virt-pub"}])"), byRoom["room-a"]["entries"]);
    CPPUNIT_ASSERT_EQUAL(std::string("1.0"), byRoom["room-b"]["version"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(size_t(1), byRoom["room-b"]["entries"].size());

    Slot<Done> none;
    rig.client.ping(rig.backend, rig.nextcloud.baseUrl(), {RoomPing{"room", {}}}, none.callback());
    CPPUNIT_ASSERT(none.done());
  }

  void pingBatchedByLimit()
  {
    Rig rig;
    rig.nextcloud.setCapabilities({{"features", json::array()}, {"config", {{"signaling", {{"session-ping-limit", 2}}}}}});
    rig.nextcloud.setResponder([](const json&) { return json{{"type", "ping"}, {"ping", {{"version", "1.0"}}}}; });
    Slot<Done> slot;
    rig.client.ping(rig.backend, rig.nextcloud.baseUrl(),
                    {RoomPing{"room-a", {{"a", "1"}, {"b", "2"}, {"c", "3"}}}, RoomPing{"room-b", {{"d", "4"}, {"e", "5"}}}},
                    slot.callback());
    rig.wait(slot);
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), slot.code());
    auto posts = rig.nextcloud.posts();
    CPPUNIT_ASSERT_EQUAL(size_t(3), posts.size());
    std::set<std::string> sessions;
    for (const auto& post : posts) {
      CPPUNIT_ASSERT_EQUAL(std::string(""), post.body["ping"]["roomid"].get<std::string>());
      CPPUNIT_ASSERT(post.body["ping"]["entries"].size() <= 2);
      for (const auto& entry : post.body["ping"]["entries"]) {
        sessions.insert(entry["sessionid"].get<std::string>());
      }
    }
    CPPUNIT_ASSERT_EQUAL(size_t(5), sessions.size());

    // One failing batch fails the whole ping.
    rig.nextcloud.setResponder([](const json&) { return json{{"type", "error"}, {"error", {{"code", "x"}, {"message", "y"}}}}; });
    Slot<Done> failed;
    rig.client.ping(rig.backend, rig.nextcloud.baseUrl(), {RoomPing{"r", {{"a", "1"}, {"b", "2"}, {"c", "3"}}}}, failed.callback());
    rig.wait(failed);
    CPPUNIT_ASSERT_EQUAL(std::string("x"), failed.code());
  }

  void sessionRequest()
  {
    Rig rig;
    rig.nextcloud.setResponder([](const json&) { return json{{"type", "session"}, {"session", {{"version", "1.0"}, {"roomid", "r"}}}}; });
    Slot<Done> slot;
    rig.client.session(rig.backend, rig.nextcloud.baseUrl(),
                       SessionChange{"abc123xy", true, "virt-pub", "", json{{"displayname", "+49 30 1234"}}}, slot.callback());
    rig.wait(slot);
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), slot.code());
    CPPUNIT_ASSERT_EQUAL(json::parse(R"({"type":"session","session":{"version":"1.0","roomid":"abc123xy","action":"add",
                                        "sessionid":"virt-pub","userid":"","user":{"displayname":"+49 30 1234"}}})"),
                         rig.nextcloud.posts().at(0).body);
    CPPUNIT_ASSERT_EQUAL(std::string("remove"),
                         NextcloudClient::sessionBody(SessionChange{"r", false, "s", "", nullptr})["session"]["action"].get<std::string>());
    CPPUNIT_ASSERT(!NextcloudClient::sessionBody(SessionChange{"r", false, "s", "", nullptr})["session"].contains("user"));
  }

  void ocsEnvelope()
  {
    CPPUNIT_ASSERT(parseOcsResponse(200, "application/json; charset=utf-8", R"({"ocs":{"data":{"a":1}}})").ok());
    CPPUNIT_ASSERT_EQUAL(std::string("internal_error"), parseOcsResponse(200, "application/json", "{").error().code);
    CPPUNIT_ASSERT_EQUAL(std::string("internal_error"), parseOcsResponse(200, "application/json", "[]").error().code);
    CPPUNIT_ASSERT_EQUAL(std::string("internal_error"), parseOcsResponse(200, "application/json", R"({"ocs":5})").error().code);
    CPPUNIT_ASSERT_EQUAL(std::string("internal_error"), parseOcsResponse(200, "application/json", R"({"ocs":{"data":null}})").error().code);
    CPPUNIT_ASSERT_EQUAL(std::string("internal_error"), parseOcsResponse(200, "", R"({"ocs":{"data":{}}})").error().code);
    CPPUNIT_ASSERT_EQUAL(std::string("too_many_requests"),
                         parseOcsResponse(200, "application/json", R"({"ocs":{"meta":{"statuscode":429},"data":{}}})").error().code);
  }

  void capabilitiesCaching()
  {
    Rig rig;
    rig.nextcloud.setCapabilities({{"features", {"signaling-v3"}}, {"config", {{"signaling", {{"hello-v2-token-key", "x"}}}}}});
    bool cached = true;
    auto first = rig.caps(&cached);
    CPPUNIT_ASSERT(first.ok());
    CPPUNIT_ASSERT(!cached);
    CPPUNIT_ASSERT(first.value()->hasFeature("signaling-v3"));
    CPPUNIT_ASSERT_EQUAL(std::string("x"), first.value()->helloV2TokenKey);
    CPPUNIT_ASSERT(!first.value()->helloV2Key); // "x" is no key
    CPPUNIT_ASSERT_EQUAL(1, rig.nextcloud.capabilityRequests());

    auto second = rig.caps(&cached);
    CPPUNIT_ASSERT(cached);
    CPPUNIT_ASSERT(second.value() == first.value());
    CPPUNIT_ASSERT_EQUAL(1, rig.nextcloud.capabilityRequests());

    // After the minimum TTL: a conditional GET, answered 304, keeps the data.
    rig.clock.advance(61);
    auto third = rig.caps(&cached);
    CPPUNIT_ASSERT(!cached);
    CPPUNIT_ASSERT(third.value() == first.value());
    CPPUNIT_ASSERT_EQUAL(2, rig.nextcloud.capabilityRequests());
    CPPUNIT_ASSERT_EQUAL(1, rig.nextcloud.notModifiedAnswers());
    CPPUNIT_ASSERT_EQUAL(std::string("\"v1\""), rig.nextcloud.server().requests().back().header("if-none-match"));

    // New ETag: the new data replaces the old.
    rig.nextcloud.setCapabilities({{"features", {"federation-v2"}}}, "\"v2\"");
    rig.clock.advance(61);
    auto fourth = rig.caps(&cached);
    CPPUNIT_ASSERT(fourth.value()->hasFeature("federation-v2"));
    CPPUNIT_ASSERT(!fourth.value()->hasFeature("signaling-v3"));
    CPPUNIT_ASSERT_EQUAL(1, rig.nextcloud.notModifiedAnswers());
  }

  void capabilitiesMaxAgeAndInvalidate()
  {
    Rig rig;
    rig.nextcloud.setCapabilities({{"features", {"signaling-v3"}}}, "\"e\"", "max-age=300");
    rig.caps();
    rig.clock.advance(200);
    bool cached = false;
    rig.caps(&cached);
    CPPUNIT_ASSERT(cached);
    CPPUNIT_ASSERT_EQUAL(1, rig.nextcloud.capabilityRequests());
    // A max-age below the minimum does not shorten the cache time.
    CPPUNIT_ASSERT(rig.capabilities.invalidate(rig.nextcloud.baseUrl()));
    CPPUNIT_ASSERT(!rig.capabilities.invalidate(rig.nextcloud.baseUrl())); // once per minute
    rig.nextcloud.setCapabilities({{"features", json::array()}}, "\"e2\"", "max-age=5");
    rig.caps(&cached);
    CPPUNIT_ASSERT(!cached);
    CPPUNIT_ASSERT_EQUAL(2, rig.nextcloud.capabilityRequests());
    CPPUNIT_ASSERT_EQUAL(0, rig.nextcloud.notModifiedAnswers()); // invalidated: no If-None-Match
    rig.clock.advance(30);
    rig.caps(&cached);
    CPPUNIT_ASSERT(cached);
    rig.clock.advance(31);
    CPPUNIT_ASSERT(rig.capabilities.invalidate(rig.nextcloud.baseUrl()));
    CPPUNIT_ASSERT(!rig.capabilities.invalidate("https://never.example/"));
  }

  void capabilitiesSharedAndFailuresNotCached()
  {
    Rig rig;
    rig.nextcloud.setCapabilities({{"features", json::array()}});
    int answers = 0;
    for (int i = 0; i < 3; ++i) {
      rig.capabilities.get(rig.nextcloud.baseUrl(), [&](Result<std::shared_ptr<const Capabilities>> r, bool) {
        CPPUNIT_ASSERT(r.ok());
        ++answers;
      });
    }
    CPPUNIT_ASSERT(runUntil(rig.loop, [&] { return answers == 3; }));
    CPPUNIT_ASSERT_EQUAL(1, rig.nextcloud.capabilityRequests());

    std::string deadUrl;
    {
      talk::test::TestHttpServer gone([](const talk::test::ServerRequest&) { return talk::test::ServerResponse{}; });
      deadUrl = gone.url("/");
    }
    for (int round = 0; round < 2; ++round) {
      std::optional<std::string> code;
      rig.capabilities.get(deadUrl, [&](Result<std::shared_ptr<const Capabilities>> r, bool) {
        code = r.ok() ? "ok" : r.error().code;
      });
      CPPUNIT_ASSERT(runUntil(rig.loop, [&] { return code.has_value(); }));
      CPPUNIT_ASSERT_EQUAL(std::string("internal_error"), *code);
    }
    // A Nextcloud without Talk: empty capabilities, not an error.
    Capabilities none = Capabilities::fromOcsData(json::parse(R"({"capabilities":{"core":{}}})"));
    CPPUNIT_ASSERT(none.features.empty());
    CPPUNIT_ASSERT_EQUAL(int64_t(0), none.sessionPingLimit);
    CPPUNIT_ASSERT(Capabilities::fromOcsData(json::array()).features.empty());
  }

  void helloTokenVerified()
  {
    Rig rig;
    const auto& key = talk::test::testKey("P-256");
    rig.nextcloud.setCapabilities({{"features", {"federation-v2"}}, {"config", {{"signaling", {{"hello-v2-token-key", key.publicPem()}}}}}});
    HelloTokenAuthenticator auth(rig.capabilities, rig.clock);
    std::optional<Result<TokenClaims>> out;
    json claims = {{"iss", rig.nextcloud.baseUrl()}, {"sub", "alice"}, {"iat", rig.clock.unixSeconds()},
                   {"exp", rig.clock.unixSeconds() + 60}, {"userdata", {{"displayname", "Alice"}}}};
    auth.verify(rig.nextcloud.baseUrl(), key.sign("ES256", claims), HelloTokenAuthenticator::Kind::Client,
                [&](Result<TokenClaims> r) { out.emplace(std::move(r)); });
    CPPUNIT_ASSERT(runUntil(rig.loop, [&] { return out.has_value(); }));
    CPPUNIT_ASSERT(out->ok());
    CPPUNIT_ASSERT_EQUAL(std::string("alice"), out->value().subject);

    // Federation with the feature present works the same way.
    out.reset();
    auth.verify(rig.nextcloud.baseUrl(), key.sign("ES256", claims), HelloTokenAuthenticator::Kind::Federation,
                [&](Result<TokenClaims> r) { out.emplace(std::move(r)); });
    CPPUNIT_ASSERT(runUntil(rig.loop, [&] { return out.has_value(); }));
    CPPUNIT_ASSERT(out->ok());
    CPPUNIT_ASSERT_EQUAL(1, rig.nextcloud.capabilityRequests());
  }

  void helloTokenKeyRefetchedOnce()
  {
    Rig rig;
    const auto& key = talk::test::testKey("ED25519");
    rig.nextcloud.setCapabilities({{"features", json::array()}}); // no key yet
    rig.caps();                                                   // cached without key
    rig.nextcloud.setCapabilities({{"config", {{"signaling", {{"hello-v2-token-key", key.rawPublicBase64()}}}}}}, "\"k\"");
    HelloTokenAuthenticator auth(rig.capabilities, rig.clock);
    json claims = {{"sub", "bob"}, {"iat", rig.clock.unixSeconds()}, {"exp", rig.clock.unixSeconds() + 60}};
    std::optional<Result<TokenClaims>> out;
    auth.verify(rig.nextcloud.baseUrl(), key.sign("EdDSA", claims), HelloTokenAuthenticator::Kind::Client,
                [&](Result<TokenClaims> r) { out.emplace(std::move(r)); });
    CPPUNIT_ASSERT(runUntil(rig.loop, [&] { return out.has_value(); }));
    CPPUNIT_ASSERT_EQUAL(std::string("bob"), out->ok() ? out->value().subject : out->error().code);
    CPPUNIT_ASSERT_EQUAL(2, rig.nextcloud.capabilityRequests());
  }

  void helloTokenErrors()
  {
    Rig rig;
    const auto& key = talk::test::testKey("RSA");
    rig.nextcloud.setCapabilities({{"features", json::array()}});
    HelloTokenAuthenticator auth(rig.capabilities, rig.clock);
    auto verify = [&](const std::string& token) {
      std::optional<Result<TokenClaims>> out;
      auth.verify(rig.nextcloud.baseUrl(), token, HelloTokenAuthenticator::Kind::Client,
                  [&](Result<TokenClaims> r) { out.emplace(std::move(r)); });
      CPPUNIT_ASSERT(runUntil(rig.loop, [&] { return out.has_value(); }));
      return out->ok() ? std::string("ok") : out->error().code;
    };
    json claims = {{"sub", "a"}, {"iat", rig.clock.unixSeconds()}, {"exp", rig.clock.unixSeconds() + 60}};
    // No key published: invalid_token (fresh capabilities, so no refetch).
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_token"), verify(key.sign("RS256", claims)));
    rig.nextcloud.setCapabilities({{"config", {{"signaling", {{"hello-v2-token-key", key.publicPem()}}}}}}, "\"rsa\"");
    rig.clock.advance(61);
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), verify(key.sign("RS256", claims)));
    rig.clock.advance(60); // now exp + leeway has passed
    CPPUNIT_ASSERT_EQUAL(std::string("token_expired"), verify(key.sign("RS256", claims)));
    json fresh = {{"sub", "a"}, {"iat", rig.clock.unixSeconds()}, {"exp", rig.clock.unixSeconds() + 60}};
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), verify(key.sign("RS512", fresh)));
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_token"), verify(talk::test::testKey("P-256").sign("ES256", fresh)));
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_token"), verify("garbage"));
  }

  void federationNeedsFeature()
  {
    Rig rig;
    const auto& key = talk::test::testKey("P-384");
    rig.nextcloud.setCapabilities({{"config", {{"signaling", {{"hello-v2-token-key", key.publicPem()}}}}}});
    HelloTokenAuthenticator auth(rig.capabilities, rig.clock);
    json claims = {{"sub", "a"}, {"iat", rig.clock.unixSeconds()}, {"exp", rig.clock.unixSeconds() + 60}};
    std::optional<Result<TokenClaims>> out;
    auth.verify(rig.nextcloud.baseUrl(), key.sign("ES384", claims), HelloTokenAuthenticator::Kind::Federation,
                [&](Result<TokenClaims> r) { out.emplace(std::move(r)); });
    CPPUNIT_ASSERT(runUntil(rig.loop, [&] { return out.has_value(); }));
    CPPUNIT_ASSERT_EQUAL(std::string("federation_unsupported"), out->ok() ? std::string("ok") : out->error().code);
  }

  void destroyedClientDropsCallbacks()
  {
    Rig rig;
    rig.nextcloud.setResponder([](const json&) { return authAnswer(); });
    rig.caps(); // cached, so the POST itself is in flight when the client goes away
    bool called = false;
    {
      NextcloudClient shortLived(rig.http, rig.capabilities, NextcloudClient::Options{});
      shortLived.auth(rig.backend, rig.nextcloud.baseUrl(), json::object(), [&](Result<AuthResult>) { called = true; });
    }
    // Let the request run to its end: its answer must not reach the destroyed client.
    CPPUNIT_ASSERT(runUntil(rig.loop, [&] { return !rig.nextcloud.posts().empty() && rig.http.pending() == 0; }));
    CPPUNIT_ASSERT(!called);
  }

  void httpOptionsFromSettings()
  {
    BackendOptions backend;
    backend.timeout = 7;
    backend.connectionsPerHost = 3;
    backend.skipVerify = true;
    http::HttpClientOptions options = NextcloudClient::httpOptions(backend, "2.1.1");
    CPPUNIT_ASSERT_EQUAL(7.0, options.timeout);
    CPPUNIT_ASSERT_EQUAL(3L, options.maxConnectionsPerHost);
    CPPUNIT_ASSERT(!options.verifyTls);
    CPPUNIT_ASSERT_EQUAL(std::string("nextcloud-spreed-signaling/2.1.1"), options.userAgent);
    CPPUNIT_ASSERT(NextcloudClient::httpOptions(BackendOptions{}, "x").verifyTls);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(NextcloudClientTest);
