// http::Server over real sockets on loopback: routing, bodies, keep-alive, async and
// dropped responses, slow clients, several servers, IPv6. The peer is a raw socket in a
// client thread (or curl), while the test drives the loop.
#include "common/http/Server.hpp"

#include "HttpTestSupport.hpp"
#include "common/daemon/LibraryScope.hpp"
#include "common/ev/Watchers.hpp"
#include "common/util/Error.hpp"

#include <cppunit/extensions/HelperMacros.h>
#include <cstdio>
#include <memory>
#include <optional>

using talk::http::Request;
using talk::http::Responder;
using talk::http::Response;
using talk::http::Server;
using talk::http::ServerOptions;
using talk::test::RawClient;
using talk::test::withClient;

namespace {

ServerOptions localOptions()
{
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.serverHeader = "talk-test/1.0";
  return o;
}

std::string get(const std::string& path, const std::string& extra = "")
{
  return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n";
}

// One request on a fresh connection, answered in the client thread.
RawClient::HttpResponse exchange(talk::ev::EventLoop& loop, int port, const std::string& request, bool headOnly = false)
{
  RawClient::HttpResponse out;
  withClient(loop, [&] {
    RawClient c;
    if (c.connect(port) && c.send(request)) {
      if (auto r = c.readResponse(headOnly)) {
        out = *r;
      }
    }
  });
  return out;
}

// Runs curl with args in the client thread; returns its stdout.
std::string curl(talk::ev::EventLoop& loop, const std::string& args)
{
  std::string out;
  withClient(loop, [&] {
    std::string command = "curl -sS --max-time 10 " + args + " 2>&1";
    FILE* p = ::popen(command.c_str(), "r");
    if (p == nullptr) {
      return;
    }
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof(buffer), p)) > 0) {
      out.append(buffer, n);
    }
    ::pclose(p);
  });
  return out;
}

}

class HttpServerTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(HttpServerTest);
  CPPUNIT_TEST(routesMethodsAndHeaders);
  CPPUNIT_TEST(requestFieldsReachTheHandler);
  CPPUNIT_TEST(postBodiesAndLimits);
  CPPUNIT_TEST(expectContinueIsAnswered);
  CPPUNIT_TEST(keepAliveAndPipelining);
  CPPUNIT_TEST(asyncResponseFromTimer);
  CPPUNIT_TEST(clientGoneBeforeAsyncSend);
  CPPUNIT_TEST(droppedResponderAndThrowingHandlerGive500);
  CPPUNIT_TEST(slowClientsAreCut);
  CPPUNIT_TEST(severalServersAndIpv6);
  CPPUNIT_TEST(listenErrors);
  CPPUNIT_TEST_SUITE_END();

