// http::HttpClient against a real local HTTP server (TestHttpServer).
#include "common/http/HttpClient.hpp"

#include "../../common/TempDir.hpp"
#include "TestHttpServer.hpp"
#include "TestTls.hpp"

#include <csignal>

#include <cppunit/extensions/HelperMacros.h>

#include <optional>

using namespace talk;
using talk::test::runUntil;
using talk::test::ServerRequest;
using talk::test::ServerResponse;
using talk::test::TestHttpServer;

namespace {

struct Outcome
{
  std::optional<http::HttpResponse> response;
  bool done() const { return response.has_value(); }
};

http::HttpClient::Callback into(Outcome& outcome)
{
  return [&outcome](http::HttpResponse&& response) { outcome.response = std::move(response); };
}

}

class HttpClientTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(HttpClientTest);
  CPPUNIT_TEST(postSendsHeadersAndBody);
  CPPUNIT_TEST(getReturnsStatusHeadersBody);
  CPPUNIT_TEST(keepAliveReusesConnection);
  CPPUNIT_TEST(perHostConnectionLimit);
  CPPUNIT_TEST(totalTimeout);
  CPPUNIT_TEST(responseSizeLimit);
  CPPUNIT_TEST(redirect307RepeatsPost);
  CPPUNIT_TEST(redirect303BecomesGet);
  CPPUNIT_TEST(crossOriginRedirectRefused);
  CPPUNIT_TEST(tooManyRedirects);
  CPPUNIT_TEST(connectionRefused);
  CPPUNIT_TEST(droppedConnectionIsProtocolError);
  CPPUNIT_TEST(badSchemeFailsAsynchronously);
  CPPUNIT_TEST(cancelSuppressesCallback);
  CPPUNIT_TEST(tlsVerificationFailsAgainstPlainServer);
  CPPUNIT_TEST(destroyWithPendingRequests);
  CPPUNIT_TEST(tlsVerifiedByDefault);
  CPPUNIT_TEST(tlsWithCaFile);
  CPPUNIT_TEST(tlsSkipVerify);
  CPPUNIT_TEST_SUITE_END();

