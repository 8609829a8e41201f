#pragma once
// WebRTC data channels (RFC 8831): one SCTP association (usrsctp, AF_CONN: we carry its
// packets over DTLS ourselves) plus DCEP (RFC 8832) channel open/ack. Ordered and
// unordered reliable channels; string and binary messages up to maxMessageSize.
//
// usrsctp runs without its own threads (usrsctp_init_nothreads, TransportLibraryScope):
// its timers are driven from a libev Timer on the loop of the associations, and every
// callback happens synchronously inside our calls on that loop thread. All associations
// of a process must therefore live on one loop.
//
// Stream ids follow RFC 8832 §6: the DTLS client opens even ids, the server odd ones.
// A Listener must not destroy the association from inside a callback (defer it).
#include "common/ev/EventLoop.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct socket;

namespace talk::rtc {

class SctpAssociation
{
public:
  struct Config
  {
    uint16_t localPort{5000};  // a=sctp-port (ours)
    uint16_t remotePort{5000}; // a=sctp-port (peer's)
    // Largest message we accept and send (a=max-message-size); 256 KiB as Firefox/Chrome.
    size_t maxMessageSize{262144};
    // Our DTLS role decides which stream ids we open (client even, server odd).
    bool dtlsClient{false};
  };

  struct Channel
  {
    uint16_t streamId{0};
    std::string label;
    std::string protocol;
    bool ordered{true};
    bool open{false}; // acked (ours) or announced (peer's)
  };

  class Listener
  {
  public:
    virtual ~Listener() = default;
    // One SCTP packet to send over DTLS.
    virtual void onSctpSendPacket(SctpAssociation& sctp, std::span<const uint8_t> packet) = 0;
    // Association up: channels can be opened.
    virtual void onSctpConnected(SctpAssociation& sctp) = 0;
    // Association lost (peer abort/shutdown, or connect failure).
    virtual void onSctpClosed(SctpAssociation& sctp) = 0;
    // A channel became usable: peer's DATA_CHANNEL_OPEN received, or our open acked.
    virtual void onDataChannelOpen(SctpAssociation& sctp, const Channel& channel) = 0;
    virtual void onDataChannelMessage(SctpAssociation& sctp, const Channel& channel,
                                      std::span<const uint8_t> message, bool binary) = 0;
    // The peer reset the channel's stream.
    virtual void onDataChannelClosed(SctpAssociation& sctp, const Channel& channel) = 0;
  };

  // Throws talk::Error if usrsctp refuses the socket.
  SctpAssociation(ev::EventLoop& loop, const Config& config, Listener* listener);
  ~SctpAssociation();
  SctpAssociation(const SctpAssociation&) = delete;
  SctpAssociation& operator=(const SctpAssociation&) = delete;

  // Starts the association (both WebRTC peers connect; SCTP resolves the collision). Call
  // when DTLS is connected.
  void connect();
  // An SCTP packet that DTLS decrypted.
  void handlePacket(std::span<const uint8_t> packet) noexcept;

  // Opens a channel (DCEP open); returns its stream id, or nullopt if not connected or no
  // stream id is free. Messages may be sent right away (RFC 8832 §6: ordered until acked).
  std::optional<uint16_t> openChannel(std::string_view label, bool ordered = true,
                                      std::string_view protocol = {});
  // Sends one message on an open channel; false if unknown channel, too large, or the send
  // buffer is full (the message is dropped, never queued without bound).
  bool send(uint16_t streamId, std::span<const uint8_t> message, bool binary) noexcept;
  // Resets the channel's stream (the peer sees the channel close).
  void closeChannel(uint16_t streamId);

  // usrsctp's AF_CONN output callback (TransportLibraryScope registers it process-wide).
  static int onOutput(void* address, void* buffer, size_t length, uint8_t tos, uint8_t setDf);

  bool connected() const { return d_connected; }
  const Channel* channel(uint16_t streamId) const;
  const Channel* channelByLabel(std::string_view label) const;
  size_t maxMessageSize() const { return d_config.maxMessageSize; }
  void setRemoteMaxMessageSize(size_t size) { d_remoteMaxMessageSize = size; }

private:
  class Stack;
  friend class Stack;

  static void onUpcall(struct socket* sock, void* arg, int flags);
  void drain() noexcept;
  void handleNotification(std::span<const uint8_t> data);
  void handleMessage(uint16_t streamId, uint32_t ppid, std::span<const uint8_t> data);
  void handleDcep(uint16_t streamId, std::span<const uint8_t> data);
  bool sendRaw(uint16_t streamId, uint32_t ppid, bool unordered, std::span<const uint8_t> data);
  void resetStream(uint16_t streamId);
  void setClosed();

  // Passed by argument (not owned)
  Listener* d_listener;
  // Owned
  struct socket* d_socket{nullptr}; // closed in the destructor
  // State
  Config d_config;
  size_t d_remoteMaxMessageSize{262144};
  bool d_connected{false};
  bool d_closed{false};
  bool d_readPending{false};
  std::map<uint16_t, Channel> d_channels;
  uint16_t d_nextStreamId;
  std::vector<uint8_t> d_partial; // a message spanning several reads
  bool d_partialOversized{false}; // skipping the rest of a message over the limit
};

}
