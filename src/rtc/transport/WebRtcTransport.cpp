#define TLOG_COMPONENT "rtc"
#include "rtc/transport/WebRtcTransport.hpp"

#include "common/log/Logger.hpp"
#include "common/util/Error.hpp"
#include "rtc/transport/PacketDemux.hpp"

#include <algorithm>
#include <array>
#include <exception>

namespace talk::rtc {

WebRtcTransport::WebRtcTransport(ev::GlibContextBridge& bridge, const DtlsCertificate& certificate,
                                 const WebRtcTransportConfig& config, Listener* listener) :
  d_bridge(bridge),
  d_certificate(certificate),
  d_listener(listener),
  d_config(config),
  d_ice(bridge, config.ice, this),
  d_dtls(bridge.loop(), certificate, this),
  d_inactivity(bridge.loop(), this)
{
}

WebRtcTransport::~WebRtcTransport() = default;

bool WebRtcTransport::setRemoteParameters(const RemoteParameters& remote)
{
  if (d_state == State::Closed || d_state == State::Failed) {
    return false;
  }
  try {
    if (d_remote) {
      if (remote.fingerprint != d_remote->fingerprint || remote.localRole != d_remote->localRole) {
        TLOG_INFO("remote description changes the DTLS fingerprint or role: needs a new transport");
        return false;
      }
      if (remote.ice.ufrag != d_remote->ice.ufrag || remote.ice.pwd != d_remote->ice.pwd) {
        d_ice.setRemoteCredentials(remote.ice);
        d_remote->ice = remote.ice;
      }
      return true;
    }
    // Remembered first: a handshake that already finished (the peer's ClientHello came
    // before its SDP) completes inside setRemoteFingerprint and needs these values.
    d_remote = remote;
    if (remote.sctpPort) {
      d_config.sctp.remotePort = *remote.sctpPort;
    }
    if (!d_dtls.setRemoteFingerprint(remote.fingerprintAlgorithm, remote.fingerprint)) {
      d_remote.reset();
      return false;
    }
    if (d_state == State::Failed) {
      return false; // the early handshake was with someone else's certificate
    }
    d_ice.setRemoteCredentials(remote.ice);
  }
  catch (const Error& e) {
    TLOG_INFO("remote parameters refused: %s", e.what());
    return false;
  }
  if (d_state == State::New) {
    d_state = State::Connecting;
  }
  maybeStartDtls();
  return true;
}

void WebRtcTransport::maybeStartDtls()
{
  if (d_dtlsStarted || !d_remote || d_dtls.state() != DtlsTransport::State::New) {
    return;
  }
  // A server may wait for the ClientHello from the start; a client sends it once ICE has
  // a path (before that it would only be retransmitted into the void).
  if (d_remote->localRole == DtlsRole::Server || d_ice.state() == IceAgent::State::Connected) {
    d_dtlsStarted = true;
    d_dtls.start(d_remote->localRole);
  }
}

void WebRtcTransport::onIceLocalCandidate(IceAgent& /*agent*/, const std::string& candidate)
{
  if (d_state != State::Closed) {
    d_listener->onLocalCandidate(*this, candidate);
  }
}

void WebRtcTransport::onIceGatheringDone(IceAgent& /*agent*/)
{
  if (d_state != State::Closed) {
    d_listener->onGatheringDone(*this);
  }
}

void WebRtcTransport::onIceStateChanged(IceAgent& /*agent*/, IceAgent::State state)
{
  if (d_state == State::Closed || d_state == State::Failed) {
    return;
  }
  switch (state) {
  case IceAgent::State::Checking:
    if (d_state == State::New) {
      d_state = State::Connecting;
    }
    return;
  case IceAgent::State::Connected:
    TLOG_DEBUG("ice", "ICE connected %s", d_ice.selectedPairDescription().c_str());
    if (d_state == State::Disconnected && d_srtpOut) {
      d_state = State::Connected;
      d_listener->onConnected(*this);
      return;
    }
    maybeStartDtls();
    return;
  case IceAgent::State::Disconnected:
    if (d_state == State::Connected) {
      d_state = State::Disconnected;
      d_listener->onDisconnected(*this);
    }
    return;
  case IceAgent::State::Failed:
    fail("ICE failed");
    return;
  case IceAgent::State::New:
  case IceAgent::State::Closed:
    return;
  }
}

void WebRtcTransport::onIcePacket(IceAgent& /*agent*/, std::span<uint8_t> packet)
{
  if (d_state == State::Closed) {
    return;
  }
  d_lastReceive = d_bridge.loop().now();
  switch (classifyPacket(packet)) {
  case PacketKind::Dtls:
    d_dtls.handlePacket(packet);
    return;
  case PacketKind::Rtp: {
    size_t length = packet.size();
    if (!d_srtpIn) {
      ++d_stats.unknownPackets;
      return;
    }
    if (!d_srtpIn->unprotectRtp(packet.data(), length)) {
      ++d_stats.unprotectFailures;
      return;
    }
    ++d_stats.rtpReceived;
    d_listener->onRtp(*this, packet.first(length));
    return;
  }
  case PacketKind::Rtcp: {
    size_t length = packet.size();
    if (!d_srtpIn) {
      ++d_stats.unknownPackets;
      return;
    }
    if (!d_srtpIn->unprotectRtcp(packet.data(), length)) {
      ++d_stats.unprotectFailures;
      return;
    }
    ++d_stats.rtcpReceived;
    d_listener->onRtcp(*this, packet.first(length));
    return;
  }
  case PacketKind::Stun: // libnice answers connectivity checks itself
  case PacketKind::Unknown:
    ++d_stats.unknownPackets;
    return;
  }
}

void WebRtcTransport::onDtlsSendPacket(DtlsTransport& /*dtls*/, std::span<const uint8_t> datagram)
{
  d_ice.send(datagram);
}

void WebRtcTransport::onDtlsConnected(DtlsTransport& dtls, const SrtpKeys& keys)
{
  if (d_state == State::Closed || d_state == State::Failed) {
    return;
  }
  try {
    d_srtpIn = std::make_unique<SrtpSession>(SrtpSession::Direction::Inbound, keys.profile, keys.remoteKey());
    d_srtpOut = std::make_unique<SrtpSession>(SrtpSession::Direction::Outbound, keys.profile, keys.localKey());
    if (d_config.dataChannels) {
      SctpAssociation::Config sctp = d_config.sctp;
      sctp.dtlsClient = dtls.role() == DtlsRole::Client;
      SctpAssociation::Listener* sctpListener = this;
      d_sctp = std::make_unique<SctpAssociation>(d_bridge.loop(), sctp, sctpListener);
      if (d_remote && d_remote->maxMessageSize) {
        d_sctp->setRemoteMaxMessageSize(*d_remote->maxMessageSize);
      }
    }
  }
  catch (const std::exception& e) {
    TLOG_ERROR("cannot set up SRTP/SCTP after DTLS: %s", e.what());
    fail("SRTP setup failed");
    return;
  }
  TLOG_DEBUG("rtc", "transport connected srtp=%s pair=%s", srtpProfileName(keys.profile),
             d_ice.selectedPairDescription().c_str());
  d_state = d_ice.state() == IceAgent::State::Disconnected ? State::Disconnected : State::Connected;
  if (d_sctp) {
    d_sctp->connect();
  }
  if (d_config.inactivityTimeout > 0) {
    d_lastReceive = d_bridge.loop().now();
    const double period = std::max(0.5, d_config.inactivityTimeout / 4);
    d_inactivity.start(period, period);
  }
  if (d_state == State::Connected) {
    d_listener->onConnected(*this);
  }
}

void WebRtcTransport::onTimer(ev::Timer& /*timer*/)
{
  if (d_state != State::Connected && d_state != State::Disconnected) {
    d_inactivity.stop();
    return;
  }
  if (d_bridge.loop().now() - d_lastReceive > d_config.inactivityTimeout) {
    fail("nothing received from the peer within the inactivity timeout");
  }
}

void WebRtcTransport::onDtlsApplicationData(DtlsTransport& /*dtls*/, std::span<const uint8_t> data)
{
  if (d_sctp && d_state != State::Closed) {
    d_sctp->handlePacket(data);
  }
}

void WebRtcTransport::onDtlsClosed(DtlsTransport& /*dtls*/)
{
  fail("DTLS closed by the peer");
}

void WebRtcTransport::onDtlsFailed(DtlsTransport& /*dtls*/, const char* reason)
{
  fail(reason);
}

void WebRtcTransport::onSctpSendPacket(SctpAssociation& /*sctp*/, std::span<const uint8_t> packet)
{
  d_dtls.send(packet);
}

void WebRtcTransport::onSctpConnected(SctpAssociation& /*sctp*/)
{
  TLOG_DEBUG("rtc", "SCTP association up");
}

void WebRtcTransport::onSctpClosed(SctpAssociation& /*sctp*/)
{
  TLOG_DEBUG("rtc", "SCTP association closed");
}

void WebRtcTransport::onDataChannelOpen(SctpAssociation& /*sctp*/, const SctpAssociation::Channel& channel)
{
  if (d_state != State::Closed) {
    d_listener->onDataChannelOpen(*this, channel.streamId, channel.label);
  }
}

void WebRtcTransport::onDataChannelMessage(SctpAssociation& /*sctp*/, const SctpAssociation::Channel& channel,
                                           std::span<const uint8_t> message, bool binary)
{
  if (d_state != State::Closed) {
    d_listener->onDataChannelMessage(*this, channel.streamId, message, binary);
  }
}

void WebRtcTransport::onDataChannelClosed(SctpAssociation& /*sctp*/, const SctpAssociation::Channel& channel)
{
  if (d_state != State::Closed) {
    d_listener->onDataChannelClosed(*this, channel.streamId);
  }
}

bool WebRtcTransport::sendRtp(std::span<uint8_t> buffer, size_t length) noexcept
{
  if (!d_srtpOut || (d_state != State::Connected && d_state != State::Disconnected)) {
    return false;
  }
  if (!d_srtpOut->protectRtp(buffer, length) || !d_ice.send(buffer.first(length))) {
    ++d_stats.sendFailures;
    return false;
  }
  ++d_stats.rtpSent;
  return true;
}

size_t WebRtcTransport::sendRtpBatch(std::span<OutgoingPacket> packets) noexcept
{
  if (!d_srtpOut || (d_state != State::Connected && d_state != State::Disconnected)) {
    return 0;
  }
  constexpr size_t Chunk = 64;
  std::array<std::span<const uint8_t>, Chunk> protectedPackets;
  size_t sent = 0;
  for (size_t at = 0; at < packets.size(); at += Chunk) {
    const size_t count = std::min(Chunk, packets.size() - at);
    size_t ready = 0;
    for (size_t i = 0; i < count; ++i) {
      OutgoingPacket& packet = packets[at + i];
      if (d_srtpOut->protectRtp(packet.buffer, packet.length)) {
        protectedPackets[ready++] = packet.buffer.first(packet.length);
      }
      else {
        ++d_stats.sendFailures;
      }
    }
    const size_t taken = d_ice.sendBatch(std::span<const std::span<const uint8_t>>(protectedPackets.data(), ready));
    sent += taken;
    d_stats.rtpSent += taken;
    d_stats.sendFailures += ready - taken;
  }
  return sent;
}

bool WebRtcTransport::sendRtcp(std::span<uint8_t> buffer, size_t length) noexcept
{
  if (!d_srtpOut || (d_state != State::Connected && d_state != State::Disconnected)) {
    return false;
  }
  if (!d_srtpOut->protectRtcp(buffer, length) || !d_ice.send(buffer.first(length))) {
    ++d_stats.sendFailures;
    return false;
  }
  ++d_stats.rtcpSent;
  return true;
}

std::optional<uint16_t> WebRtcTransport::openDataChannel(std::string_view label, bool ordered)
{
  if (!d_sctp || d_state == State::Closed) {
    return std::nullopt;
  }
  return d_sctp->openChannel(label, ordered);
}

bool WebRtcTransport::sendData(uint16_t streamId, std::span<const uint8_t> message, bool binary) noexcept
{
  return d_sctp && d_state != State::Closed && d_sctp->send(streamId, message, binary);
}

bool WebRtcTransport::sendData(uint16_t streamId, std::string_view text) noexcept
{
  return sendData(streamId, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()),
                  false);
}

std::optional<uint16_t> WebRtcTransport::dataChannelByLabel(std::string_view label) const
{
  if (!d_sctp) {
    return std::nullopt;
  }
  const SctpAssociation::Channel* channel = d_sctp->channelByLabel(label);
  if (channel == nullptr) {
    return std::nullopt;
  }
  return channel->streamId;
}

void WebRtcTransport::close()
{
  if (d_state == State::Closed) {
    return;
  }
  d_state = State::Closed;
  d_inactivity.stop();
  d_dtls.close();
}

std::optional<SrtpProfile> WebRtcTransport::srtpProfile() const
{
  if (!d_srtpOut) {
    return std::nullopt;
  }
  return d_srtpOut->profile();
}

void WebRtcTransport::fail(const char* reason)
{
  if (d_state == State::Failed || d_state == State::Closed) {
    return;
  }
  d_state = State::Failed;
  d_inactivity.stop();
  TLOG_INFO("transport failed: %s", reason);
  d_listener->onFailed(*this, reason);
}

}