public:
  void postSendsHeadersAndBody()
  {
    TestHttpServer server([](const ServerRequest&) {
      return ServerResponse{200, {{"Content-Type", "application/json"}}, "{\"ok\":true}"};
    });
    ev::EventLoop loop;
    http::HttpClient client(loop, http::HttpClientOptions{});
    Outcome outcome;
    http::HttpRequest request;
    request.method = http::Method::Post;
    request.url = server.url("/ocs/v2.php/x");
    request.headers = {{"Content-Type", "application/json"}, {"OCS-APIRequest", "true"}, {"User-Agent", "ua/1"}};
    request.body = "{\"type\":\"auth\"}";
    client.request(request, into(outcome));
    CPPUNIT_ASSERT_EQUAL(size_t(1), client.pending());
    CPPUNIT_ASSERT(!outcome.done()); // never synchronous
    CPPUNIT_ASSERT(runUntil(loop, [&] { return outcome.done(); }));
    CPPUNIT_ASSERT(outcome.response->ok());
    CPPUNIT_ASSERT_EQUAL(200L, outcome.response->status);
    CPPUNIT_ASSERT_EQUAL(std::string("{\"ok\":true}"), outcome.response->body);
    CPPUNIT_ASSERT_EQUAL(size_t(0), client.pending());

    auto requests = server.requests();
    CPPUNIT_ASSERT_EQUAL(size_t(1), requests.size());
    CPPUNIT_ASSERT_EQUAL(std::string("POST"), requests[0].method);
    CPPUNIT_ASSERT_EQUAL(std::string("/ocs/v2.php/x"), requests[0].target);
    CPPUNIT_ASSERT_EQUAL(std::string("{\"type\":\"auth\"}"), requests[0].body);
    CPPUNIT_ASSERT_EQUAL(std::string("application/json"), requests[0].header("content-type"));
    CPPUNIT_ASSERT_EQUAL(std::string("true"), requests[0].header("ocs-apirequest"));
    CPPUNIT_ASSERT_EQUAL(std::string("ua/1"), requests[0].header("user-agent"));
    CPPUNIT_ASSERT_EQUAL(size_t(0), requests[0].headers.count("expect"));
  }

  void getReturnsStatusHeadersBody()
  {
    TestHttpServer server([](const ServerRequest&) {
      return ServerResponse{404, {{"ETag", "\"abc\""}, {"X-Thing", "  spaced  "}}, "missing"};
    });
    ev::EventLoop loop;
    http::HttpClientOptions options;
    options.userAgent = "talk-test/1";
    http::HttpClient client(loop, options);
    Outcome outcome;
    client.request(http::HttpRequest{http::Method::Get, server.url("/a?b=c"), {}, "", 0}, into(outcome));
    CPPUNIT_ASSERT(runUntil(loop, [&] { return outcome.done(); }));
    CPPUNIT_ASSERT(outcome.response->ok()); // an HTTP error status is still a response
    CPPUNIT_ASSERT_EQUAL(404L, outcome.response->status);
    CPPUNIT_ASSERT_EQUAL(std::string("missing"), outcome.response->body);
    CPPUNIT_ASSERT(outcome.response->header("ETAG") != nullptr);
    CPPUNIT_ASSERT_EQUAL(std::string("\"abc\""), *outcome.response->header("etag"));
    CPPUNIT_ASSERT_EQUAL(std::string("spaced"), *outcome.response->header("x-thing"));
    CPPUNIT_ASSERT_EQUAL(std::string("GET"), server.requests().at(0).method);
    CPPUNIT_ASSERT_EQUAL(std::string("/a?b=c"), server.requests().at(0).target);
    CPPUNIT_ASSERT_EQUAL(std::string("talk-test/1"), server.requests().at(0).header("user-agent"));
  }

  void keepAliveReusesConnection()
  {
    TestHttpServer server([](const ServerRequest&) { return ServerResponse{200, {}, "x"}; });
    ev::EventLoop loop;
    http::HttpClient client(loop, http::HttpClientOptions{});
    for (int i = 0; i < 3; ++i) {
      Outcome outcome;
      client.request(http::HttpRequest{http::Method::Post, server.url("/p"), {}, "body", 0}, into(outcome));
      CPPUNIT_ASSERT(runUntil(loop, [&] { return outcome.done(); }));
      CPPUNIT_ASSERT(outcome.response->ok());
    }
    CPPUNIT_ASSERT_EQUAL(1, server.connectionsAccepted());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), client.connectionsOpened());
    auto requests = server.requests();
    CPPUNIT_ASSERT_EQUAL(size_t(3), requests.size());
    CPPUNIT_ASSERT_EQUAL(1, requests[2].connection);
  }

  void perHostConnectionLimit()
  {
    // Each answer takes a while, so without the limit all requests would hold their own
    // connection at the same time.
    TestHttpServer server([](const ServerRequest&) { return ServerResponse{200, {}, "x", 150}; });
    ev::EventLoop loop;
    http::HttpClientOptions options;
    options.maxConnectionsPerHost = 2;
    http::HttpClient client(loop, options);
    std::vector<Outcome> outcomes(6);
    for (Outcome& outcome : outcomes) {
      client.request(http::HttpRequest{http::Method::Get, server.url("/slow"), {}, "", 0}, into(outcome));
    }
    CPPUNIT_ASSERT(runUntil(loop, [&] {
      return std::all_of(outcomes.begin(), outcomes.end(), [](const Outcome& o) { return o.done(); });
    }));
    for (const Outcome& outcome : outcomes) {
      CPPUNIT_ASSERT(outcome.response->ok());
    }
    CPPUNIT_ASSERT_EQUAL(size_t(6), server.requests().size());
    CPPUNIT_ASSERT(server.maxConcurrentConnections() <= 2);
    CPPUNIT_ASSERT(server.connectionsAccepted() <= 2);
  }

  void totalTimeout()
  {
    TestHttpServer server([](const ServerRequest&) { return ServerResponse{200, {}, "late", 1500}; });
    ev::EventLoop loop;
    http::HttpClient client(loop, http::HttpClientOptions{});
    Outcome outcome;
    client.request(http::HttpRequest{http::Method::Get, server.url("/hang"), {}, "", 0.2}, into(outcome));
    CPPUNIT_ASSERT(runUntil(loop, [&] { return outcome.done(); }));
    CPPUNIT_ASSERT(!outcome.response->ok());
    CPPUNIT_ASSERT(outcome.response->errorKind == http::ErrorKind::Timeout);
    CPPUNIT_ASSERT_EQUAL(0L, outcome.response->status);
  }

  void responseSizeLimit()
  {
    TestHttpServer server([](const ServerRequest& r) {
      return ServerResponse{200, {}, std::string(r.target == "/big" ? 5000 : 1000, 'a')};
    });
    ev::EventLoop loop;
    http::HttpClientOptions options;
    options.maxResponseBytes = 1000;
    http::HttpClient client(loop, options);
    Outcome big;
    Outcome fits;
    client.request(http::HttpRequest{http::Method::Get, server.url("/big"), {}, "", 0}, into(big));
    client.request(http::HttpRequest{http::Method::Get, server.url("/fits"), {}, "", 0}, into(fits));
    CPPUNIT_ASSERT(runUntil(loop, [&] { return big.done() && fits.done(); }));
    CPPUNIT_ASSERT(big.response->errorKind == http::ErrorKind::TooLarge);
    CPPUNIT_ASSERT(big.response->body.empty());
    CPPUNIT_ASSERT(fits.response->ok());
    CPPUNIT_ASSERT_EQUAL(size_t(1000), fits.response->body.size());
  }

  void redirect307RepeatsPost()
  {
    TestHttpServer server([](const ServerRequest& r) {
      if (r.target == "/old") {
        return ServerResponse{307, {{"Location", "/new"}}, ""};
      }
      return ServerResponse{200, {}, r.method + ":" + r.body};
    });
    ev::EventLoop loop;
    http::HttpClient client(loop, http::HttpClientOptions{});
    Outcome outcome;
    client.request(http::HttpRequest{http::Method::Post, server.url("/old"), {{"Content-Type", "application/json"}}, "{}", 0},
                   into(outcome));
    CPPUNIT_ASSERT(runUntil(loop, [&] { return outcome.done(); }));
    CPPUNIT_ASSERT(outcome.response->ok());
    CPPUNIT_ASSERT_EQUAL(200L, outcome.response->status);
    CPPUNIT_ASSERT_EQUAL(std::string("POST:{}"), outcome.response->body);
    CPPUNIT_ASSERT_EQUAL(server.url("/new"), outcome.response->effectiveUrl);
  }

  void redirect303BecomesGet()
  {
    TestHttpServer server([](const ServerRequest& r) {
      if (r.target == "/old") {
        return ServerResponse{303, {{"Location", "/new"}}, ""};
      }
      return ServerResponse{200, {}, r.method + ":" + r.body + ":" + r.header("content-type")};
    });
    ev::EventLoop loop;
    http::HttpClient client(loop, http::HttpClientOptions{});
    Outcome outcome;
    client.request(http::HttpRequest{http::Method::Post, server.url("/old"), {{"Content-Type", "application/json"}}, "{}", 0},
                   into(outcome));
    CPPUNIT_ASSERT(runUntil(loop, [&] { return outcome.done(); }));
    CPPUNIT_ASSERT_EQUAL(std::string("GET::"), outcome.response->body);
  }

  void crossOriginRedirectRefused()
  {
    TestHttpServer other([](const ServerRequest&) { return ServerResponse{200, {}, "other"}; });
    std::string target = other.url("/elsewhere");
    TestHttpServer server([target](const ServerRequest&) { return ServerResponse{302, {{"Location", target}}, ""}; });
    ev::EventLoop loop;
    http::HttpClient client(loop, http::HttpClientOptions{});
    Outcome outcome;
    client.request(http::HttpRequest{http::Method::Get, server.url("/"), {}, "", 0}, into(outcome));
    CPPUNIT_ASSERT(runUntil(loop, [&] { return outcome.done(); }));
    CPPUNIT_ASSERT(outcome.response->errorKind == http::ErrorKind::Redirect);
    CPPUNIT_ASSERT(other.requests().empty());
  }

  void tooManyRedirects()
  {
    TestHttpServer server([](const ServerRequest& r) {
      return ServerResponse{301, {{"Location", r.target + "x"}}, ""};
    });
    ev::EventLoop loop;
    http::HttpClientOptions options;
    options.maxRedirects = 3;
    http::HttpClient client(loop, options);
    Outcome outcome;
    client.request(http::HttpRequest{http::Method::Get, server.url("/r"), {}, "", 0}, into(outcome));
    CPPUNIT_ASSERT(runUntil(loop, [&] { return outcome.done(); }));
    CPPUNIT_ASSERT(outcome.response->errorKind == http::ErrorKind::Redirect);
    CPPUNIT_ASSERT_EQUAL(size_t(4), server.requests().size());
  }

  void connectionRefused()
  {
    uint16_t port;
    {
      TestHttpServer gone([](const ServerRequest&) { return ServerResponse{}; });
      port = gone.port();
    }
    ev::EventLoop loop;
    http::HttpClient client(loop, http::HttpClientOptions{});
    Outcome outcome;
    client.request(http::HttpRequest{http::Method::Get, "http://127.0.0.1:" + std::to_string(port) + "/", {}, "", 0},
                   into(outcome));
    CPPUNIT_ASSERT(runUntil(loop, [&] { return outcome.done(); }));
    CPPUNIT_ASSERT(outcome.response->errorKind == http::ErrorKind::Connect);
    CPPUNIT_ASSERT(!outcome.response->error.empty());
  }

  void droppedConnectionIsProtocolError()
  {
    TestHttpServer server([](const ServerRequest&) {
      ServerResponse r;
      r.drop = true;
      return r;
    });
    ev::EventLoop loop;
    http::HttpClient client(loop, http::HttpClientOptions{});
    Outcome outcome;
    client.request(http::HttpRequest{http::Method::Get, server.url("/"), {}, "", 0}, into(outcome));
    CPPUNIT_ASSERT(runUntil(loop, [&] { return outcome.done(); }));
    CPPUNIT_ASSERT(outcome.response->errorKind == http::ErrorKind::Protocol);
  }

  void badSchemeFailsAsynchronously()
  {
    ev::EventLoop loop;
    http::HttpClient client(loop, http::HttpClientOptions{});
    Outcome outcome;
    client.request(http::HttpRequest{http::Method::Get, "file:///etc/passwd", {}, "", 0}, into(outcome));
    CPPUNIT_ASSERT(!outcome.done());
    CPPUNIT_ASSERT(runUntil(loop, [&] { return outcome.done(); }));
    CPPUNIT_ASSERT(outcome.response->errorKind == http::ErrorKind::BadRequest);
  }

  void cancelSuppressesCallback()
  {
    TestHttpServer server([](const ServerRequest&) { return ServerResponse{200, {}, "x", 100}; });
    ev::EventLoop loop;
    http::HttpClient client(loop, http::HttpClientOptions{});
    Outcome cancelled;
    Outcome kept;
    auto id = client.request(http::HttpRequest{http::Method::Get, server.url("/1"), {}, "", 0}, into(cancelled));
    client.request(http::HttpRequest{http::Method::Get, server.url("/2"), {}, "", 0}, into(kept));
    client.cancel(id);
    client.cancel(9999); // unknown: ignored
    CPPUNIT_ASSERT(runUntil(loop, [&] { return kept.done(); }));
    CPPUNIT_ASSERT(!cancelled.done());
    CPPUNIT_ASSERT_EQUAL(size_t(0), client.pending());
  }

  void tlsVerificationFailsAgainstPlainServer()
  {
    // A plain-text server cannot complete a TLS handshake: the error is classified as TLS
    // (or a connection failure), never as a response.
    TestHttpServer server([](const ServerRequest&) { return ServerResponse{200, {}, "plain"}; });
    server.setGreeting("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    ev::EventLoop loop;
    http::HttpClient client(loop, http::HttpClientOptions{});
    Outcome outcome;
    client.request(http::HttpRequest{http::Method::Get, "https://127.0.0.1:" + std::to_string(server.port()) + "/", {}, "", 2},
                   into(outcome));
    CPPUNIT_ASSERT(runUntil(loop, [&] { return outcome.done(); }));
    CPPUNIT_ASSERT(!outcome.response->ok());
    CPPUNIT_ASSERT_EQUAL(std::string("tls"), std::string(http::errorKindName(outcome.response->errorKind)));
  }

  void destroyWithPendingRequests()
  {
    TestHttpServer server([](const ServerRequest&) { return ServerResponse{200, {}, "x", 200}; });
    ev::EventLoop loop;
    Outcome outcome;
    {
      http::HttpClient client(loop, http::HttpClientOptions{});
      client.request(http::HttpRequest{http::Method::Get, server.url("/"), {}, "", 0}, into(outcome));
      loop.runOnce(false);
    }
    loop.runOnce(false);
    CPPUNIT_ASSERT(!outcome.done());
  }

  // A real TLS server with a self-signed certificate for 127.0.0.1.
  struct TlsRig
  {
    talk::test::SelfSignedCert cert;
    TestHttpServer server{[](const ServerRequest& r) { return ServerResponse{200, {}, "secure:" + r.target}; }};
    TlsRig()
    {
      std::signal(SIGPIPE, SIG_IGN); // as LibraryScope does in the daemons
      server.setTls(cert.context());
    }
    std::string url() const { return "https://127.0.0.1:" + std::to_string(server.port()) + "/tls"; }
  };

  http::HttpResponse fetch(const http::HttpClientOptions& options, const std::string& url)
  {
    ev::EventLoop loop;
    http::HttpClient client(loop, options);
    Outcome outcome;
    client.request(http::HttpRequest{http::Method::Get, url, {}, "", 5}, into(outcome));
    CPPUNIT_ASSERT(runUntil(loop, [&] { return outcome.done(); }));
    return *outcome.response;
  }

  void tlsVerifiedByDefault()
  {
    TlsRig rig;
    http::HttpResponse response = fetch(http::HttpClientOptions{}, rig.url());
    CPPUNIT_ASSERT_EQUAL(std::string("tls"), std::string(http::errorKindName(response.errorKind)));
    CPPUNIT_ASSERT(rig.server.requests().empty());
  }

  void tlsWithCaFile()
  {
    TlsRig rig;
    talk::test::TempDir dir;
    http::HttpClientOptions options;
    options.caFile = dir.write("ca.pem", rig.cert.pem());
    http::HttpResponse response = fetch(options, rig.url());
    CPPUNIT_ASSERT_MESSAGE(response.error, response.ok());
    CPPUNIT_ASSERT_EQUAL(std::string("secure:/tls"), response.body);
  }

  void tlsSkipVerify()
  {
    TlsRig rig;
    http::HttpClientOptions options;
    options.verifyTls = false;
    http::HttpResponse response = fetch(options, rig.url());
    CPPUNIT_ASSERT_MESSAGE(response.error, response.ok());
    CPPUNIT_ASSERT_EQUAL(200L, response.status);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HttpClientTest);
