#pragma once
// How to reach the bus. url "loopback" selects the in-process LoopbackBus.
#include <chrono>
#include <string>

namespace talk::nats {

struct BusConfig
{
  // "loopback", or one or more comma-separated nats://host:port (tls://… for TLS).
  std::string url{"loopback"};
  // Connection name shown by the server (monitoring).
  std::string name;
  // At most one authentication method: token, user+password, or a .creds file.
  std::string token;
  std::string user;
  std::string password;
  std::string credentialsFile;
  // CA bundle for TLS; setting it turns TLS on.
  std::string tlsCa;
  bool tls{false};
  // Bound on the initial connect (TCP + handshake) and on each reconnect attempt.
  std::chrono::milliseconds connectTimeout{2000};
  // Back-off between reconnect rounds, plus a random jitter up to reconnectJitter.
  std::chrono::milliseconds reconnectWait{1000};
  std::chrono::milliseconds reconnectJitter{500};
  // Bytes published while disconnected that are kept and sent after the reconnect.
  int reconnectBufferBytes{8 * 1024 * 1024};
  // Server liveness check; a dead TCP peer is noticed after about 2 intervals.
  std::chrono::milliseconds pingInterval{20000};
  // Only for LoopbackBus: its max payload (nats-server's default).
  size_t loopbackMaxPayload{1024 * 1024};
};

}
