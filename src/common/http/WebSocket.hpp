#pragma once
// One WebSocket connection, accepted by a Server or opened by a WebSocketClient. Loop
// thread only. Outbound messages wait in a bounded queue and go out one frame per
// writable event; a peer that stops reading is dropped once the queue is over its bound
// (send* returns false), while every other connection keeps being served.
#include "common/http/Message.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace talk::http {

// RFC 6455 §7.4.1 close codes we use.
namespace close_code {
constexpr uint16_t Normal = 1000;
constexpr uint16_t GoingAway = 1001;
constexpr uint16_t ProtocolError = 1002;
constexpr uint16_t NoStatus = 1005;   // the peer's close frame had no code
constexpr uint16_t Abnormal = 1006;   // no close frame (connection lost, connect failed)
constexpr uint16_t InvalidData = 1007; // e.g. invalid UTF-8 in a text frame
constexpr uint16_t PolicyViolation = 1008; // e.g. we dropped a lagging peer
constexpr uint16_t TooBig = 1009;
constexpr uint16_t InternalError = 1011;
}

class WebSocket
{
public:
  class Listener
  {
  public:
    // The upgrade completed (server: the 101 went out; client: the server accepted).
    // Messages queued before this go out now.
    virtual void onOpen(WebSocket& /*socket*/) {}
    // A complete message (fragments reassembled). binary: it came in binary frames; text
    // frames are valid UTF-8 (checked by lws). payload is valid during the call only.
    virtual void onMessage(WebSocket& socket, std::string_view payload, bool binary) = 0;
    // The connection is gone (closeCode()/closeReason() say why). Called once; the
    // WebSocket is destroyed right after (server side) or may be reconnected (client).
    virtual void onClose(WebSocket& socket) = 0;

  protected:
    ~Listener() = default;
  };

  virtual ~WebSocket() = default;

  virtual void setListener(Listener* listener) = 0;
  // Queues one message. False when the connection is closing or closed, or when the
  // message would take the queue over its bound: then the connection is dropped (close
  // code 1008 locally, onClose follows from the loop).
  virtual bool sendText(std::string_view payload) = 0;
  virtual bool sendBinary(std::string_view payload) = 0;
  // Sends a close frame after the queued messages; the connection is cut if the peer does
  // not complete the closing handshake within a few seconds. onClose follows.
  virtual void close(uint16_t code, std::string_view reason) = 0;

  // The HTTP upgrade request (server side: as received; client side: as sent).
  virtual const Request& upgradeRequest() const = 0;
  virtual size_t queuedBytes() const = 0;
  virtual bool isOpen() const = 0;
  // Valid in and after onClose: the code the peer sent (or we sent, if we closed first),
  // close_code::Abnormal if the connection just ended.
  virtual uint16_t closeCode() const = 0;
  virtual const std::string& closeReason() const = 0;
};

}
