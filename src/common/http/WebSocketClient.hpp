#pragma once
// A WebSocket client on our libev loop (lws client, sharing one lws context per loop).
// talk-signaling drives Janus / talk-sfu with it; tools and tests talk to signaling.
// Host names are resolved by lws with a blocking getaddrinfo (lws 4.1 has no async DNS
// in Debian's build): use IP literals or names in /etc/hosts for anything on a hot loop.
#include "common/ev/EventLoop.hpp"
#include "common/http/WebSocket.hpp"

#include <cstddef>
#include <memory>
#include <string>

namespace talk::http {

struct ClientOptions
{
  // ws://host[:port]/path?query or wss://...; IPv6 literal as ws://[::1]:8080/.
  std::string url;
  std::string subprotocol;        // offered Sec-WebSocket-Protocol, "" = none
  HeaderList headers;             // extra handshake headers (e.g. user-agent, authorization)
  double connectTimeoutSeconds{10}; // TCP + TLS + upgrade must complete within this
  size_t maxMessageBytes{1 << 20};  // bigger incoming messages close with 1009
  size_t maxQueuedBytes{4 << 20};   // outbound queue bound (as on the server)
  unsigned pingIntervalSeconds{30}; // 0 disables keepalive pings
  // wss: CA bundle to verify the server with ("" = system default). verifyPeer = false
  // accepts any certificate (tests, self-signed development setups only).
  std::string caFile;
  bool verifyPeer{true};
};

class WebSocketClient : public WebSocket
{
public:
  // Throws ConfigError for a malformed URL.
  WebSocketClient(ev::EventLoop& loop, ClientOptions options, WebSocket::Listener* listener);
  // Drops the connection without calling the listener.
  ~WebSocketClient() override;
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;

  // Starts connecting (again, after onClose); onOpen follows on success. A failure to connect arrives as onClose with
  // close_code::Abnormal and the cause in closeReason(). Messages may be queued before
  // onOpen. Throws talk::Error if lws cannot be set up at all.
  void connect();

  void setListener(Listener* listener) override;
  bool sendText(std::string_view payload) override;
  bool sendBinary(std::string_view payload) override;
  void close(uint16_t code, std::string_view reason) override;
  const Request& upgradeRequest() const override;
  size_t queuedBytes() const override;
  bool isOpen() const override;
  uint16_t closeCode() const override;
  const std::string& closeReason() const override;

  const ClientOptions& options() const;

  struct Impl;

private:
  std::unique_ptr<Impl> d_impl;
};

}
