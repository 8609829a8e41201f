#pragma once
// DTLS 1.2 over datagrams we carry ourselves (OpenSSL with a memory BIO for input and a
// datagram-preserving BIO for output: no sockets). Negotiates DTLS-SRTP (use_srtp) and
// exports the SRTP keys; afterwards carries application data (SCTP for data channels).
//
// The peer is authenticated only by the fingerprint from the remote SDP: the handshake
// completes at the OpenSSL level, then the peer certificate's SHA-256 fingerprint is
// compared with setRemoteFingerprint(); a mismatch fails the transport and no key is
// exported. Retransmissions run on a libev Timer (DTLSv1_handle_timeout).
//
// All methods run on the loop thread. Listener callbacks are made synchronously from
// start()/handlePacket()/timers; a listener must not destroy the DtlsTransport from inside
// a callback (defer it to the next loop iteration).
#include "common/ev/Watchers.hpp"
#include "common/util/CHandle.hpp"
#include "rtc/transport/DtlsCertificate.hpp"
#include "rtc/transport/SrtpSession.hpp"

#include <array>
#include <cstdint>
#include <openssl/ssl.h>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace talk::rtc {

// Our DTLS role. SDP `a=setup:active` = Client, `passive` = Server; whoever offered
// `actpass` takes the role the answer leaves.
enum class DtlsRole : uint8_t
{
  Client,
  Server,
};

// Keys for both SRTP directions, taken from the DTLS exporter (RFC 5764 §4.2).
struct SrtpKeys
{
  SrtpProfile profile{SrtpProfile::AesCm128HmacSha1_80};
  // master key ‖ master salt; only the first keyLength() bytes are meaningful.
  std::array<uint8_t, 32> local{};
  std::array<uint8_t, 32> remote{};
  size_t keyLength() const { return srtpKeyLength(profile) + srtpSaltLength(profile); }
  std::span<const uint8_t> localKey() const { return {local.data(), keyLength()}; }
  std::span<const uint8_t> remoteKey() const { return {remote.data(), keyLength()}; }
};

class DtlsTransport : private ev::Timer::Listener
{
public:
  enum class State : uint8_t
  {
    New,        // not started
    Connecting, // handshake in progress
    Connected,  // handshake done and fingerprint verified
    Closed,     // close_notify sent or received
    Failed,     // handshake failed, timed out, or wrong fingerprint
  };

  class Listener
  {
  public:
    virtual ~Listener() = default;
    // One DTLS datagram to send to the peer (at most mtu() bytes unless a record is larger).
    virtual void onDtlsSendPacket(DtlsTransport& dtls, std::span<const uint8_t> datagram) = 0;
    // Handshake done, peer fingerprint verified, keys exported.
    virtual void onDtlsConnected(DtlsTransport& dtls, const SrtpKeys& keys) = 0;
    // Decrypted application data (one DTLS record's payload).
    virtual void onDtlsApplicationData(DtlsTransport& dtls, std::span<const uint8_t> data) = 0;
    // The peer sent close_notify.
    virtual void onDtlsClosed(DtlsTransport& dtls) = 0;
    // Handshake failure, retransmission limit, wrong fingerprint, fatal alert.
    virtual void onDtlsFailed(DtlsTransport& dtls, const char* reason) = 0;
  };

  // Janus's default; leaves room for IP/UDP/TURN headers on common paths.
  static constexpr size_t DefaultMtu = 1200;

  DtlsTransport(ev::EventLoop& loop, const DtlsCertificate& certificate, Listener* listener);
  ~DtlsTransport() override;
  DtlsTransport(const DtlsTransport&) = delete;
  DtlsTransport& operator=(const DtlsTransport&) = delete;

  // The expected peer fingerprint from `a=fingerprint:` (algorithm must be sha-256; hex
  // compared case-insensitively). May be called before or after the handshake finishes;
  // returns false for an algorithm or value we cannot check.
  bool setRemoteFingerprint(std::string_view algorithm, std::string_view value);

  // Starts the handshake in `role` (as Client, sends the ClientHello now). Call once ICE
  // is connected (a Server may also start earlier and wait).
  void start(DtlsRole role);

  // A datagram the demultiplexer classified as DTLS. Ignored before start() for a Client;
  // a Server that has not been started yet is started by the first ClientHello.
  void handlePacket(std::span<const uint8_t> datagram) noexcept;

  // Application data (SCTP) once Connected; false if not connected or OpenSSL refused.
  bool send(std::span<const uint8_t> data) noexcept;

  // Sends close_notify and stops; no callback follows.
  void close() noexcept;

  void setMtu(size_t mtu);
  size_t mtu() const { return d_mtu; }

  State state() const { return d_state; }
  DtlsRole role() const { return d_role; }
  // Profile chosen in the handshake (valid when Connected).
  SrtpProfile srtpProfile() const { return d_keys.profile; }

private:
  struct BioMethodDeleter;
  static int bioWrite(BIO* bio, const char* data, int length);
  static long bioControl(BIO* bio, int command, long number, void* pointer);
  static BIO_METHOD* outputBioMethod();

  void onTimer(ev::Timer& timer) override;
  void continueHandshake();
  void readApplicationData();
  void finishHandshake();
  bool verifyPeer();
  void exportKeys();
  void armTimer();
  void fail(const char* reason);

  // Passed by argument (not owned)
  const DtlsCertificate& d_certificate;
  Listener* d_listener;
  // Owned
  CHandle<SSL, SSL_free> d_ssl;
  ev::Timer d_timer;
  // State
  BIO* d_input{nullptr}; // owned by d_ssl
  State d_state{State::New};
  DtlsRole d_role{DtlsRole::Server};
  size_t d_mtu{DefaultMtu};
  std::string d_remoteFingerprint;
  bool d_handshakeDone{false};
  SrtpKeys d_keys;
};

}

namespace talk::rtc {

// Our role from the peer's `a=setup:` value: "active" → Server, "passive" → Client,
// "actpass" (the peer offered) → ifActpass; nullopt for anything else.
std::optional<DtlsRole> dtlsRoleFromRemoteSetup(std::string_view remoteSetup, DtlsRole ifActpass);
// The `a=setup:` value that announces our role in an answer: Client → "active",
// Server → "passive". (Offers say "actpass".)
const char* dtlsSetupForRole(DtlsRole role) noexcept;

}
