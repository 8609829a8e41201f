// Two WebRtcTransports in one process, the "client" one forced through a TURN relay
// (libnice relay info, REST credentials), the other a plain host-candidate peer, as the SFU
// sees a client behind TURN. Passes (exit 0) when ICE selects a relayed pair, DTLS and SRTP
// come up, N RTP packets arrive each way and a data channel message crosses each way.
//
// usage: rtc-transport-probe --server IP --port N --user U --password P
//                            [--transport udp|tcp|tls] [--packets N] [--timeout S]
#include "common/ev/GlibContextBridge.hpp"
#include "common/ev/Watchers.hpp"
#include "rtc/transport/TransportLibraryScope.hpp"
#include "rtc/transport/WebRtcTransport.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace talk;
using namespace talk::rtc;

namespace {

struct Side : WebRtcTransport::Listener
{
  const char* name;
  WebRtcTransport* peer = nullptr;
  bool connected = false;
  std::string failure;
  size_t rtp = 0;
  size_t messages = 0;
  std::optional<uint16_t> channel;

  explicit Side(const char* n) :
    name(n) {}
  void onLocalCandidate(WebRtcTransport& /*t*/, const std::string& c) override
  {
    std::printf("%s candidate %s\n", name, c.c_str());
    peer->addRemoteCandidate(c);
  }
  void onGatheringDone(WebRtcTransport& /*t*/) override { peer->remoteGatheringDone(); }
  void onConnected(WebRtcTransport& /*t*/) override { connected = true; }
  void onDisconnected(WebRtcTransport& /*t*/) override {}
  void onFailed(WebRtcTransport& /*t*/, const char* reason) override { failure = reason; }
  void onRtp(WebRtcTransport& /*t*/, std::span<uint8_t> /*packet*/) override { ++rtp; }
  void onRtcp(WebRtcTransport& /*t*/, std::span<uint8_t> /*packet*/) override {}
  void onDataChannelOpen(WebRtcTransport& /*t*/, uint16_t id, const std::string& /*label*/) override { channel = id; }
  void onDataChannelMessage(WebRtcTransport& /*t*/, uint16_t /*id*/, std::span<const uint8_t> /*m*/, bool /*b*/) override
  {
    ++messages;
  }
};

struct Deadline : ev::Timer::Listener
{
  bool expired = false;
  void onTimer(ev::Timer& /*t*/) override { expired = true; }
};

[[noreturn]] void usage()
{
  std::fprintf(stderr, "usage: rtc-transport-probe --server IP --port N --user U --password P "
                       "[--transport udp|tcp|tls] [--packets N] [--timeout S]\n");
  std::exit(2);
}

}

