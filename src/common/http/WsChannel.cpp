#define TLOG_COMPONENT "http"
#include "common/http/WsChannel.hpp"

#include "common/http/LwsContext.hpp"
#include "common/log/Logger.hpp"

#include <cstring>
#include <libwebsockets.h>

namespace talk::http::detail {

namespace {
// RFC 6455 §5.5: control frame payloads are at most 125 bytes, two of them the code.
constexpr size_t MaxCloseReason = 123;
// How long a closing handshake may take before the connection is cut.
constexpr int CloseTimeoutSeconds = 5;
}

WsChannel::WsChannel(size_t maxMessageBytes, size_t maxQueuedBytes, Reaper& reaper) :
  d_maxMessageBytes(maxMessageBytes), d_maxQueuedBytes(maxQueuedBytes), d_reaper(reaper)
{
}

void WsChannel::setOpen()
{
  d_open = true;
  if ((d_head < d_queue.size() || d_closing) && d_wsi != nullptr) {
    lws_callback_on_writable(d_wsi);
  }
}

bool WsChannel::send(std::string_view payload, bool binary)
{
  if (d_closing || d_closed) {
    return false;
  }
  if (d_queuedBytes + payload.size() > d_maxQueuedBytes) {
    drop();
    return false;
  }
  Frame frame{std::string(LWS_PRE + payload.size(), '\0'), binary};
  std::memcpy(frame.bytes.data() + LWS_PRE, payload.data(), payload.size());
  d_queue.push_back(std::move(frame));
  d_queuedBytes += payload.size();
  if (d_open && d_wsi != nullptr) {
    lws_callback_on_writable(d_wsi);
  }
  return true;
}

void WsChannel::close(uint16_t code, std::string_view reason)
{
  if (d_closing || d_closed) {
    return;
  }
  d_closing = true;
  d_localCode = code;
  d_localReason = std::string(reason.substr(0, MaxCloseReason));
  if (!d_codeKnown) {
    d_codeKnown = true;
    d_closeCode = code;
    d_closeReason = d_localReason;
  }
  if (d_wsi != nullptr) {
    // The close frame follows the queued messages; a peer that never reads is cut.
    d_reaper.kill(d_wsi, CloseTimeoutSeconds);
    if (d_open) {
      lws_callback_on_writable(d_wsi);
    }
  }
}

void WsChannel::drop()
{
  TLOG_NOTICE("dropping websocket peer that does not read queued=%zu limit=%zu", d_queuedBytes, d_maxQueuedBytes);
  d_closing = true;
  d_dropped = true;
  if (!d_codeKnown) {
    d_codeKnown = true;
    d_closeCode = close_code::PolicyViolation;
    d_closeReason = "send queue full";
  }
  clearQueue();
  if (d_wsi != nullptr) {
    // It does not read, so a close frame would not get through either.
    d_reaper.kill(d_wsi, 0);
  }
}

void WsChannel::clearQueue()
{
  d_queue.clear();
  d_queue.shrink_to_fit();
  d_head = 0;
  d_queuedBytes = 0;
}

int WsChannel::onWritable()
{
  if (d_closed || d_dropped || d_wsi == nullptr) {
    return 0; // a dropped peer is cut by the pending kill, not by a close frame
  }
  if (d_head < d_queue.size()) {
    Frame frame = std::move(d_queue[d_head]);
    ++d_head;
    if (d_head == d_queue.size()) {
      d_queue.clear();
      d_head = 0;
    }
    size_t n = frame.bytes.size() - LWS_PRE;
    d_queuedBytes -= n;
    int written = lws_write(d_wsi, reinterpret_cast<unsigned char*>(frame.bytes.data()) + LWS_PRE, n, frame.binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
    if (written < static_cast<int>(n)) {
      return -1;
    }
    if (d_head < d_queue.size() || d_closing) {
      lws_callback_on_writable(d_wsi);
    }
    return 0;
  }
  if (d_closing && !d_closeFrameSent) {
    d_closeFrameSent = true;
    lws_close_reason(d_wsi, static_cast<enum lws_close_status>(d_localCode),
                     reinterpret_cast<unsigned char*>(d_localReason.data()), d_localReason.size());
    return -1;
  }
  return 0;
}

int WsChannel::onReceive(WebSocket& socket, WebSocket::Listener* listener, const void* in, size_t len)
{
  if (d_closing || d_closed || d_wsi == nullptr) {
    return 0; // we are leaving; what the peer still says is of no use
  }
  const bool first = lws_is_first_fragment(d_wsi) != 0;
  const bool final = lws_is_final_fragment(d_wsi) != 0;
  if (first) {
    d_partial.clear();
    d_partialBinary = lws_frame_is_binary(d_wsi) != 0;
  }
  // Count the rest of this frame too, so a huge frame is refused at its first bytes.
  size_t total = d_partial.size() + len + lws_remaining_packet_payload(d_wsi);
  if (total > d_maxMessageBytes) {
    TLOG_NOTICE("websocket message too big bytes>=%zu limit=%zu, closing with 1009", total, d_maxMessageBytes);
    d_closing = true;
    d_closeFrameSent = true;
    if (!d_codeKnown) {
      d_codeKnown = true;
      d_closeCode = close_code::TooBig;
      d_closeReason = "message too big";
    }
    d_partial.clear();
    d_partial.shrink_to_fit();
    clearQueue();
    // The rest of the stream is unparseable, so the peer's close frame may never be seen.
    d_reaper.kill(d_wsi, CloseTimeoutSeconds);
    static const char Reason[] = "message too big";
    lws_close_reason(d_wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, reinterpret_cast<unsigned char*>(const_cast<char*>(Reason)), sizeof(Reason) - 1);
    return -1;
  }
  if (final && d_partial.empty()) {
    // The common case: a whole message in one piece, delivered without a copy.
    if (listener != nullptr) {
      listener->onMessage(socket, std::string_view(static_cast<const char*>(in), len), d_partialBinary);
    }
    return 0; // the listener may have destroyed this channel
  }
  d_partial.append(static_cast<const char*>(in), len);
  if (!final) {
    return 0;
  }
  std::string message;
  message.swap(d_partial);
  if (listener != nullptr) {
    listener->onMessage(socket, message, d_partialBinary);
  }
  return 0;
}

void WsChannel::onPeerClose(const void* in, size_t len)
{
  if (d_codeKnown) {
    return; // we closed first; keep our code
  }
  d_codeKnown = true;
  const auto* bytes = static_cast<const unsigned char*>(in);
  if (len >= 2) {
    d_closeCode = static_cast<uint16_t>((bytes[0] << 8) | bytes[1]);
    d_closeReason.assign(reinterpret_cast<const char*>(bytes) + 2, len - 2);
  }
  else {
    d_closeCode = close_code::NoStatus;
    d_closeReason.clear();
  }
}

bool WsChannel::markClosed()
{
  if (d_closed) {
    return false;
  }
  d_closed = true;
  d_open = false;
  clearQueue();
  d_partial.clear();
  d_partial.shrink_to_fit();
  return true;
}

}
