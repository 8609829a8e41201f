#pragma once
// One WebRTC PeerConnection's transport, BUNDLE + rtcp-mux: an IceAgent (one component), a
// DtlsTransport on it, two SrtpSessions keyed by DTLS-SRTP, and optionally an
// SctpAssociation (data channels) over DTLS. Incoming packets are demultiplexed by their
// first byte (RFC 7983) and, for RTP/RTCP, decrypted in place in libnice's receive buffer
// before the Listener sees them.
//
// Life cycle (what an SFU does with it):
//   1. construct (config: ICE mode/addresses, data channel on/off); gatherCandidates()
//   2. signal localCredentials(), fingerprint(), candidates (onLocalCandidate /
//      localCandidates()) and, in an answer, dtlsSetupForRole(role)
//   3. setRemoteParameters() from the peer's SDP, addRemoteCandidate() as they trickle in
//   4. onConnected: ICE + DTLS up, SRTP keyed; sendRtp/sendRtcp/onRtp/onRtcp flow. With a
//      data channel, onDataChannelOpen follows when the peer (or we) open one.
//
// Hot path (sendRtp, sendRtcp, received media): no allocation, no copy besides SRTP's in-place
// transform; one libnice send call per packet (sendRtpBatch: one per batch).
//
// Loop thread only. Listener callbacks are synchronous; a Listener must not destroy the
// transport inside one (defer to the next loop iteration, e.g. with a zero Timer).
#include "common/ev/GlibContextBridge.hpp"
#include "rtc/transport/DtlsCertificate.hpp"
#include "rtc/transport/DtlsTransport.hpp"
#include "rtc/transport/IceAgent.hpp"
#include "rtc/transport/SctpAssociation.hpp"
#include "rtc/transport/SrtpSession.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace talk::rtc {

struct WebRtcTransportConfig
{
  IceConfig ice;
  // m=application … webrtc-datachannel negotiated?
  bool dataChannels{false};
  SctpAssociation::Config sctp; // dtlsClient is filled in from the DTLS role
  // Once connected, fail when nothing (RTP, RTCP, DTLS) arrived for this long; 0 = never.
  // ICE-lite agents send no consent checks of their own, so this is how a lite SFU notices
  // a browser that vanished (browsers send RTCP every few seconds on every live m-line).
  double inactivityTimeout{30.0};
};

struct RemoteParameters
{
  IceCredentials ice;                          // a=ice-ufrag / a=ice-pwd
  std::string fingerprintAlgorithm{"sha-256"}; // a=fingerprint:<algorithm> <value>
  std::string fingerprint;
  DtlsRole localRole{DtlsRole::Server}; // see dtlsRoleFromRemoteSetup()
  std::optional<uint16_t> sctpPort;     // a=sctp-port
  std::optional<size_t> maxMessageSize; // a=max-message-size
};

