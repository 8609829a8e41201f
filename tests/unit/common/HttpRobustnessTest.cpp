// A hostile client thread throws garbage, invalid HTTP, broken WebSocket frames, a 10 MB
// frame and half-open connections at one http::Server, while a well-behaved WebSocket
// client (on the loop) and HTTP client (in a thread) keep being served.
#include "common/http/Server.hpp"
#include "common/http/WebSocketClient.hpp"

#include "HttpTestSupport.hpp"
#include "common/daemon/LibraryScope.hpp"

#include <atomic>
#include <cppunit/extensions/HelperMacros.h>
#include <memory>
#include <random>
#include <vector>

using talk::http::Request;
using talk::http::Responder;
using talk::http::Response;
using talk::http::Server;
using talk::http::ServerOptions;
using talk::http::WebSocket;
using talk::test::RawClient;
using talk::test::wsFrame;
using talk::test::wsHandshake;

namespace {

struct Echo : WebSocket::Listener
{
  int closes{0};
  void onMessage(WebSocket& ws, std::string_view payload, bool binary) override { binary ? ws.sendBinary(payload) : ws.sendText(payload); }
  void onClose(WebSocket& /*ws*/) override { ++closes; }
};

struct Counter : WebSocket::Listener
{
  int opens{0};
  int received{0};
  int closes{0};
  std::string last;
  void onOpen(WebSocket& /*ws*/) override { ++opens; }
  void onMessage(WebSocket& /*ws*/, std::string_view payload, bool /*binary*/) override
  {
    ++received;
    last = std::string(payload);
  }
  void onClose(WebSocket& /*ws*/) override { ++closes; }
};

void hostile(int port, std::vector<std::unique_ptr<RawClient>>& idle)
{
  std::mt19937 random(12345);
  auto garbage = [&](size_t n) {
    std::string s(n, '\0');
    for (char& c : s) {
      c = static_cast<char>(random() & 0xff);
    }
    return s;
  };
  auto shoot = [&](const std::string& bytes, bool wait = true) {
    RawClient c;
    if (c.connect(port, false, 0, 3)) {
      c.send(bytes);
      if (wait) {
        c.waitClosed();
      }
    }
  };
  // Pure garbage, and garbage after a valid start.
  for (int i = 0; i < 20; ++i) {
    shoot(garbage(4096), false);
  }
  shoot("GET / HTTP/1.1\r\n" + garbage(2000));
  // Invalid HTTP
  shoot("GET / HTTP/9.9\r\n\r\n");
  shoot("\r\n\r\n\r\n");
  shoot("BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n");
  shoot("GET /" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
  shoot("GET / HTTP/1.1\r\nX-Big: " + std::string(100000, 'b') + "\r\n\r\n");
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 2000; ++i) {
    many += "X-H" + std::to_string(i) + ": v\r\n";
  }
  shoot(many + "\r\n");
  shoot(std::string("GET /\0x HTTP/1.1\r\nHost: \0\r\n\r\n", 28));
  shoot("POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n");
  shoot("POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n");
  shoot("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n"); // no key
  // Broken WebSocket streams after a good handshake
  const std::vector<std::string> badFrames = {
      wsFrame(0x3, "reserved opcode"),
      std::string("\xf1\x80\x00\x00\x00\x00", 6),                // RSV bits set
      wsFrame(0x1, "unmasked", true, false),
      wsFrame(0x9, std::string(200, 'p')),                        // control frame > 125 bytes
      wsFrame(0x9, "fragmented ping", false),
      wsFrame(0x0, "continuation without start"),
      wsFrame(0x1, "a", false) + wsFrame(0x1, "new message inside one"),
      garbage(3000),
  };
  for (const std::string& bad : badFrames) {
    // lws closes on some of these and ignores others; either way it goes on serving.
    RawClient c;
    if (c.connect(port, false, 0, 1) && !wsHandshake(c, "/ws").empty()) {
      c.send(bad);
      c.waitClosed();
    }
  }
  // A 10 MB frame, sent as fast as the server takes it (it refuses it at the start).
  {
    RawClient c;
    if (c.connect(port, false, 0, 3) && !wsHandshake(c, "/ws").empty()) {
      c.send(wsFrame(0x2, std::string(10 * 1024 * 1024, 'm')));
    }
  }
  // Half-open: half a request then FIN; an upgraded socket that sends FIN; silent ones.
  for (int i = 0; i < 20; ++i) {
    RawClient c;
    if (c.connect(port, false, 0, 3)) {
      c.send("GET /ok HTTP/1.1\r\nHo");
      c.shutdownWrite();
      c.waitClosed();
    }
  }
  {
    RawClient c;
    if (c.connect(port, false, 0, 8) && !wsHandshake(c, "/ws").empty()) {
      c.shutdownWrite();
      c.waitClosed();
    }
  }
  for (int i = 0; i < 30; ++i) {
    idle.push_back(std::make_unique<RawClient>());
    idle.back()->connect(port);
  }
}

}

class HttpRobustnessTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(HttpRobustnessTest);
  CPPUNIT_TEST(keepsServingWellBehavedClients);
  CPPUNIT_TEST_SUITE_END();

public:
  void keepsServingWellBehavedClients()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    ServerOptions o;
    o.listen = "127.0.0.1:0";
    // Short, so the silent connections go within the test; long enough that a descheduled
    // well-behaved client on a loaded machine is not cut too.
    o.requestTimeoutSeconds = 3;
    o.maxMessageBytes = 64 * 1024;
    Server server(loop, o);
    std::vector<std::unique_ptr<Echo>> sessions;
    server.webSocket("/ws", "", [&](WebSocket&) {
      sessions.push_back(std::make_unique<Echo>());
      return sessions.back().get();
    });
    server.handle("GET", "/ok", [](const Request&, Responder r) { r.send(Response::text(200, "ok")); });
    server.handle("POST", "/ok", [](const Request&, Responder r) { r.send(Response::text(200, "ok")); });
    server.start();

    Counter good;
    talk::http::ClientOptions co;
    co.url = "ws://127.0.0.1:" + std::to_string(server.port()) + "/ws";
    talk::http::WebSocketClient client(loop, co, &good);
    client.connect();
    CPPUNIT_ASSERT(talk::test::runUntil(loop, [&] { return good.opens == 1; }));

    std::atomic<bool> attackDone{false};
    std::atomic<bool> stopHttp{false};
    std::atomic<int> httpOk{0};
    std::atomic<int> httpFailed{0};
    std::vector<std::unique_ptr<RawClient>> idle;
    std::thread attacker([&] {
      hostile(server.port(), idle);
      attackDone = true;
    });
    std::atomic<bool> httpDone{false};
    std::thread http([&] {
      while (!stopHttp) {
        RawClient c;
        std::optional<RawClient::HttpResponse> r;
        if (c.connect(server.port()) && c.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")) {
          r = c.readResponse();
        }
        (r && r->status == 200 ? httpOk : httpFailed)++;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      httpDone = true;
    });
    // The good WebSocket client: one message in flight at a time, all the while.
    int sent = 0;
    talk::test::runUntil(
        loop,
        [&] {
          if (good.received == sent) {
            client.sendText("message " + std::to_string(++sent));
          }
          return attackDone.load();
        },
        120);
    stopHttp = true;
    // Its last request still needs the loop.
    talk::test::runUntil(loop, [&] { return httpDone.load(); });
    http.join();
    attacker.join();
    CPPUNIT_ASSERT(attackDone);

    // The good ones never noticed.
    CPPUNIT_ASSERT(talk::test::runUntil(loop, [&] { return good.received == sent; }));
    CPPUNIT_ASSERT_EQUAL(std::string("message " + std::to_string(sent)), good.last);
    CPPUNIT_ASSERT_MESSAGE("sent=" + std::to_string(sent), sent > 10);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(std::to_string(client.closeCode()) + " " + client.closeReason(), 0, good.closes);
    CPPUNIT_ASSERT(client.isOpen());
    CPPUNIT_ASSERT_EQUAL_MESSAGE("ok=" + std::to_string(httpOk.load()), 0, httpFailed.load());
    CPPUNIT_ASSERT_MESSAGE("ok=" + std::to_string(httpOk.load()), httpOk.load() > 5);

    // Every hostile connection goes away by itself (the silent ones by the request timeout).
    CPPUNIT_ASSERT(talk::test::runUntil(loop, [&] { return server.httpConnectionCount() == 0 && server.webSocketCount() == 1; }, 20));
    idle.clear();
    int closedSessions = 0;
    for (auto& s : sessions) {
      closedSessions += s->closes;
    }
    CPPUNIT_ASSERT_EQUAL(static_cast<int>(sessions.size()) - 1, closedSessions);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HttpRobustnessTest);
