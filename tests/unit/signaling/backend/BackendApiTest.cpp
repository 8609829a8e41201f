// Incoming Nextcloud requests: validation order and typed results (signaling-protocol.md §13).
#include "signaling/backend/BackendApi.hpp"

#include "../../turn/FakeClock.hpp"
#include "signaling/backend/Checksum.hpp"

#include <cppunit/extensions/HelperMacros.h>

using namespace talk;
using namespace talk::signaling::backend;
using talk::test::FakeClock;

namespace {

constexpr const char* Random = "afb6b872ab03e3376b31bf0af601067222ff7990335ca02d327071b73c0119c6";

Backend backend(std::string id, std::string url, std::string secret)
{
  Backend b;
  b.id = std::move(id);
  b.urls = {std::move(url)};
  b.secret = std::move(secret);
  return b;
}

std::shared_ptr<const BackendRegistry> registry(bool allowAll = false)
{
  BackendOptions options;
  options.allowAll = allowAll;
  options.allowAllSecret = "compat-secret";
  return std::make_shared<const BackendRegistry>(
      std::vector<Backend>{backend("one", "https://one.example.com/", "secret-one"),
                           backend("two", "https://two.example.com/nc/", "secret-two")},
      options);
}

http::Headers signedHeaders(const std::string& body, const std::string& secret, const std::string& backendUrl = "")
{
  http::Headers headers = {{"Content-Type", "application/json"},
                           {"Content-Length", std::to_string(body.size())},
                           {"Spreed-Signaling-Random", Random},
                           {"Spreed-Signaling-Checksum", backendChecksum(secret, Random, body)}};
  if (!backendUrl.empty()) {
    headers.push_back({"Spreed-Signaling-Backend", backendUrl});
  }
  return headers;
}

void setHeader(http::Headers& headers, const std::string& name, const std::string& value)
{
  for (auto& h : headers) {
    if (h.name == name) {
      h.value = value;
      return;
    }
  }
  headers.push_back({name, value});
}

void removeHeader(http::Headers& headers, const std::string& name)
{
  std::erase_if(headers, [&](const http::Header& h) { return h.name == name; });
}

}

class BackendApiTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(BackendApiTest);
  CPPUNIT_TEST(validationOrder);
  CPPUNIT_TEST(backendSelection);
  CPPUNIT_TEST(compatBackend);
  CPPUNIT_TEST(failuresAreThrottled);
  CPPUNIT_TEST(inviteDisinviteUpdateDelete);
  CPPUNIT_TEST(inCallForms);
  CPPUNIT_TEST(participantsAndMessage);
  CPPUNIT_TEST(switchToForms);
  CPPUNIT_TEST(dialoutValidation);
  CPPUNIT_TEST(rejectedTypesAndShapes);
  CPPUNIT_TEST(responses);
  CPPUNIT_TEST_SUITE_END();

  FakeClock d_clock;

  BackendApiResult call(BackendApi& api, const std::string& body, const http::Headers& headers,
                        const std::string& path = "/api/v1/room/abc123xy", const std::string& method = "POST")
  {
    return api.parse(method, path, headers, body, "192.0.2.10");
  }

  static HttpResponse response(const BackendApiResult& result)
  {
    CPPUNIT_ASSERT_MESSAGE("expected an error response", result.index() == 1);
    return std::get<1>(result);
  }

  static const BackendRoomRequest& request(const BackendApiResult& result)
  {
    if (result.index() != 0) {
      CPPUNIT_FAIL("expected a request, got HTTP " + std::to_string(std::get<1>(result).status) + " " + std::get<1>(result).body);
    }
    return std::get<0>(result);
  }

  BackendRoomRequest parseOk(const std::string& body, const std::string& room = "abc123xy")
  {
    Throttler throttler(d_clock);
    BackendApi api(registry(), throttler);
    return request(call(api, body, signedHeaders(body, "secret-one", "https://one.example.com/"), "/api/v1/room/" + room));
  }

  HttpResponse parseError(const std::string& body, const std::string& room = "abc123xy")
  {
    Throttler throttler(d_clock);
    BackendApi api(registry(), throttler);
    return response(call(api, body, signedHeaders(body, "secret-one", "https://one.example.com/"), "/api/v1/room/" + room));
  }

