#pragma once
// Internal: the message layer of one lws WebSocket connection, shared by the server's
// connections and WebSocketClient: reassembles fragmented messages up to a bound, keeps
// the bounded outbound queue (frames stored with LWS_PRE headroom, one written per
// writable callback), and tracks the closing handshake. Loop thread only.
#include "common/http/WebSocket.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct lws;

namespace talk::http::detail {

class Reaper;

class WsChannel
{
public:
  // reaper closes connections that will not close by themselves.
  WsChannel(size_t maxMessageBytes, size_t maxQueuedBytes, Reaper& reaper);

  void attach(struct lws* wsi) { d_wsi = wsi; }
  void detach() { d_wsi = nullptr; }
  struct lws* wsi() const { return d_wsi; }

  // The upgrade completed: queued frames may go out.
  void setOpen();
  bool isOpen() const { return d_open && !d_closing && !d_closed; }
  bool closed() const { return d_closed; }

  bool send(std::string_view payload, bool binary);
  void close(uint16_t code, std::string_view reason);
  size_t queuedBytes() const { return d_queuedBytes; }

  // lws callback handlers; each returns what the callback returns (0, or -1 to close).
  int onWritable();
  // Delivers a complete message to listener (if any). The listener may destroy the owner
  // of this channel: check liveness() before touching it afterwards.
  int onReceive(WebSocket& socket, WebSocket::Listener* listener, const void* in, size_t len);
  void onPeerClose(const void* in, size_t len);
  // The connection is gone; true the first time (the owner then calls onClose).
  bool markClosed();

  uint16_t closeCode() const { return d_closeCode; }
  const std::string& closeReason() const { return d_closeReason; }
  // Expires when the channel is destroyed.
  std::weak_ptr<void> liveness() const { return d_life; }

private:
  void drop();
  void clearQueue();

  struct Frame
  {
    std::string bytes; // LWS_PRE bytes of headroom, then the payload
    bool binary;
  };

  // Set from the outside
  const size_t d_maxMessageBytes;
  const size_t d_maxQueuedBytes;
  Reaper& d_reaper;
  struct lws* d_wsi{nullptr}; // not owned
  // State
  std::vector<Frame> d_queue; // d_queue[d_head...] are pending
  size_t d_head{0};
  size_t d_queuedBytes{0};
  std::string d_partial; // a fragmented message being reassembled
  bool d_partialBinary{false};
  bool d_open{false};
  bool d_closing{false};     // close() or a drop: no more sends
  bool d_dropped{false};     // cut without a closing handshake (the reaper closes it)
  bool d_closeFrameSent{false};
  bool d_closed{false};
  bool d_codeKnown{false};
  uint16_t d_closeCode{close_code::Abnormal};
  uint16_t d_localCode{close_code::Normal};
  std::string d_closeReason;
  std::string d_localReason;
  std::shared_ptr<char> d_life{std::make_shared<char>()};
};

}
