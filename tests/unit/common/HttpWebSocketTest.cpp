// WebSockets through http::Server, with http::WebSocketClient and hand-made RFC 6455
// frames (raw sockets in a client thread) as peers: routing and subprotocols, fragments,
// limits, close codes both ways, lagging peers, keepalive pings, client failures.
#include "common/http/Server.hpp"
#include "common/http/WebSocketClient.hpp"

#include "HttpTestSupport.hpp"
#include "TempDir.hpp"
#include "common/daemon/LibraryScope.hpp"
#include "common/net/UniqueFd.hpp"
#include "common/util/Error.hpp"

#include <cppunit/extensions/HelperMacros.h>
#include <cstdio>
#include <memory>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using talk::http::ClientOptions;
using talk::http::Server;
using talk::http::ServerOptions;
using talk::http::WebSocket;
using talk::http::WebSocketClient;
using talk::test::RawClient;
using talk::test::readFrame;
using talk::test::runUntil;
using talk::test::withClient;
using talk::test::wsFrame;
using talk::test::wsHandshake;
namespace close_code = talk::http::close_code;

namespace {

struct Recorder : WebSocket::Listener
{
  std::vector<std::pair<std::string, bool>> messages;
  int opens{0};
  int closes{0};
  uint16_t code{0};
  std::string reason;
  bool echo{false};
  WebSocket* socket{nullptr};
  std::function<void(WebSocket&, std::string_view)> onMessageHook;

  void onOpen(WebSocket& ws) override
  {
    ++opens;
    socket = &ws;
  }
  void onMessage(WebSocket& ws, std::string_view payload, bool binary) override
  {
    messages.emplace_back(std::string(payload), binary);
    if (echo) {
      binary ? ws.sendBinary(payload) : ws.sendText(payload);
    }
    if (onMessageHook) {
      onMessageHook(ws, payload);
    }
  }
  void onClose(WebSocket& ws) override
  {
    ++closes;
    code = ws.closeCode();
    reason = ws.closeReason();
    socket = nullptr;
  }
};

// The server side: one Recorder per accepted connection.
struct Sessions
{
  std::vector<std::unique_ptr<Recorder>> all;
  bool echo{true};
  bool refuse{false};
  std::vector<WebSocket*> sockets;

  Server::WebSocketAcceptor acceptor()
  {
    return [this](WebSocket& ws) -> WebSocket::Listener* {
      if (refuse) {
        return nullptr;
      }
      all.push_back(std::make_unique<Recorder>());
      all.back()->echo = echo;
      all.back()->socket = &ws;
      sockets.push_back(&ws);
      return all.back().get();
    };
  }
  int closed() const
  {
    int n = 0;
    for (const auto& r : all) {
      n += r->closes;
    }
    return n;
  }
};

ServerOptions localOptions()
{
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  return o;
}

std::string url(const Server& s, const std::string& path)
{
  return "ws://127.0.0.1:" + std::to_string(s.port()) + path;
}

ClientOptions clientOptions(const std::string& u)
{
  ClientOptions o;
  o.url = u;
  o.connectTimeoutSeconds = 5;
  return o;
}

}

class HttpWebSocketTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(HttpWebSocketTest);
  CPPUNIT_TEST(clientAndServerExchangeMessages);
  CPPUNIT_TEST(closeCodesTravelBothWays);
  CPPUNIT_TEST(routesSubprotocolsAndRefusals);
  CPPUNIT_TEST(fragmentsAreReassembled);
  CPPUNIT_TEST(oversizedMessagesClose1009);
  CPPUNIT_TEST(invalidUtf8IsRefused);
  CPPUNIT_TEST(laggingPeerIsDroppedOthersServed);
  CPPUNIT_TEST(pingsKeepAliveAndSilentPeersAreCut);
  CPPUNIT_TEST(clientConnectFailures);
  CPPUNIT_TEST(clientMayBeDestroyedInItsCallbacks);
  CPPUNIT_TEST(closeAllAndServerDestruction);
  CPPUNIT_TEST(tlsServerAndWssClient);
  CPPUNIT_TEST_SUITE_END();