class WebRtcTransport : private IceAgent::Listener,
                        private DtlsTransport::Listener,
                        private SctpAssociation::Listener,
                        private ev::Timer::Listener
{
public:
  enum class State : uint8_t
  {
    New,
    Connecting,   // ICE checking or DTLS handshaking
    Connected,    // ICE connected, DTLS verified, SRTP keyed
    Disconnected, // ICE lost the path after being connected (may come back)
    Failed,       // ICE failed / consent lost / DTLS failed: the PeerConnection is dead
    Closed,
  };

  class Listener
  {
  public:
    virtual ~Listener() = default;
    virtual void onLocalCandidate(WebRtcTransport& transport, const std::string& candidate) = 0;
    virtual void onGatheringDone(WebRtcTransport& transport) = 0;
    virtual void onConnected(WebRtcTransport& transport) = 0;
    // ICE disconnected after being connected; onConnected follows if it recovers.
    virtual void onDisconnected(WebRtcTransport& transport) = 0;
    virtual void onFailed(WebRtcTransport& transport, const char* reason) = 0;
    // Decrypted RTP/RTCP (RTCP may be compound). The buffer is writable and valid during
    // the call only.
    virtual void onRtp(WebRtcTransport& transport, std::span<uint8_t> packet) = 0;
    virtual void onRtcp(WebRtcTransport& transport, std::span<uint8_t> packet) = 0;
    virtual void onDataChannelOpen(WebRtcTransport& transport, uint16_t streamId,
                                   const std::string& label) = 0;
    virtual void onDataChannelMessage(WebRtcTransport& transport, uint16_t streamId,
                                      std::span<const uint8_t> message, bool binary) = 0;
    // The peer closed a channel (stream reset).
    virtual void onDataChannelClosed(WebRtcTransport& /*transport*/, uint16_t /*streamId*/) {}
  };

  // Bytes of headroom a caller leaves after a packet for sendRtp/sendRtcp.
  static constexpr size_t SendOverhead = SrtpSession::MaxOverhead;

  // Throws talk::Error if ICE cannot be set up. The certificate must outlive the transport.
  WebRtcTransport(ev::GlibContextBridge& bridge, const DtlsCertificate& certificate,
                  const WebRtcTransportConfig& config, Listener* listener);
  ~WebRtcTransport() override;
  WebRtcTransport(const WebRtcTransport&) = delete;
  WebRtcTransport& operator=(const WebRtcTransport&) = delete;

  // Local parameters to signal.
  const IceCredentials& localCredentials() const { return d_ice.localCredentials(); }
  const std::string& fingerprint() const { return d_certificate.fingerprint(); }
  bool iceLite() const { return d_ice.lite(); }
  const std::vector<std::string>& localCandidates() const { return d_ice.localCandidates(); }

  void gatherCandidates() { d_ice.gatherCandidates(); }
  void setIceControlling(bool controlling) { d_ice.setControlling(controlling); }

  // From the peer's SDP. A second call with new ICE credentials is a peer ICE restart;
  // a different fingerprint or role is refused (false): create a new transport instead.
  bool setRemoteParameters(const RemoteParameters& remote);
  bool addRemoteCandidate(std::string_view candidate) { return d_ice.addRemoteCandidate(candidate); }
  void remoteGatheringDone() { d_ice.remoteGatheringDone(); }
  // Our ICE restart: new local credentials (signal them), keeps DTLS/SRTP.
  void restartIce() { d_ice.restart(); }

  // Protects buffer[0, length) in place (buffer must have SendOverhead spare bytes after
  // it) and sends it. false if not connected or the packet could not be protected/sent.
  bool sendRtp(std::span<uint8_t> buffer, size_t length) noexcept;
  bool sendRtcp(std::span<uint8_t> buffer, size_t length) noexcept;

  // One packet of a batch: buffer[0, length) is the plain RTP packet, with SendOverhead
  // spare bytes after it; on return `length` is the protected length.
  struct OutgoingPacket
  {
    std::span<uint8_t> buffer;
    size_t length{0};
  };
  // Protects every packet in place and hands them to libnice in batches (one
  // nice_agent_send_messages_nonblocking, i.e. one sendmmsg, per 64 packets). Returns how
  // many were sent; packets that failed to protect are skipped.
  size_t sendRtpBatch(std::span<OutgoingPacket> packets) noexcept;

  // Data channels (dataChannels = true): open one toward the peer (returns its stream id
  // once SCTP is up, nullopt before) and send on it.
  std::optional<uint16_t> openDataChannel(std::string_view label, bool ordered = true);
  bool sendData(uint16_t streamId, std::span<const uint8_t> message, bool binary) noexcept;
  bool sendData(uint16_t streamId, std::string_view text) noexcept;
  // Stream id of an open channel by label ("status"), nullopt if none.
  std::optional<uint16_t> dataChannelByLabel(std::string_view label) const;

  // Closes DTLS (close_notify) and ICE; no callbacks afterwards.
  void close();

  State state() const { return d_state; }
  IceAgent::State iceState() const { return d_ice.state(); }
  std::optional<SrtpProfile> srtpProfile() const;
  std::string selectedPairDescription() const { return d_ice.selectedPairDescription(); }

  struct Stats
  {
    uint64_t rtpReceived{0};
    uint64_t rtcpReceived{0};
    uint64_t rtpSent{0};
    uint64_t rtcpSent{0};
    uint64_t unprotectFailures{0}; // auth/replay failures (dropped)
    uint64_t sendFailures{0};
    uint64_t unknownPackets{0}; // demux found nothing, or media before keys
  };
  const Stats& stats() const { return d_stats; }

private:
  // IceAgent::Listener
  void onIceLocalCandidate(IceAgent& agent, const std::string& candidate) override;
  void onIceGatheringDone(IceAgent& agent) override;
  void onIceStateChanged(IceAgent& agent, IceAgent::State state) override;
  void onIcePacket(IceAgent& agent, std::span<uint8_t> packet) override;
  // DtlsTransport::Listener
  void onDtlsSendPacket(DtlsTransport& dtls, std::span<const uint8_t> datagram) override;
  void onDtlsConnected(DtlsTransport& dtls, const SrtpKeys& keys) override;
  void onDtlsApplicationData(DtlsTransport& dtls, std::span<const uint8_t> data) override;
  void onDtlsClosed(DtlsTransport& dtls) override;
  void onDtlsFailed(DtlsTransport& dtls, const char* reason) override;
  // SctpAssociation::Listener
  void onSctpSendPacket(SctpAssociation& sctp, std::span<const uint8_t> packet) override;
  void onSctpConnected(SctpAssociation& sctp) override;
  void onSctpClosed(SctpAssociation& sctp) override;
  void onDataChannelOpen(SctpAssociation& sctp, const SctpAssociation::Channel& channel) override;
  void onDataChannelMessage(SctpAssociation& sctp, const SctpAssociation::Channel& channel,
                            std::span<const uint8_t> message, bool binary) override;
  void onDataChannelClosed(SctpAssociation& sctp, const SctpAssociation::Channel& channel) override;

  // ev::Timer::Listener (inactivity check)
  void onTimer(ev::Timer& timer) override;

  void maybeStartDtls();
  void fail(const char* reason);

  // Passed by argument (not owned)
  ev::GlibContextBridge& d_bridge;
  const DtlsCertificate& d_certificate;
  Listener* d_listener;
  // State
  WebRtcTransportConfig d_config;
  State d_state{State::New};
  std::optional<RemoteParameters> d_remote;
  bool d_dtlsStarted{false};
  double d_lastReceive{0};
  Stats d_stats;
  // Owned (declaration order = construction order; SRTP/SCTP appear once DTLS is up)
  IceAgent d_ice;
  DtlsTransport d_dtls;
  std::unique_ptr<SrtpSession> d_srtpIn;
  std::unique_ptr<SrtpSession> d_srtpOut;
  std::unique_ptr<SctpAssociation> d_sctp;
  ev::Timer d_inactivity;
};

}