int main(int argc, char** argv)
{
  TurnServer turn;
  size_t packets = 50;
  double timeout = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const std::string value = argv[i + 1];
    if (key == "--server") {
      turn.ip = value;
    }
    else if (key == "--port") {
      turn.port = static_cast<uint16_t>(std::atoi(value.c_str()));
    }
    else if (key == "--user") {
      turn.username = value;
    }
    else if (key == "--password") {
      turn.password = value;
    }
    else if (key == "--transport") {
      turn.transport = value == "tcp"   ? TurnServer::Transport::Tcp
                       : value == "tls" ? TurnServer::Transport::Tls
                                        : TurnServer::Transport::Udp;
    }
    else if (key == "--packets") {
      packets = std::strtoul(value.c_str(), nullptr, 10);
    }
    else if (key == "--timeout") {
      timeout = std::atof(value.c_str());
    }
    else {
      usage();
    }
  }
  if (turn.ip.empty() || turn.username.empty()) {
    usage();
  }

  TransportLibraryScope scope;
  ev::EventLoop loop;
  ev::GlibContextBridge bridge(loop);
  auto certificate = DtlsCertificate::generate();

  WebRtcTransportConfig clientConfig;
  clientConfig.ice.controlling = true;
  clientConfig.ice.bindAddresses = {"127.0.0.1"};
  clientConfig.ice.turnServers = {turn};
  clientConfig.ice.forceRelay = true;
  clientConfig.dataChannels = true;
  WebRtcTransportConfig serverConfig;
  serverConfig.ice.bindAddresses = {"127.0.0.1"};
  serverConfig.dataChannels = true;

  Side client("client"), server("server");
  WebRtcTransport tc(bridge, *certificate, clientConfig, &client);
  WebRtcTransport ts(bridge, *certificate, serverConfig, &server);
  client.peer = &ts;
  server.peer = &tc;
  tc.gatherCandidates();
  ts.gatherCandidates();
  RemoteParameters forClient{ts.localCredentials(), "sha-256", ts.fingerprint(), DtlsRole::Client, {}, {}};
  RemoteParameters forServer{tc.localCredentials(), "sha-256", tc.fingerprint(), DtlsRole::Server, {}, {}};
  if (!tc.setRemoteParameters(forClient) || !ts.setRemoteParameters(forServer)) {
    std::fprintf(stderr, "remote parameters refused\n");
    return 1;
  }

  Deadline deadline;
  ev::Timer limit(loop, &deadline);
  limit.start(timeout);
  const auto runUntil = [&](const auto& done) {
    while (!done() && !deadline.expired && client.failure.empty() && server.failure.empty()) {
      loop.runOnce(true);
    }
    return done();
  };

  if (!runUntil([&] { return client.connected && server.connected; })) {
    std::fprintf(stderr, "not connected: client=%s server=%s\n", client.failure.c_str(), server.failure.c_str());
    return 1;
  }
  const std::string pair = tc.selectedPairDescription();
  std::printf("selected %s\n", pair.c_str());
  if (pair.find("relay") == std::string::npos) {
    std::fprintf(stderr, "selected pair is not relayed\n");
    return 1;
  }
  std::vector<uint8_t> buffer(1200 + WebRtcTransport::SendOverhead);
  for (size_t i = 0; i < packets; ++i) {
    std::memset(buffer.data(), 0x11, buffer.size());
    buffer[0] = 0x80;
    buffer[1] = 96;
    buffer[2] = static_cast<uint8_t>(i >> 8);
    buffer[3] = static_cast<uint8_t>(i);
    tc.sendRtp(buffer, 1200);
    std::memset(buffer.data(), 0x22, buffer.size());
    buffer[0] = 0x80;
    buffer[1] = 111;
    buffer[2] = static_cast<uint8_t>(i >> 8);
    buffer[3] = static_cast<uint8_t>(i);
    buffer[8] = 1;
    ts.sendRtp(buffer, 200);
    // Let the relay keep up instead of overflowing socket buffers in one burst.
    loop.runOnce(false);
  }
  runUntil([&] { return client.rtp >= packets && server.rtp >= packets; });
  std::printf("rtp client->server %zu/%zu server->client %zu/%zu\n", server.rtp, packets, client.rtp, packets);

  std::optional<uint16_t> id;
  runUntil([&] {
    if (!id) {
      id = ts.openDataChannel("status");
    }
    return id.has_value() && client.channel.has_value();
  });
  if (id && client.channel) {
    ts.sendData(*id, R"({"type":"speaking"})");
    tc.sendData(*client.channel, R"({"type":"stoppedSpeaking"})");
  }
  runUntil([&] { return client.messages >= 1 && server.messages >= 1; });
  std::printf("data client->server %zu server->client %zu\n", server.messages, client.messages);
  // Loss through a loaded relay on loopback is possible but rare; demand 90 %.
  const bool ok = server.rtp * 10 >= packets * 9 && client.rtp * 10 >= packets * 9 && client.messages >= 1 &&
                  server.messages >= 1;
  tc.close();
  ts.close();
  for (int i = 0; i < 5; ++i) {
    loop.runOnce(false);
  }
  return ok ? 0 : 1;
}