public:
  void clientAndServerExchangeMessages()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    ServerOptions so = localOptions();
    so.customHeaders = {"x-talk-test"};
    Server server(loop, so);
    Sessions sessions;
    server.webSocket("/spreed", "", sessions.acceptor());
    server.start();

    Recorder client;
    ClientOptions co = clientOptions(url(server, "/spreed?room=1"));
    co.headers = {{"user-agent", "talk-test-client/1"}, {"x-talk-test", "7"}};
    WebSocketClient ws(loop, co, &client);
    ws.connect();
    // Queued before the upgrade completes; goes out on open.
    CPPUNIT_ASSERT(ws.sendText("early"));
    CPPUNIT_ASSERT(!ws.isOpen());
    CPPUNIT_ASSERT(runUntil(loop, [&] { return client.messages.size() == 1; }));
    CPPUNIT_ASSERT_EQUAL(1, client.opens);
    CPPUNIT_ASSERT(ws.isOpen());
    CPPUNIT_ASSERT_EQUAL(std::string("early"), client.messages[0].first);
    CPPUNIT_ASSERT(!client.messages[0].second);

    CPPUNIT_ASSERT_EQUAL(size_t(1), sessions.all.size());
    CPPUNIT_ASSERT_EQUAL(size_t(1), server.webSocketCount());
    Recorder& session = *sessions.all[0];
    CPPUNIT_ASSERT_EQUAL(1, session.opens);
    const auto& upgrade = sessions.sockets[0]->upgradeRequest();
    CPPUNIT_ASSERT_EQUAL(std::string("/spreed"), upgrade.path);
    CPPUNIT_ASSERT_EQUAL(std::string("room=1"), upgrade.query);
    CPPUNIT_ASSERT(upgrade.header("user-agent") != nullptr);
    CPPUNIT_ASSERT_EQUAL(std::string("talk-test-client/1"), *upgrade.header("user-agent"));
    CPPUNIT_ASSERT(upgrade.header("x-talk-test") != nullptr);
    CPPUNIT_ASSERT_EQUAL(std::string("7"), *upgrade.header("x-talk-test"));
    CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), upgrade.peer.ip());

    // Binary frames arrive flagged; a 50 kB message arrives whole (lws reads it in pieces).
    std::string binary("\x00\x01\x02\xff", 4);
    std::string big(50000, 'x');
    for (size_t i = 0; i < big.size(); ++i) {
      big[i] = static_cast<char>('a' + i % 26);
    }
    CPPUNIT_ASSERT(ws.sendBinary(binary));
    CPPUNIT_ASSERT(ws.sendText(big));
    CPPUNIT_ASSERT(ws.sendText(""));
    CPPUNIT_ASSERT(runUntil(loop, [&] { return client.messages.size() == 4; }));
    CPPUNIT_ASSERT(client.messages[1].first == binary);
    CPPUNIT_ASSERT(client.messages[1].second);
    CPPUNIT_ASSERT(client.messages[2].first == big);
    CPPUNIT_ASSERT(client.messages[3].first.empty());
    CPPUNIT_ASSERT_EQUAL(size_t(4), session.messages.size());
    CPPUNIT_ASSERT_EQUAL(size_t(0), ws.queuedBytes());
    CPPUNIT_ASSERT_EQUAL(size_t(0), sessions.sockets[0]->queuedBytes());

    // The client closes; the server sees its code and reason; so does the client.
    ws.close(4000, "done");
    CPPUNIT_ASSERT(!ws.sendText("late"));
    CPPUNIT_ASSERT(runUntil(loop, [&] { return session.closes == 1 && client.closes == 1; }));
    CPPUNIT_ASSERT_EQUAL(uint16_t(4000), session.code);
    CPPUNIT_ASSERT_EQUAL(std::string("done"), session.reason);
    CPPUNIT_ASSERT_EQUAL(uint16_t(4000), client.code);
    CPPUNIT_ASSERT(runUntil(loop, [&] { return server.webSocketCount() == 0; }));

    // And connects again with the same object.
    ws.connect();
    CPPUNIT_ASSERT(runUntil(loop, [&] { return client.opens == 2; }));
    CPPUNIT_ASSERT(ws.sendText("again"));
    CPPUNIT_ASSERT(runUntil(loop, [&] { return client.messages.size() == 5; }));
    CPPUNIT_ASSERT_EQUAL(std::string("again"), client.messages[4].first);
  }

  void closeCodesTravelBothWays()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    Server server(loop, localOptions());
    Sessions sessions;
    sessions.echo = false;
    server.webSocket("/ws", "", sessions.acceptor());
    server.start();

    // Server closes after a last message: the client gets the message, then the code.
    Recorder client;
    WebSocketClient ws(loop, clientOptions(url(server, "/ws")), &client);
    ws.connect();
    CPPUNIT_ASSERT(runUntil(loop, [&] { return client.opens == 1 && sessions.all.size() == 1; }));
    sessions.sockets[0]->sendText("last words");
    sessions.sockets[0]->close(4001, "bye");
    CPPUNIT_ASSERT(!sessions.sockets[0]->sendText("after close"));
    CPPUNIT_ASSERT(runUntil(loop, [&] { return client.closes == 1 && sessions.closed() == 1; }));
    CPPUNIT_ASSERT_EQUAL(size_t(1), client.messages.size());
    CPPUNIT_ASSERT_EQUAL(std::string("last words"), client.messages[0].first);
    CPPUNIT_ASSERT_EQUAL(uint16_t(4001), client.code);
    CPPUNIT_ASSERT_EQUAL(std::string("bye"), client.reason);
    CPPUNIT_ASSERT_EQUAL(uint16_t(4001), sessions.all[0]->code);

    // A raw peer's close frame code reaches the listener; the server echoes it.
    talk::test::WsFrameIn echoed;
    withClient(loop, [&] {
      RawClient c;
      if (!c.connect(server.port()) || wsHandshake(c, "/ws").empty()) {
        return;
      }
      c.send(talk::test::wsClose(4321, "raw"));
      if (auto f = readFrame(c)) {
        echoed = *f;
      }
    });
    CPPUNIT_ASSERT_EQUAL(uint8_t(0x8), echoed.opcode);
    CPPUNIT_ASSERT_EQUAL(uint16_t(4321), echoed.closeCode());
    CPPUNIT_ASSERT(runUntil(loop, [&] { return sessions.closed() == 2; }));
    CPPUNIT_ASSERT_EQUAL(uint16_t(4321), sessions.all[1]->code);
    CPPUNIT_ASSERT_EQUAL(std::string("raw"), sessions.all[1]->reason);

    // A peer that just disconnects: Abnormal.
    withClient(loop, [&] {
      RawClient c;
      c.connect(server.port());
      wsHandshake(c, "/ws");
    });
    CPPUNIT_ASSERT(runUntil(loop, [&] { return sessions.closed() == 3; }));
    CPPUNIT_ASSERT_EQUAL(close_code::Abnormal, sessions.all[2]->code);
  }

  void routesSubprotocolsAndRefusals()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    Server server(loop, localOptions());
    Sessions janus;
    Sessions refusing;
    refusing.refuse = true;
    server.webSocket("/", "janus-protocol", janus.acceptor());
    server.webSocket("/closed", "", refusing.acceptor());
    server.handle("GET", "/plain", [](const talk::http::Request&, talk::http::Responder r) { r.send(talk::http::Response::text(200, "plain")); });
    server.start();

    Recorder client;
    ClientOptions co = clientOptions(url(server, "/"));
    co.subprotocol = "janus-protocol";
    WebSocketClient ws(loop, co, &client);
    ws.connect();
    CPPUNIT_ASSERT(runUntil(loop, [&] { return client.opens == 1; }));
    ws.sendText(R"({"janus":"ping"})");
    CPPUNIT_ASSERT(runUntil(loop, [&] { return client.messages.size() == 1; }));

    std::string head101, noProtocol, otherProtocol, refused, missing;
    int plainStatus = 0;
    withClient(loop, [&] {
      RawClient a, b, c, d, e, f;
      a.connect(server.port());
      head101 = wsHandshake(a, "/", "janus-protocol");
      b.connect(server.port());
      noProtocol = wsHandshake(b, "/");
      c.connect(server.port());
      otherProtocol = wsHandshake(c, "/", "other");
      d.connect(server.port());
      refused = wsHandshake(d, "/closed");
      e.connect(server.port());
      missing = wsHandshake(e, "/nowhere", "janus-protocol");
      // Plain HTTP still works next to the WebSocket routes.
      f.connect(server.port());
      f.send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
      if (auto r = f.readResponse()) {
        plainStatus = r->status;
      }
    });
    CPPUNIT_ASSERT_MESSAGE(head101, head101.rfind("HTTP/1.1 101", 0) == 0);
    RawClient::HttpResponse upgraded;
    upgraded.head = head101;
    CPPUNIT_ASSERT_EQUAL(std::string("janus-protocol"), upgraded.header("sec-websocket-protocol"));
    // (lws has not parsed the HTTP version yet when refusing, so the status line says 1.0)
    CPPUNIT_ASSERT_MESSAGE(noProtocol, noProtocol.substr(8, 5) == " 400 ");
    CPPUNIT_ASSERT_MESSAGE(otherProtocol, otherProtocol.substr(8, 5) == " 400 ");
    CPPUNIT_ASSERT_MESSAGE(refused, refused.substr(8, 5) == " 403 ");
    CPPUNIT_ASSERT_MESSAGE(missing, missing.substr(8, 5) == " 404 ");
    CPPUNIT_ASSERT_EQUAL(200, plainStatus);

    // Our client without the subprotocol is refused and told so.
    Recorder plain;
    WebSocketClient without(loop, clientOptions(url(server, "/")), &plain);
    without.connect();
    CPPUNIT_ASSERT(runUntil(loop, [&] { return plain.closes == 1; }));
    CPPUNIT_ASSERT_EQUAL(0, plain.opens);
    CPPUNIT_ASSERT_EQUAL(close_code::Abnormal, plain.code);
    CPPUNIT_ASSERT(!plain.reason.empty());
    CPPUNIT_ASSERT(ws.isOpen());
  }

  void fragmentsAreReassembled()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    Server server(loop, localOptions());
    Sessions sessions;
    sessions.echo = false;
    server.webSocket("/ws", "", sessions.acceptor());
    server.start();
    talk::test::WsFrameIn pong;
    withClient(loop, [&] {
      RawClient c;
      if (!c.connect(server.port()) || wsHandshake(c, "/ws").empty()) {
        return;
      }
      // "Hello, world" in three frames with a ping between them, then a binary pair.
      c.send(wsFrame(0x1, "Hel", false) + wsFrame(0x0, "lo, ", false) + wsFrame(0x9, "p1") + wsFrame(0x0, "world", true));
      c.send(wsFrame(0x2, std::string("\x01\x02", 2), false));
      c.send(wsFrame(0x0, std::string(5000, 'z'), true));
      c.send(wsFrame(0x1, "single"));
      if (auto f = readFrame(c)) {
        pong = *f;
      }
      c.send(talk::test::wsClose(1000));
      readFrame(c);
    });
    CPPUNIT_ASSERT_EQUAL(uint8_t(0xA), pong.opcode);
    CPPUNIT_ASSERT_EQUAL(std::string("p1"), pong.payload);
    CPPUNIT_ASSERT(runUntil(loop, [&] { return sessions.closed() == 1; }));
    const auto& m = sessions.all[0]->messages;
    CPPUNIT_ASSERT_EQUAL(size_t(3), m.size());
    CPPUNIT_ASSERT_EQUAL(std::string("Hello, world"), m[0].first);
    CPPUNIT_ASSERT(!m[0].second);
    CPPUNIT_ASSERT_EQUAL(size_t(5002), m[1].first.size());
    CPPUNIT_ASSERT(m[1].second);
    CPPUNIT_ASSERT_EQUAL(std::string("single"), m[2].first);
    CPPUNIT_ASSERT_EQUAL(close_code::Normal, sessions.all[0]->code);
  }

  void oversizedMessagesClose1009()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    ServerOptions so = localOptions();
    so.maxMessageBytes = 16 * 1024;
    Server server(loop, so);
    Sessions sessions;
    server.webSocket("/ws", "", sessions.acceptor());
    server.start();
    talk::test::WsFrameIn oneFrame, fragments;
    bool firstClosed = false;
    withClient(loop, [&] {
      RawClient c;
      if (c.connect(server.port()) && !wsHandshake(c, "/ws").empty()) {
        // Announces 10 MB; the server refuses at the first bytes, not after buffering.
        std::string frame = wsFrame(0x2, std::string(10 * 1024 * 1024, 'b'));
        c.send(frame.substr(0, 64 * 1024));
        if (auto f = readFrame(c)) {
          oneFrame = *f;
        }
        // Our close frame is taken for more of the huge frame, so lws cannot see it and
        // gives up waiting for it after 5 s.
        c.send(talk::test::wsClose(close_code::TooBig));
        c.setTimeout(15);
        firstClosed = c.waitClosed();
      }
      RawClient d;
      if (d.connect(server.port()) && !wsHandshake(d, "/ws").empty()) {
        // Fragments that are small one by one but too much together.
        for (int i = 0; i < 5; ++i) {
          if (!d.send(wsFrame(i == 0 ? 0x1 : 0x0, std::string(4000, 'f'), false))) {
            break;
          }
        }
        if (auto f = readFrame(d)) {
          fragments = *f;
        }
      }
    });
    CPPUNIT_ASSERT_EQUAL(uint8_t(0x8), oneFrame.opcode);
    CPPUNIT_ASSERT_EQUAL(close_code::TooBig, oneFrame.closeCode());
    CPPUNIT_ASSERT(firstClosed);
    CPPUNIT_ASSERT_EQUAL(uint8_t(0x8), fragments.opcode);
    CPPUNIT_ASSERT_EQUAL(close_code::TooBig, fragments.closeCode());
    CPPUNIT_ASSERT(runUntil(loop, [&] { return sessions.closed() == 2; }));
    CPPUNIT_ASSERT_EQUAL(close_code::TooBig, sessions.all[0]->code);
    CPPUNIT_ASSERT(sessions.all[0]->messages.empty());
    CPPUNIT_ASSERT(sessions.all[1]->messages.empty());
  }

  void invalidUtf8IsRefused()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    Server server(loop, localOptions());
    Sessions sessions;
    server.webSocket("/ws", "", sessions.acceptor());
    server.start();
    talk::test::WsFrameIn reply;
    withClient(loop, [&] {
      RawClient c;
      if (c.connect(server.port()) && !wsHandshake(c, "/ws").empty()) {
        c.send(wsFrame(0x1, "ok \xc3\xa9") + wsFrame(0x1, "bad \xff\xfe"));
        while (auto f = readFrame(c)) {
          reply = *f;
          if (f->opcode == 0x8) {
            break;
          }
        }
      }
    });
    CPPUNIT_ASSERT_EQUAL(uint8_t(0x8), reply.opcode);
    CPPUNIT_ASSERT_EQUAL(close_code::InvalidData, reply.closeCode());
    CPPUNIT_ASSERT(runUntil(loop, [&] { return sessions.closed() == 1; }));
    CPPUNIT_ASSERT_EQUAL(size_t(1), sessions.all[0]->messages.size());
    CPPUNIT_ASSERT_EQUAL(std::string("ok \xc3\xa9"), sessions.all[0]->messages[0].first);
  }

  void laggingPeerIsDroppedOthersServed()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    ServerOptions so = localOptions();
    so.maxQueuedBytes = 256 * 1024;
    Server server(loop, so);
    Sessions sessions;
    server.webSocket("/ws", "", sessions.acceptor());
    server.start();

    Recorder good;
    WebSocketClient goodClient(loop, clientOptions(url(server, "/ws")), &good);
    goodClient.connect();
    CPPUNIT_ASSERT(runUntil(loop, [&] { return good.opens == 1 && sessions.all.size() == 1; }));

    // A peer with a tiny receive buffer that never reads.
    RawClient lazy;
    std::thread t([&] {
      if (lazy.connect(server.port(), false, 4096)) {
        wsHandshake(lazy, "/ws");
      }
    });
    CPPUNIT_ASSERT(runUntil(loop, [&] { return sessions.all.size() == 2 && sessions.all[1]->opens == 1; }));
    t.join();
    WebSocket& slow = *sessions.sockets[1];
    std::string chunk(32 * 1024, 'q');
    bool refused = false;
    size_t sent = 0;
    for (int i = 0; i < 4000 && !refused; ++i) {
      if (slow.sendText(chunk)) {
        sent += chunk.size();
      }
      else {
        refused = true;
      }
      CPPUNIT_ASSERT(slow.queuedBytes() <= so.maxQueuedBytes);
      loop.runOnce(false);
    }
    CPPUNIT_ASSERT(refused);
    CPPUNIT_ASSERT(runUntil(loop, [&] { return sessions.all[1]->closes == 1; }));
    CPPUNIT_ASSERT_EQUAL(close_code::PolicyViolation, sessions.all[1]->code);
    // The well-behaved client was served all along and still is.
    goodClient.sendText("still here");
    CPPUNIT_ASSERT(runUntil(loop, [&] { return good.messages.size() == 1; }));
    CPPUNIT_ASSERT_EQUAL(std::string("still here"), good.messages[0].first);
    CPPUNIT_ASSERT_EQUAL(0, good.closes);
    CPPUNIT_ASSERT(sent >= so.maxQueuedBytes);
  }

  void pingsKeepAliveAndSilentPeersAreCut()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    ServerOptions so = localOptions();
    so.pingIntervalSeconds = 1;
    Server server(loop, so);
    Sessions sessions;
    server.webSocket("/ws", "", sessions.acceptor());
    server.start();

    // Our client answers pings by itself and stays connected for several intervals.
    Recorder client;
    WebSocketClient ws(loop, clientOptions(url(server, "/ws")), &client);
    ws.connect();
    CPPUNIT_ASSERT(runUntil(loop, [&] { return client.opens == 1; }));

    int pings = 0;
    bool cut = false;
    withClient(loop, [&] {
      RawClient c;
      if (!c.connect(server.port(), false, 0, 8) || wsHandshake(c, "/ws").empty()) {
        return;
      }
      // Answer two pings, then stay silent: the server hangs up.
      while (auto f = readFrame(c)) {
        if (f->opcode == 0x9) {
          if (++pings <= 2) {
            c.send(wsFrame(0xA, f->payload));
          }
          else {
            break;
          }
        }
      }
      cut = c.waitClosed();
    });
    CPPUNIT_ASSERT(pings >= 3);
    CPPUNIT_ASSERT(cut);
    CPPUNIT_ASSERT_EQUAL(0, client.closes);
    CPPUNIT_ASSERT(ws.isOpen());
    ws.sendText("alive");
    CPPUNIT_ASSERT(runUntil(loop, [&] { return client.messages.size() == 1; }));

    // The client's own pings are answered by the server (here one that pings nobody).
    ServerOptions quiet = localOptions();
    quiet.pingIntervalSeconds = 0;
    Server silentServer(loop, quiet);
    Sessions silentSessions;
    silentServer.webSocket("/ws", "", silentSessions.acceptor());
    silentServer.start();
    Recorder pinger;
    ClientOptions po = clientOptions(url(silentServer, "/ws"));
    po.pingIntervalSeconds = 1;
    WebSocketClient pinging(loop, po, &pinger);
    pinging.connect();
    CPPUNIT_ASSERT(runUntil(loop, [&] { return pinger.opens == 1; }));
    talk::test::runFor(loop, 4.5);
    CPPUNIT_ASSERT_MESSAGE(pinger.reason, pinging.isOpen());
    CPPUNIT_ASSERT_EQUAL(0, pinger.closes);
  }

  void clientConnectFailures()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    CPPUNIT_ASSERT_THROW(WebSocketClient(loop, clientOptions("http://127.0.0.1/"), nullptr), talk::ConfigError);
    CPPUNIT_ASSERT_THROW(WebSocketClient(loop, clientOptions("ws://[::1/"), nullptr), talk::ConfigError);
    CPPUNIT_ASSERT_THROW(WebSocketClient(loop, clientOptions("ws://host:99999/"), nullptr), talk::ConfigError);
    ClientOptions badHeader = clientOptions("ws://127.0.0.1:1/");
    badHeader.headers = {{"x-evil", "a\r\nb"}};
    CPPUNIT_ASSERT_THROW(WebSocketClient(loop, badHeader, nullptr), talk::ConfigError);

    // Refused: a port nobody listens on (bound, not listening).
    talk::UniqueFd holder(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(holder.get(), reinterpret_cast<sockaddr*>(&sin), sizeof(sin));
    socklen_t len = sizeof(sin);
    ::getsockname(holder.get(), reinterpret_cast<sockaddr*>(&sin), &len);
    int closedPort = ntohs(sin.sin_port);

    struct InConnect : Recorder
    {
      bool* inside{nullptr};
      bool calledInside{false};
      void onClose(WebSocket& ws) override
      {
        calledInside = calledInside || *inside;
        Recorder::onClose(ws);
      }
    };
    bool inside = false;
    InConnect refused;
    refused.inside = &inside;
    WebSocketClient a(loop, clientOptions("ws://127.0.0.1:" + std::to_string(closedPort) + "/"), &refused);
    inside = true;
    a.connect();
    inside = false;
    CPPUNIT_ASSERT(runUntil(loop, [&] { return refused.closes == 1; }));
    CPPUNIT_ASSERT(!refused.calledInside);
    CPPUNIT_ASSERT_EQUAL(0, refused.opens);
    CPPUNIT_ASSERT_EQUAL(close_code::Abnormal, refused.code);
    CPPUNIT_ASSERT_MESSAGE(refused.reason, refused.reason.find("connect") != std::string::npos);
    CPPUNIT_ASSERT(!a.sendText("nobody"));

    // A server that accepts TCP but never answers the upgrade: the connect timeout.
    talk::UniqueFd mute(::socket(AF_INET, SOCK_STREAM, 0));
    sin.sin_port = 0;
    ::bind(mute.get(), reinterpret_cast<sockaddr*>(&sin), sizeof(sin));
    ::listen(mute.get(), 8);
    len = sizeof(sin);
    ::getsockname(mute.get(), reinterpret_cast<sockaddr*>(&sin), &len);
    Recorder timedOut;
    ClientOptions to = clientOptions("ws://127.0.0.1:" + std::to_string(ntohs(sin.sin_port)) + "/x");
    to.connectTimeoutSeconds = 0.3;
    WebSocketClient b(loop, to, &timedOut);
    b.connect();
    CPPUNIT_ASSERT(runUntil(loop, [&] { return timedOut.closes == 1; }));
    CPPUNIT_ASSERT_EQUAL(std::string("connect timeout"), timedOut.reason);
    CPPUNIT_ASSERT_EQUAL(0, timedOut.opens);
    talk::test::runFor(loop, 0.2); // nothing else arrives for it
    CPPUNIT_ASSERT_EQUAL(1, timedOut.closes);
  }

  void clientMayBeDestroyedInItsCallbacks()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    Server server(loop, localOptions());
    Sessions sessions;
    server.webSocket("/ws", "", sessions.acceptor());
    server.start();

    std::unique_ptr<WebSocketClient> onMessage, onClose;
    Recorder r1, r2;
    r1.onMessageHook = [&](WebSocket&, std::string_view) { onMessage.reset(); };
    onMessage = std::make_unique<WebSocketClient>(loop, clientOptions(url(server, "/ws")), &r1);
    onMessage->connect();
    onMessage->sendText("echo me");
    CPPUNIT_ASSERT(runUntil(loop, [&] { return !onMessage; }));
    CPPUNIT_ASSERT(runUntil(loop, [&] { return sessions.closed() == 1; }));
    CPPUNIT_ASSERT_EQUAL(0, r1.closes); // a destroyed client calls nobody

    struct Dropper : Recorder
    {
      std::unique_ptr<WebSocketClient>* owner{nullptr};
      void onClose(WebSocket& ws) override
      {
        Recorder::onClose(ws);
        owner->reset();
      }
    } dropper;
    dropper.owner = &onClose;
    onClose = std::make_unique<WebSocketClient>(loop, clientOptions(url(server, "/ws")), &dropper);
    onClose->connect();
    CPPUNIT_ASSERT(runUntil(loop, [&] { return dropper.opens == 1 && sessions.all.size() == 2; }));
    sessions.sockets[1]->close(4002, "go");
    CPPUNIT_ASSERT(runUntil(loop, [&] { return !onClose; }));
    CPPUNIT_ASSERT_EQUAL(uint16_t(4002), dropper.code);
    CPPUNIT_ASSERT(runUntil(loop, [&] { return sessions.closed() == 2; }));
  }

  void closeAllAndServerDestruction()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    std::vector<std::unique_ptr<Recorder>> recorders;
    std::vector<std::unique_ptr<WebSocketClient>> clients;
    Sessions sessions;
    {
      Server server(loop, localOptions());
      server.webSocket("/ws", "", sessions.acceptor());
      server.start();
      for (int i = 0; i < 6; ++i) {
        recorders.push_back(std::make_unique<Recorder>());
        clients.push_back(std::make_unique<WebSocketClient>(loop, clientOptions(url(server, "/ws")), recorders.back().get()));
        clients.back()->connect();
      }
      CPPUNIT_ASSERT(runUntil(loop, [&] { return server.webSocketCount() == 6; }));
      // Going away for the first three...
      for (int i = 0; i < 3; ++i) {
        sessions.sockets[static_cast<size_t>(i)]->close(close_code::GoingAway, "restart");
      }
      auto clientCloses = [&] {
        int n = 0;
        for (auto& r : recorders) {
          n += r->closes;
        }
        return n;
      };
      CPPUNIT_ASSERT(runUntil(loop, [&] { return clientCloses() == 3; }));
      for (auto& r : recorders) {
        if (r->closes == 1) {
          CPPUNIT_ASSERT_EQUAL(close_code::GoingAway, r->code);
          CPPUNIT_ASSERT_EQUAL(std::string("restart"), r->reason);
        }
      }
      // ...then for everyone left.
      server.closeAllWebSockets(close_code::GoingAway, "shutdown");
      CPPUNIT_ASSERT(runUntil(loop, [&] { return clientCloses() == 6; }));
      int shutdowns = 0;
      for (auto& r : recorders) {
        shutdowns += r->reason == "shutdown" ? 1 : 0;
      }
      CPPUNIT_ASSERT_EQUAL(3, shutdowns);
      CPPUNIT_ASSERT(runUntil(loop, [&] { return sessions.closed() == 6; }));

      // Open two more and destroy the server under them: their sessions hear nothing.
      recorders[0] = std::make_unique<Recorder>();
      clients[0]->setListener(recorders[0].get());
      clients[0]->connect();
      recorders[1] = std::make_unique<Recorder>();
      clients[1]->setListener(recorders[1].get());
      clients[1]->connect();
      CPPUNIT_ASSERT(runUntil(loop, [&] { return recorders[0]->opens == 1 && recorders[1]->opens == 1 && server.webSocketCount() == 2; }));
    }
    CPPUNIT_ASSERT_EQUAL(6, sessions.closed());
    CPPUNIT_ASSERT(runUntil(loop, [&] { return recorders[0]->closes == 1 && recorders[1]->closes == 1; }));
    CPPUNIT_ASSERT_EQUAL(close_code::Abnormal, recorders[0]->code);
  }

  // Runs in a child process that leaves with _exit: lws 4.1's TLS client leaks OpenSSL
  // objects (certificate stores, found by LeakSanitizer, not yet traced to a cause),
  // which would fail the whole runner at exit. Failures still fail this test.
  void tlsServerAndWssClient()
  {
    std::fflush(nullptr);
    pid_t child = ::fork();
    CPPUNIT_ASSERT(child >= 0);
    if (child == 0) {
      int code = 0;
      try {
        tlsScenario();
      }
      catch (const CppUnit::Exception& e) {
        std::fprintf(stderr, "tls: %s line %d: %s\n", e.sourceLine().fileName().c_str(), e.sourceLine().lineNumber(), e.message().details().c_str());
        code = 1;
      }
      catch (const std::exception& e) {
        std::fprintf(stderr, "tls: %s\n", e.what());
        code = 1;
      }
      std::fflush(nullptr);
      ::_exit(code);
    }
    int status = 0;
    CPPUNIT_ASSERT_EQUAL(child, ::waitpid(child, &status, 0));
    CPPUNIT_ASSERT_MESSAGE("the TLS scenario failed (see stderr)", WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }

  void tlsScenario()
  {
    talk::daemon::LibraryScope scope;
    talk::ev::EventLoop loop;
    talk::test::TempDir dir;
    std::string cert = dir.path() + "/cert.pem";
    std::string key = dir.path() + "/key.pem";
    std::string command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost "
                          "-addext subjectAltName=IP:127.0.0.1 -keyout " + key + " -out " + cert + " >/dev/null 2>&1";
    CPPUNIT_ASSERT_EQUAL(0, std::system(command.c_str()));

    ServerOptions so = localOptions();
    so.tlsCertificateFile = cert;
    so.tlsPrivateKeyFile = key;
    Server server(loop, so);
    Sessions sessions;
    server.webSocket("/ws", "", sessions.acceptor());
    server.handle("GET", "/hello", [](const talk::http::Request&, talk::http::Responder r) { r.send(talk::http::Response::text(200, "tls")); });
    server.start();
    std::string wss = "wss://127.0.0.1:" + std::to_string(server.port()) + "/ws";

    // Verified against the certificate as CA (it names 127.0.0.1).
    Recorder verified;
    ClientOptions vo = clientOptions(wss);
    vo.caFile = cert;
    WebSocketClient a(loop, vo, &verified);
    a.connect();
    CPPUNIT_ASSERT(runUntil(loop, [&] { return verified.opens == 1 || verified.closes == 1; }));
    CPPUNIT_ASSERT_MESSAGE(verified.reason, verified.opens == 1);
    a.sendText("over tls");
    CPPUNIT_ASSERT(runUntil(loop, [&] { return verified.messages.size() == 1; }));
    CPPUNIT_ASSERT_EQUAL(std::string("over tls"), verified.messages[0].first);

    // Not trusted by the system CAs: refused, unless verification is off.
    Recorder untrusted;
    WebSocketClient b(loop, clientOptions(wss), &untrusted);
    b.connect();
    CPPUNIT_ASSERT(runUntil(loop, [&] { return untrusted.closes == 1 || untrusted.opens == 1; }));
    CPPUNIT_ASSERT_EQUAL(0, untrusted.opens);
    Recorder insecure;
    ClientOptions io = clientOptions(wss);
    io.verifyPeer = false;
    WebSocketClient c(loop, io, &insecure);
    c.connect();
    CPPUNIT_ASSERT(runUntil(loop, [&] { return insecure.opens == 1; }));

    // HTTPS with curl.
    std::string out;
    withClient(loop, [&] {
      std::string curl = "curl -sS --max-time 10 --cacert " + cert + " https://127.0.0.1:" + std::to_string(server.port()) + "/hello 2>&1";
      FILE* p = ::popen(curl.c_str(), "r");
      char buffer[256];
      size_t n;
      while (p != nullptr && (n = std::fread(buffer, 1, sizeof(buffer), p)) > 0) {
        out.append(buffer, n);
      }
      if (p != nullptr) {
        ::pclose(p);
      }
    });
    CPPUNIT_ASSERT_EQUAL(std::string("tls"), out);

    ServerOptions missing = localOptions();
    missing.tlsCertificateFile = dir.path() + "/none.pem";
    missing.tlsPrivateKeyFile = key;
    Server broken(loop, missing);
    CPPUNIT_ASSERT_THROW(broken.start(), talk::Error);

    a.close(close_code::Normal, "");
    c.close(close_code::Normal, "");
    CPPUNIT_ASSERT(runUntil(loop, [&] { return verified.closes == 1 && insecure.closes == 1 && server.webSocketCount() == 0; }));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HttpWebSocketTest);
