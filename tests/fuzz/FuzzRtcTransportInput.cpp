// libFuzzer target: what arrives on an ICE component of a WebRtcTransport. The input is a
// sequence of datagrams (2-byte big-endian length, then the bytes). Each is demultiplexed
// (RFC 7983) and fed where WebRtcTransport would feed it: DTLS records to a server-role
// DtlsTransport (started by a ClientHello, as in production), RTP/RTCP to inbound SRTP
// sessions of both profiles (which must refuse forgeries without crashing).
#include "common/ev/EventLoop.hpp"
#include "rtc/transport/DtlsTransport.hpp"
#include "rtc/transport/PacketDemux.hpp"
#include "rtc/transport/SrtpSession.hpp"
#include "rtc/transport/TransportLibraryScope.hpp"

#include <cstdlib>
#include <memory>
#include <vector>

using namespace talk;
using namespace talk::rtc;

namespace {

struct Sink : DtlsTransport::Listener
{
  size_t sent = 0;
  void onDtlsSendPacket(DtlsTransport& /*d*/, std::span<const uint8_t> datagram) override { sent += datagram.size(); }
  void onDtlsConnected(DtlsTransport& /*d*/, const SrtpKeys& /*keys*/) override {}
  void onDtlsApplicationData(DtlsTransport& /*d*/, std::span<const uint8_t> /*data*/) override {}
  void onDtlsClosed(DtlsTransport& /*d*/) override {}
  void onDtlsFailed(DtlsTransport& /*d*/, const char* /*reason*/) override {}
};

struct Fixture
{
  TransportLibraryScope scope;
  std::unique_ptr<DtlsCertificate> certificate = DtlsCertificate::generate();
  std::vector<uint8_t> gcmKey = std::vector<uint8_t>(28, 0x5a);
  std::vector<uint8_t> cmKey = std::vector<uint8_t>(30, 0xa5);
};

Fixture& fixture()
{
  static Fixture* f = new Fixture(); // lives for the whole fuzzing process
  return *f;
}

}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  Fixture& f = fixture();
  ev::EventLoop loop;
  Sink sink;
  DtlsTransport dtls(loop, *f.certificate, &sink);
  dtls.setRemoteFingerprint("sha-256", f.certificate->fingerprint());
  SrtpSession gcm(SrtpSession::Direction::Inbound, SrtpProfile::AeadAes128Gcm, f.gcmKey);
  SrtpSession cm(SrtpSession::Direction::Inbound, SrtpProfile::AesCm128HmacSha1_80, f.cmKey);

  std::vector<uint8_t> packet;
  size_t at = 0;
  while (at + 2 <= size) {
    const size_t length = std::min<size_t>((static_cast<size_t>(data[at]) << 8) | data[at + 1], size - at - 2);
    at += 2;
    packet.assign(data + at, data + at + length);
    at += length;
    switch (classifyPacket(packet)) {
    case PacketKind::Dtls:
      dtls.handlePacket(packet);
      break;
    case PacketKind::Rtp: {
      size_t a = packet.size();
      std::vector<uint8_t> copy(packet);
      size_t b = copy.size();
      if ((gcm.unprotectRtp(packet.data(), a) && a > packet.size()) || (cm.unprotectRtp(copy.data(), b) && b > copy.size())) {
        std::abort();
      }
      break;
    }
    case PacketKind::Rtcp: {
      size_t a = packet.size();
      std::vector<uint8_t> copy(packet);
      size_t b = copy.size();
      if ((gcm.unprotectRtcp(packet.data(), a) && a > packet.size()) ||
          (cm.unprotectRtcp(copy.data(), b) && b > copy.size())) {
        std::abort();
      }
      break;
    }
    case PacketKind::Stun:
    case PacketKind::Unknown:
      break;
    }
  }
  // Sending application data is only possible once connected, never before.
  const uint8_t probe = 0;
  if (dtls.send(std::span<const uint8_t>(&probe, 1)) && dtls.state() != DtlsTransport::State::Connected) {
    std::abort();
  }
  return 0;
}