public:
  void routesMethodsAndHeaders()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    Server server(loop, localOptions());
    server.handle("GET", "/api/v1/welcome", [](const Request&, Responder r) { r.send(Response::json(200, R"({"welcome":1})")); });
    server.handle("POST", "/api/v1/welcome", [](const Request&, Responder r) { r.send(Response::text(201, "posted")); });
    server.handle("*", "/any", [](const Request& q, Responder r) { r.send(Response::text(200, q.method)); });
    server.handlePrefix("POST", "/api/v1/room/", [](const Request& q, Responder r) { r.send(Response::text(200, "room " + q.path)); });
    server.handlePrefix("GET", "/api/", [](const Request& q, Responder r) { r.send(Response::text(200, "api " + q.path)); });
    server.start();
    CPPUNIT_ASSERT(server.port() > 0);

    auto ok = exchange(loop, server.port(), get("/api/v1/welcome"));
    CPPUNIT_ASSERT_EQUAL(200, ok.status);
    CPPUNIT_ASSERT_EQUAL(std::string(R"({"welcome":1})"), ok.body);
    CPPUNIT_ASSERT_EQUAL(std::string("application/json"), ok.header("content-type"));
    CPPUNIT_ASSERT_EQUAL(std::string("13"), ok.header("content-length"));
    CPPUNIT_ASSERT_EQUAL(std::string("talk-test/1.0"), ok.header("server"));
    // Date: an IMF-fixdate within a minute of now.
    std::string date = ok.header("date");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(ok.head, size_t(29), date.size());
    CPPUNIT_ASSERT(date.substr(25) == " GMT");
    long long now = static_cast<long long>(std::time(nullptr));
    CPPUNIT_ASSERT(talk::http::httpDate(now) == date || talk::http::httpDate(now - 1) == date || talk::http::httpDate(now - 2) == date);

    auto created = exchange(loop, server.port(), "POST /api/v1/welcome HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    CPPUNIT_ASSERT_EQUAL(201, created.status);
    CPPUNIT_ASSERT_EQUAL(std::string("posted"), created.body);
    CPPUNIT_ASSERT_EQUAL(std::string("text/plain; charset=utf-8"), created.header("content-type"));

    auto missing = exchange(loop, server.port(), get("/nothing"));
    CPPUNIT_ASSERT_EQUAL(404, missing.status);
    CPPUNIT_ASSERT(!missing.header("date").empty());
    CPPUNIT_ASSERT_EQUAL(std::string("talk-test/1.0"), missing.header("server"));

    auto wrong = exchange(loop, server.port(), "DELETE /api/v1/welcome HTTP/1.1\r\nHost: x\r\n\r\n");
    CPPUNIT_ASSERT_EQUAL(405, wrong.status);
    CPPUNIT_ASSERT_EQUAL(std::string("GET, POST"), wrong.header("allow"));
    CPPUNIT_ASSERT(!wrong.header("date").empty());

    auto head = exchange(loop, server.port(), "HEAD /api/v1/welcome HTTP/1.1\r\nHost: x\r\n\r\n", true);
    CPPUNIT_ASSERT_EQUAL(200, head.status);
    CPPUNIT_ASSERT_EQUAL(std::string("13"), head.header("content-length"));
    CPPUNIT_ASSERT(head.body.empty());

    CPPUNIT_ASSERT_EQUAL(std::string("PUT"), exchange(loop, server.port(), "PUT /any HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").body);
    CPPUNIT_ASSERT_EQUAL(std::string("OPTIONS"), exchange(loop, server.port(), "OPTIONS /any HTTP/1.1\r\nHost: x\r\n\r\n").body);

    // The longest prefix decides: /api/v1/room/ is POST only, /api/ is GET.
    auto room = exchange(loop, server.port(), "POST /api/v1/room/abc HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
    CPPUNIT_ASSERT_EQUAL(200, room.status);
    CPPUNIT_ASSERT_EQUAL(std::string("room /api/v1/room/abc"), room.body);
    CPPUNIT_ASSERT_EQUAL(405, exchange(loop, server.port(), get("/api/v1/room/abc")).status);
    CPPUNIT_ASSERT_EQUAL(std::string("api /api/other"), exchange(loop, server.port(), get("/api/other")).body);

    // Invalid HTTP gets an error (from lws), and the server goes on.
    auto bad = exchange(loop, server.port(), "NONSENSE\r\n\r\n");
    CPPUNIT_ASSERT(bad.status == 0 || bad.status >= 400);
    CPPUNIT_ASSERT_EQUAL(200, exchange(loop, server.port(), get("/api/v1/welcome")).status);
  }

  void requestFieldsReachTheHandler()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    ServerOptions o = localOptions();
    o.customHeaders = {"Spreed-Signaling-Random", "spreed-signaling-checksum"};
    Server server(loop, o);
    std::optional<Request> seen;
    server.handlePrefix("*", "/", [&](const Request& q, Responder r) {
      seen = q;
      r.send(Response::text(200, "ok"));
    });
    server.start();
    auto r = exchange(loop, server.port(),
                      "POST /a%20b/c?x=1&y=hello%20world&flag&z=a%26b HTTP/1.1\r\nHost: example.org\r\nUser-Agent: tester/2\r\n"
                      "Spreed-Signaling-Random: abc123\r\nSpreed-Signaling-Checksum: 0011\r\nX-Unknown: dropped\r\nContent-Length: 5\r\n\r\nhello");
    CPPUNIT_ASSERT_EQUAL(200, r.status);
    CPPUNIT_ASSERT(seen.has_value());
    CPPUNIT_ASSERT_EQUAL(std::string("POST"), seen->method);
    CPPUNIT_ASSERT_EQUAL(std::string("/a b/c"), seen->path);
    CPPUNIT_ASSERT_EQUAL(std::string("x=1&y=hello world&flag&z=a&b"), seen->query);
    CPPUNIT_ASSERT_EQUAL(size_t(4), seen->queryArgs.size());
    CPPUNIT_ASSERT_EQUAL(std::string("a&b"), seen->queryArgs[3].substr(2));
    CPPUNIT_ASSERT(seen->queryParameter("y") == std::optional<std::string_view>("hello world"));
    CPPUNIT_ASSERT(seen->queryParameter("flag") == std::optional<std::string_view>(""));
    CPPUNIT_ASSERT(!seen->queryParameter("fla").has_value());
    CPPUNIT_ASSERT_EQUAL(std::string("hello"), seen->body);
    CPPUNIT_ASSERT(seen->header("host") != nullptr);
    CPPUNIT_ASSERT_EQUAL(std::string("example.org"), *seen->header("host"));
    CPPUNIT_ASSERT_EQUAL(std::string("tester/2"), *seen->header("user-agent"));
    CPPUNIT_ASSERT_EQUAL(std::string("abc123"), *seen->header("spreed-signaling-random"));
    CPPUNIT_ASSERT_EQUAL(std::string("0011"), *seen->header("spreed-signaling-checksum"));
    CPPUNIT_ASSERT(seen->header("x-unknown") == nullptr);
    CPPUNIT_ASSERT(seen->peer.isV4());
    CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), seen->peer.ip());
  }

  void postBodiesAndLimits()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    ServerOptions o = localOptions();
    o.maxBodyBytes = 256 * 1024;
    Server server(loop, o);
    int calls = 0;
    server.handle("POST", "/echo", [&](const Request& q, Responder r) {
      ++calls;
      Response out = Response::text(200, q.body);
      out.contentType = "application/octet-stream";
      r.send(std::move(out));
    });
    server.start();

    // A body at the limit arrives whole (several reads), and the response is as large.
    std::string body(o.maxBodyBytes, '\0');
    for (size_t i = 0; i < body.size(); ++i) {
      body[i] = static_cast<char>('a' + i % 26);
    }
    auto echoed = exchange(loop, server.port(), "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    CPPUNIT_ASSERT_EQUAL(200, echoed.status);
    CPPUNIT_ASSERT(echoed.body == body);

    // Over the limit: 413 as soon as the headers are in, the body is never sent, the
    // connection closes.
    bool closed = false;
    RawClient::HttpResponse tooLarge;
    withClient(loop, [&] {
      RawClient c;
      if (c.connect(server.port()) && c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\nstart")) {
        if (auto r = c.readResponse()) {
          tooLarge = *r;
        }
        closed = c.waitClosed();
      }
    });
    CPPUNIT_ASSERT_EQUAL(413, tooLarge.status);
    CPPUNIT_ASSERT_EQUAL(std::string("close"), tooLarge.header("connection"));
    CPPUNIT_ASSERT(closed);

    // Without a Content-Length: 411. A bad one: 400.
    CPPUNIT_ASSERT_EQUAL(411, exchange(loop, server.port(), "POST /echo HTTP/1.1\r\nHost: x\r\n\r\n").status);
    CPPUNIT_ASSERT_EQUAL(400, exchange(loop, server.port(), "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 12x\r\n\r\n").status);
    CPPUNIT_ASSERT_EQUAL(411, exchange(loop, server.port(), "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").status);
    CPPUNIT_ASSERT_EQUAL(1, calls);

    // curl as the peer, with a body from a file.
    std::string out = curl(loop, "--data-binary 'key=value&other=1' -H 'Content-Type: text/plain' http://127.0.0.1:" + std::to_string(server.port()) + "/echo");
    CPPUNIT_ASSERT_EQUAL(std::string("key=value&other=1"), out);
    CPPUNIT_ASSERT_EQUAL(2, calls);
  }

  void expectContinueIsAnswered()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    Server server(loop, localOptions());
    server.handle("POST", "/echo", [&](const Request& q, Responder r) { r.send(Response::text(200, std::to_string(q.body.size()))); });
    server.start();
    std::string interim;
    RawClient::HttpResponse final;
    withClient(loop, [&] {
      RawClient c;
      if (!c.connect(server.port()) || !c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3000\r\nExpect: 100-continue\r\n\r\n")) {
        return;
      }
      // The body is held back until the server says 100 Continue.
      while (c.buffer().find("\r\n\r\n") == std::string::npos && c.readMore()) {
      }
      interim = c.buffer().substr(0, c.buffer().find("\r\n"));
      c.buffer().clear();
      if (c.send(std::string(3000, 'x'))) {
        if (auto r = c.readResponse()) {
          final = *r;
        }
      }
    });
    CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 100 Continue"), interim);
    CPPUNIT_ASSERT_EQUAL(200, final.status);
    CPPUNIT_ASSERT_EQUAL(std::string("3000"), final.body);
  }

  void keepAliveAndPipelining()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    Server server(loop, localOptions());
    int calls = 0;
    server.handle("GET", "/n", [&](const Request&, Responder r) { r.send(Response::text(200, std::to_string(++calls))); });
    server.start();
    std::vector<std::string> bodies;
    bool stillOpen = false;
    withClient(loop, [&] {
      RawClient c;
      if (!c.connect(server.port())) {
        return;
      }
      // One after the other on one connection
      for (int i = 0; i < 3; ++i) {
        if (!c.send(get("/n"))) {
          return;
        }
        if (auto r = c.readResponse()) {
          bodies.push_back(r->body);
        }
      }
      // Two at once (pipelined)
      if (c.send(get("/n") + get("/n"))) {
        for (int i = 0; i < 2; ++i) {
          if (auto r = c.readResponse()) {
            bodies.push_back(r->body);
          }
        }
      }
      stillOpen = c.send(get("/n")) && c.readResponse().has_value();
    });
    CPPUNIT_ASSERT_EQUAL(size_t(5), bodies.size());
    for (size_t i = 0; i < bodies.size(); ++i) {
      CPPUNIT_ASSERT_EQUAL(std::to_string(i + 1), bodies[i]);
    }
    CPPUNIT_ASSERT(stillOpen);
    CPPUNIT_ASSERT_EQUAL(6, calls);

    // curl fetching two URLs reuses the connection.
    std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/n";
    std::string out = curl(loop, "-v " + url + " " + url);
    CPPUNIT_ASSERT_MESSAGE(out, out.find("Re-using existing connection") != std::string::npos || out.find("Reusing existing connection") != std::string::npos);
  }

  struct Later : talk::ev::Timer::Listener
  {
    std::vector<Responder> pending;
    void onTimer(talk::ev::Timer& /*timer*/) override
    {
      for (Responder& r : pending) {
        r.send(Response::text(200, "later"));
      }
      pending.clear();
    }
  };

  void asyncResponseFromTimer()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    Server server(loop, localOptions());
    Later later;
    talk::ev::Timer timer(loop, &later);
    server.handle("GET", "/slow", [&](const Request&, Responder r) {
      CPPUNIT_ASSERT(r.alive());
      later.pending.push_back(std::move(r));
      timer.start(0.05);
    });
    server.start();
    auto r = exchange(loop, server.port(), get("/slow"));
    CPPUNIT_ASSERT_EQUAL(200, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("later"), r.body);
  }

  void clientGoneBeforeAsyncSend()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    Server server(loop, localOptions());
    std::optional<Responder> kept;
    server.handle("GET", "/slow", [&](const Request&, Responder r) { kept = std::move(r); });
    server.handle("GET", "/fast", [&](const Request&, Responder r) { r.send(Response::text(200, "fast")); });
    server.start();
    withClient(loop, [&] {
      RawClient c;
      c.connect(server.port());
      c.send(get("/slow"));
    });
    CPPUNIT_ASSERT(talk::test::runUntil(loop, [&] { return kept.has_value() && server.httpConnectionCount() == 0; }));
    CPPUNIT_ASSERT(!kept->alive());
    kept->send(Response::text(200, "nobody listens")); // a no-op
    kept->send(Response::text(200, "twice"));
    kept.reset();
    CPPUNIT_ASSERT_EQUAL(std::string("fast"), exchange(loop, server.port(), get("/fast")).body);

    // The Responder may also outlive the server.
    std::optional<Responder> orphan;
    {
      Server second(loop, localOptions());
      second.handle("GET", "/slow", [&](const Request&, Responder r) { orphan = std::move(r); });
      second.start();
      std::atomic<bool> answered{false};
      std::thread client([&] {
        RawClient c;
        c.connect(second.port());
        c.send(get("/slow"));
        c.setTimeout(0.5);
        answered = c.readResponse().has_value();
      });
      talk::test::runUntil(loop, [&] { return orphan.has_value(); });
      client.join();
      CPPUNIT_ASSERT(!answered);
    }
    CPPUNIT_ASSERT(orphan.has_value());
    CPPUNIT_ASSERT(!orphan->alive());
    orphan->send(Response::text(200, "server gone"));
  }

  void droppedResponderAndThrowingHandlerGive500()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    Server server(loop, localOptions());
    server.handle("GET", "/drop", [](const Request&, Responder) {});
    server.handle("GET", "/throw", [](const Request&, Responder) { throw std::runtime_error("handler bug"); });
    server.handle("GET", "/ok", [](const Request&, Responder r) { r.send(Response::text(200, "ok")); });
    server.start();
    CPPUNIT_ASSERT_EQUAL(500, exchange(loop, server.port(), get("/drop")).status);
    CPPUNIT_ASSERT_EQUAL(500, exchange(loop, server.port(), get("/throw")).status);
    CPPUNIT_ASSERT_EQUAL(200, exchange(loop, server.port(), get("/ok")).status);
  }

  void slowClientsAreCut()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    ServerOptions o = localOptions();
    o.requestTimeoutSeconds = 1;
    Server server(loop, o);
    server.handle("GET", "/ok", [](const Request&, Responder r) { r.send(Response::text(200, "ok")); });
    server.handle("POST", "/ok", [](const Request&, Responder r) { r.send(Response::text(200, "ok")); });
    server.start();

    bool headersCut = false;
    bool bodyCut = false;
    bool silentCut = false;
    int served = 0;
    withClient(loop, [&] {
      RawClient headers, body, silent;
      headers.connect(server.port(), false, 0, 8);
      body.connect(server.port(), false, 0, 8);
      silent.connect(server.port(), false, 0, 8);
      body.send("POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n");
      // Trickle a byte every 100 ms, for longer than the timeout, while others are served.
      std::string request = get("/ok", "X-Padding: " + std::string(60, 'p') + "\r\n");
      for (size_t i = 0; i < 40; ++i) {
        headers.send(request.substr(i, 1));
        body.send("b");
        RawClient good;
        if (good.connect(server.port()) && good.send(get("/ok"))) {
          auto r = good.readResponse();
          served += r && r->status == 200 ? 1 : 0;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      headersCut = headers.waitClosed();
      bodyCut = body.waitClosed();
      silentCut = silent.waitClosed();
    });
    CPPUNIT_ASSERT(headersCut);
    CPPUNIT_ASSERT(bodyCut);
    CPPUNIT_ASSERT(silentCut);
    CPPUNIT_ASSERT_EQUAL(40, served);
    CPPUNIT_ASSERT(talk::test::runUntil(loop, [&] { return server.httpConnectionCount() == 0; }));
  }

  void severalServersAndIpv6()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    Server a(loop, localOptions());
    ServerOptions bo = localOptions();
    bo.serverHeader = "second";
    Server b(loop, bo);
    a.handle("GET", "/who", [](const Request&, Responder r) { r.send(Response::text(200, "a")); });
    b.handle("GET", "/who", [](const Request&, Responder r) { r.send(Response::text(200, "b")); });
    a.start();
    b.start();
    CPPUNIT_ASSERT(a.port() != b.port());
    CPPUNIT_ASSERT_EQUAL(std::string("a"), exchange(loop, a.port(), get("/who")).body);
    auto fromB = exchange(loop, b.port(), get("/who"));
    CPPUNIT_ASSERT_EQUAL(std::string("b"), fromB.body);
    CPPUNIT_ASSERT_EQUAL(std::string("second"), fromB.header("server"));

    ServerOptions v6 = localOptions();
    v6.listen = "[::1]:0";
    Server c(loop, v6);
    std::string peer;
    c.handle("GET", "/who", [&](const Request& q, Responder r) {
      peer = q.peer.ip();
      r.send(Response::text(200, "c"));
    });
    c.start();
    std::string body;
    withClient(loop, [&] {
      RawClient client;
      if (client.connect(c.port(), true) && client.send(get("/who"))) {
        if (auto r = client.readResponse()) {
          body = r->body;
        }
      }
    });
    CPPUNIT_ASSERT_EQUAL(std::string("c"), body);
    CPPUNIT_ASSERT_EQUAL(std::string("::1"), peer);
  }

  void listenErrors()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    ServerOptions malformed;
    malformed.listen = "127.0.0.1";
    CPPUNIT_ASSERT_THROW(Server(loop, malformed), talk::ConfigError);
    CPPUNIT_ASSERT_THROW(Server::validateListen("localhost:80", "signaling.listen"), talk::ConfigError);
    CPPUNIT_ASSERT_NO_THROW(Server::validateListen("[::]:443"));
    Server first(loop, localOptions());
    first.start();
    ServerOptions same = localOptions();
    same.listen = "127.0.0.1:" + std::to_string(first.port());
    Server second(loop, same);
    try {
      second.start();
      CPPUNIT_FAIL("second bind succeeded");
    }
    catch (const talk::SystemError& e) {
      CPPUNIT_ASSERT_EQUAL(EADDRINUSE, e.code());
    }
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HttpServerTest);