public:
  void validationOrder()
  {
    Throttler throttler(d_clock);
    BackendApi api(registry(), throttler);
    const std::string body = R"({"type":"message","message":{"data":{"type":"chat","chat":{"refresh":true}}}})";
    http::Headers good = signedHeaders(body, "secret-one", "https://one.example.com/");

    CPPUNIT_ASSERT_EQUAL(405, response(call(api, body, good, "/api/v1/room/abc123xy", "GET")).status);
    CPPUNIT_ASSERT_EQUAL(404, response(call(api, body, good, "/api/v1/room/")).status);
    CPPUNIT_ASSERT_EQUAL(404, response(call(api, body, good, "/api/v1/room/a/b")).status);
    CPPUNIT_ASSERT_EQUAL(404, response(call(api, body, good, "/api/v1/rooms/abc")).status);

    http::Headers h = good;
    removeHeader(h, "Content-Length");
    setHeader(h, "Content-Type", "text/plain"); // 411 comes before the content type
    CPPUNIT_ASSERT_EQUAL(411, response(call(api, body, h)).status);
    h = good;
    setHeader(h, "Content-Length", std::to_string(256 * 1024 + 1));
    CPPUNIT_ASSERT_EQUAL(413, response(call(api, body, h)).status);
    CPPUNIT_ASSERT_EQUAL(413, response(call(api, std::string(256 * 1024 + 1, ' '), good)).status);
    h = good;
    setHeader(h, "Content-Length", "12x");
    CPPUNIT_ASSERT_EQUAL(400, response(call(api, body, h)).status);
    h = good;
    setHeader(h, "Content-Type", "text/plain");
    removeHeader(h, "Spreed-Signaling-Random"); // 400 comes before 403
    CPPUNIT_ASSERT_EQUAL(400, response(call(api, body, h)).status);
    h = good;
    setHeader(h, "Content-Type", "application/json; charset=utf-8");
    CPPUNIT_ASSERT(call(api, body, h).index() == 0);

    h = good;
    removeHeader(h, "Spreed-Signaling-Random");
    CPPUNIT_ASSERT_EQUAL(403, response(call(api, body, h)).status);
    h = good;
    removeHeader(h, "Spreed-Signaling-Checksum");
    CPPUNIT_ASSERT_EQUAL(403, response(call(api, body, h)).status);
    h = good;
    setHeader(h, "Spreed-Signaling-Random", "short");
    setHeader(h, "Spreed-Signaling-Checksum", backendChecksum("secret-one", "short", body));
    CPPUNIT_ASSERT_EQUAL(403, response(call(api, body, h)).status);

    h = good;
    setHeader(h, "Spreed-Signaling-Checksum", backendChecksum("wrong", Random, body));
    HttpResponse denied = response(call(api, body, h));
    CPPUNIT_ASSERT_EQUAL(403, denied.status);
    CPPUNIT_ASSERT_EQUAL(std::string("Authentication check failed\n"), denied.body);
    CPPUNIT_ASSERT(denied.delayMs > 0);

    // Header names are case-insensitive.
    h = good;
    for (auto& header : h) {
      for (char& c : header.name) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
    }
    BackendRoomRequest ok = request(call(api, body, h));
    CPPUNIT_ASSERT_EQUAL(std::string("abc123xy"), ok.roomId);
    CPPUNIT_ASSERT_EQUAL(std::string("one"), ok.backend->id);
    CPPUNIT_ASSERT_EQUAL(std::string("message"), ok.type);
    CPPUNIT_ASSERT_EQUAL(std::string("message"), ok.raw["type"].get<std::string>());

    // Bad JSON is only judged after the checksum.
    std::string bad = "{not json";
    CPPUNIT_ASSERT_EQUAL(403, response(call(api, bad, signedHeaders(bad, "nope", "https://one.example.com/"))).status);
    CPPUNIT_ASSERT_EQUAL(400, response(call(api, bad, signedHeaders(bad, "secret-one", "https://one.example.com/"))).status);
  }

  void backendSelection()
  {
    Throttler throttler(d_clock);
    BackendApi api(registry(), throttler);
    const std::string body = R"({"type":"delete","delete":{"userids":["a"]}})";
    // Header naming the second backend (URL normalised: no trailing slash, upper case host).
    CPPUNIT_ASSERT_EQUAL(std::string("two"),
                         request(call(api, body, signedHeaders(body, "secret-two", "https://TWO.example.com/nc"))).backend->id);
    // Header naming a backend whose secret did not sign the body.
    CPPUNIT_ASSERT_EQUAL(403, response(call(api, body, signedHeaders(body, "secret-one", "https://two.example.com/nc/"))).status);
    // Unknown backend.
    CPPUNIT_ASSERT_EQUAL(403, response(call(api, body, signedHeaders(body, "secret-one", "https://three.example.com/"))).status);
    // No header: the backend whose secret validates.
    CPPUNIT_ASSERT_EQUAL(std::string("two"), request(call(api, body, signedHeaders(body, "secret-two"))).backend->id);
    CPPUNIT_ASSERT_EQUAL(std::string("one"), request(call(api, body, signedHeaders(body, "secret-one"))).backend->id);
    CPPUNIT_ASSERT_EQUAL(403, response(call(api, body, signedHeaders(body, "secret-three"))).status);

    // Reload: the new snapshot applies to the next request.
    api.setRegistry(std::make_shared<const BackendRegistry>(
        std::vector<Backend>{backend("one", "https://one.example.com/", "rotated")}, BackendOptions{}));
    CPPUNIT_ASSERT_EQUAL(403, response(call(api, body, signedHeaders(body, "secret-one"))).status);
    CPPUNIT_ASSERT_EQUAL(std::string("one"), request(call(api, body, signedHeaders(body, "rotated"))).backend->id);
  }

  void compatBackend()
  {
    Throttler throttler(d_clock);
    BackendApi api(registry(true), throttler);
    const std::string body = R"({"type":"delete","delete":{}})";
    CPPUNIT_ASSERT(request(call(api, body, signedHeaders(body, "compat-secret"))).backend->compat);
    // Without the header only the compat secret counts.
    CPPUNIT_ASSERT_EQUAL(403, response(call(api, body, signedHeaders(body, "secret-one"))).status);
    CPPUNIT_ASSERT_EQUAL(std::string("compat"),
                         request(call(api, body, signedHeaders(body, "compat-secret", "https://x.example.org/"))).backend->id);
  }

  void failuresAreThrottled()
  {
    Throttler throttler(d_clock);
    BackendApi api(registry(), throttler);
    const std::string body = R"({"type":"delete","delete":{}})";
    int64_t lastDelay = 0;
    for (int i = 0; i < 10; ++i) {
      HttpResponse r = response(call(api, body, signedHeaders(body, "wrong")));
      CPPUNIT_ASSERT_EQUAL(403, r.status);
      CPPUNIT_ASSERT(r.delayMs > lastDelay || r.delayMs == 25000);
      lastDelay = r.delayMs;
    }
    HttpResponse blocked = response(call(api, body, signedHeaders(body, "secret-one")));
    CPPUNIT_ASSERT_EQUAL(429, blocked.status);
    CPPUNIT_ASSERT_EQUAL(std::string("Too many requests\n"), blocked.body);
    // Another client is not affected.
    CPPUNIT_ASSERT(api.parse("POST", "/api/v1/room/x", signedHeaders(body, "secret-one"), body, "192.0.2.11").index() == 0);
    d_clock.advance(31 * 60);
    CPPUNIT_ASSERT(call(api, body, signedHeaders(body, "secret-one")).index() == 0);
  }

  void inviteDisinviteUpdateDelete()
  {
    auto invite = parseOk(R"({"type":"invite","invite":{"userids":["bob"],"alluserids":["alice","bob"],"properties":{"name":"Team","type":2}}})");
    const auto& i = std::get<InviteRequest>(invite.payload);
    CPPUNIT_ASSERT(i.userIds == std::vector<std::string>{"bob"});
    CPPUNIT_ASSERT((i.allUserIds == std::vector<std::string>{"alice", "bob"}));
    CPPUNIT_ASSERT_EQUAL(std::string("Team"), i.properties["name"].get<std::string>());

    auto dis = parseOk(R"({"type":"disinvite","disinvite":{"userids":["bob"],"sessionids":["sid1"],"alluserids":["alice"],"properties":{}}})");
    const auto& d = std::get<DisinviteRequest>(dis.payload);
    CPPUNIT_ASSERT(d.sessionIds == std::vector<std::string>{"sid1"});
    CPPUNIT_ASSERT(d.allUserIds == std::vector<std::string>{"alice"});

    auto update = parseOk(R"({"type":"update","update":{"userids":["alice","bob"],"properties":{"name":"New"}}})");
    CPPUNIT_ASSERT_EQUAL(size_t(2), std::get<UpdateRequest>(update.payload).userIds.size());

    auto del = parseOk(R"({"type":"delete","delete":{"userids":["alice","bob"]}})");
    CPPUNIT_ASSERT_EQUAL(size_t(2), std::get<DeleteRequest>(del.payload).userIds.size());
    // Missing lists are empty lists.
    auto bare = parseOk(R"({"type":"invite","invite":{}})");
    CPPUNIT_ASSERT(std::get<InviteRequest>(bare.payload).userIds.empty());
    CPPUNIT_ASSERT(std::get<InviteRequest>(bare.payload).properties.is_null());
  }

  void inCallForms()
  {
    auto normal = parseOk(R"({"type":"incall","incall":{"incall":7,"changed":[{"sessionId":"s1","inCall":7}],"users":[{"sessionId":"s1","inCall":7},{"sessionid":"s2","inCall":0}]}})");
    const auto& n = std::get<InCallRequest>(normal.payload);
    CPPUNIT_ASSERT_EQUAL(7, n.inCall);
    CPPUNIT_ASSERT(!n.all);
    CPPUNIT_ASSERT_EQUAL(size_t(1), n.changed.size());
    CPPUNIT_ASSERT_EQUAL(size_t(2), n.users.size());
    auto all = parseOk(R"({"type":"incall","incall":{"incall":0,"all":true}})");
    CPPUNIT_ASSERT(std::get<InCallRequest>(all.payload).all);
    CPPUNIT_ASSERT_EQUAL(0, std::get<InCallRequest>(all.payload).inCall);
    CPPUNIT_ASSERT(std::get<InCallRequest>(all.payload).changed.is_array());
    auto boolean = parseOk(R"({"type":"incall","incall":{"incall":true,"all":true}})");
    CPPUNIT_ASSERT_EQUAL(1, std::get<InCallRequest>(boolean.payload).inCall);
    CPPUNIT_ASSERT_EQUAL(400, parseError(R"({"type":"incall","incall":{"incall":"yes"}})").status);
    CPPUNIT_ASSERT_EQUAL(400, parseError(R"({"type":"incall","incall":{"incall":-1}})").status);
    CPPUNIT_ASSERT_EQUAL(400, parseError(R"({"type":"incall","incall":{"changed":[1]}})").status);
    CPPUNIT_ASSERT_EQUAL(400, parseError(R"({"type":"incall","incall":{"all":"true"}})").status);
  }

  void participantsAndMessage()
  {
    auto p = parseOk(R"({"type":"participants","participants":{"changed":[{"sessionId":"s1","permissions":["publish-media"]}],"users":[{"sessionId":"s1"}]}})");
    const auto& pr = std::get<ParticipantsRequest>(p.payload);
    CPPUNIT_ASSERT_EQUAL(std::string("publish-media"), pr.changed[0]["permissions"][0].get<std::string>());
    auto m = parseOk(R"({"type":"message","message":{"data":{"type":"chat","chat":{"refresh":true,"comment":{"id":5}}}}})");
    CPPUNIT_ASSERT_EQUAL(5, std::get<MessageRequest>(m.payload).data["chat"]["comment"]["id"].get<int>());
    CPPUNIT_ASSERT_EQUAL(400, parseError(R"({"type":"message","message":{}})").status);
    CPPUNIT_ASSERT_EQUAL(400, parseError(R"({"type":"message","message":{"data":"text"}})").status);
    CPPUNIT_ASSERT_EQUAL(400, parseError(R"({"type":"participants","participants":{"users":{}}})").status);
  }

  void switchToForms()
  {
    auto list = parseOk(R"({"type":"switchto","switchto":{"roomid":"breakout-1","sessions":["s1","s2"]}})");
    const auto& l = std::get<SwitchToRequest>(list.payload);
    CPPUNIT_ASSERT_EQUAL(std::string("breakout-1"), l.roomId);
    CPPUNIT_ASSERT_EQUAL(size_t(2), l.sessions.size());
    CPPUNIT_ASSERT(l.sessions[1].details.is_null());
    auto map = parseOk(R"({"type":"switchto","switchto":{"roomid":"breakout-1","sessions":{"s1":{"reason":"x"},"s2":null}}})");
    const auto& m = std::get<SwitchToRequest>(map.payload);
    CPPUNIT_ASSERT_EQUAL(size_t(2), m.sessions.size());
    for (const auto& target : m.sessions) {
      if (target.sessionId == "s1") {
        CPPUNIT_ASSERT_EQUAL(std::string("x"), target.details["reason"].get<std::string>());
      }
      else {
        CPPUNIT_ASSERT_EQUAL(std::string("s2"), target.sessionId);
        CPPUNIT_ASSERT(target.details.is_null());
      }
    }
    CPPUNIT_ASSERT_EQUAL(400, parseError(R"({"type":"switchto","switchto":{"sessions":["s1"]}})").status);
    CPPUNIT_ASSERT_EQUAL(400, parseError(R"({"type":"switchto","switchto":{"roomid":"r","sessions":[1]}})").status);
    CPPUNIT_ASSERT_EQUAL(400, parseError(R"({"type":"switchto","switchto":{"roomid":"r","sessions":{"s":5}}})").status);
  }

  void dialoutValidation()
  {
    auto ok = parseOk(R"({"type":"dialout","dialout":{"number":"+491701234567","options":{"attendeeId":17,"actorType":"phones","actorId":"p1","caller":"+4930123"}}})",
                      "12345");
    const auto& d = std::get<DialoutRequest>(ok.payload);
    CPPUNIT_ASSERT_EQUAL(std::string("+491701234567"), d.number);
    CPPUNIT_ASSERT_EQUAL(17, d.options["attendeeId"].get<int>());

    auto errorCode = [](const HttpResponse& r) {
      return nlohmann::json::parse(r.body)["dialout"]["error"]["code"].get<std::string>();
    };
    HttpResponse room = parseError(R"({"type":"dialout","dialout":{"number":"+491701234567"}})", "abc");
    CPPUNIT_ASSERT_EQUAL(400, room.status);
    CPPUNIT_ASSERT_EQUAL(std::string("application/json; charset=utf-8"), room.contentType);
    CPPUNIT_ASSERT_EQUAL(std::string("invalid_roomid"), errorCode(room));
    CPPUNIT_ASSERT_EQUAL(std::string("number_missing"), errorCode(parseError(R"({"type":"dialout","dialout":{}})", "1")));
    CPPUNIT_ASSERT_EQUAL(std::string("number_missing"), errorCode(parseError(R"({"type":"dialout","dialout":{"number":""}})", "1")));
    for (const char* bad : {"0049170", "+4", "+49 170", "+49a", "++49"}) {
      std::string body = std::string(R"({"type":"dialout","dialout":{"number":")") + bad + "\"}}";
      CPPUNIT_ASSERT_EQUAL_MESSAGE(bad, std::string("invalid_number"), errorCode(parseError(body, "1")));
    }
    CPPUNIT_ASSERT(std::holds_alternative<DialoutRequest>(
        parseOk(R"({"type":"dialout","dialout":{"number":"+49","options":null}})", "7").payload));
  }

  void rejectedTypesAndShapes()
  {
    HttpResponse transient = parseError(R"({"type":"transient","transient":{"action":"set","key":"k"}})");
    CPPUNIT_ASSERT_EQUAL(400, transient.status);
    CPPUNIT_ASSERT_EQUAL(std::string("Unsupported request type: transient\n"), transient.body);
    CPPUNIT_ASSERT_EQUAL(std::string("Unsupported request type: foo\n"), parseError(R"({"type":"foo"})").body);
    CPPUNIT_ASSERT_EQUAL(400, parseError(R"({"invite":{}})").status);
    CPPUNIT_ASSERT_EQUAL(400, parseError(R"([1,2,3])").status);
    CPPUNIT_ASSERT_EQUAL(400, parseError(R"({"type":"invite","invite":[]})").status);
    CPPUNIT_ASSERT_EQUAL(400, parseError(R"({"type":"invite"})").status);
    CPPUNIT_ASSERT_EQUAL(400, parseError(R"({"type":"invite","invite":{"userids":"bob"}})").status);
    CPPUNIT_ASSERT_EQUAL(400, parseError(R"({"type":"disinvite","disinvite":{"sessionids":[null]}})").status);
    CPPUNIT_ASSERT_EQUAL(400, parseError("{\"type\":\"invite\",\"invite\":{\"userids\":[\"\xff\"]}}").status);
  }

  void responses()
  {
    HttpResponse ok = BackendApi::okResponse();
    CPPUNIT_ASSERT_EQUAL(200, ok.status);
    CPPUNIT_ASSERT_EQUAL(std::string("{}"), ok.body);
    CPPUNIT_ASSERT_EQUAL(std::string("application/json; charset=utf-8"), ok.contentType);
    HttpResponse call = BackendApi::dialoutSuccess("c-99");
    CPPUNIT_ASSERT_EQUAL(std::string(R"({"dialout":{"callid":"c-99"},"type":"dialout"})"), call.body);
    HttpResponse bridge = BackendApi::dialoutError(502, "busy", "Line busy");
    CPPUNIT_ASSERT_EQUAL(502, bridge.status);
    CPPUNIT_ASSERT_EQUAL(std::string("busy"), nlohmann::json::parse(bridge.body)["dialout"]["error"]["code"].get<std::string>());
    CPPUNIT_ASSERT_EQUAL(500, BackendApi::processingError("boom").status);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(BackendApiTest);
