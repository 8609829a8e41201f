#define TLOG_COMPONENT "dtls"
#include "rtc/transport/DtlsTransport.hpp"

#include "common/log/Logger.hpp"
#include "common/util/Error.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>
#include <openssl/err.h>

namespace talk::rtc {

namespace {

constexpr const char* ExporterLabel = "EXTRACTOR-dtls_srtp";

// OpenSSL's first retransmission comes after 1 s; a lost ClientHello at ICE start then
// costs a full second. Start at 400 ms and double up to 10 s instead.
unsigned int retransmitTimer(SSL* /*ssl*/, unsigned int previousUs)
{
  if (previousUs == 0) {
    return 400000;
  }
  return std::min(previousUs * 2, 10000000u);
}

std::string lastOpensslError()
{
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) {
    return "no OpenSSL error";
  }
  std::array<char, 256> text{};
  ERR_error_string_n(code, text.data(), text.size());
  return text.data();
}

std::string normaliseFingerprint(std::string_view value)
{
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (std::isspace(static_cast<unsigned char>(c)) == 0) {
      out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
  }
  return out;
}

bool isClientHello(std::span<const uint8_t> datagram)
{
  // Record: type 22 (handshake), version, epoch, sequence (13 bytes), then the handshake
  // message type (1 = ClientHello).
  return datagram.size() > 13 && datagram[0] == 22 && datagram[13] == 1;
}

}

std::optional<DtlsRole> dtlsRoleFromRemoteSetup(std::string_view remoteSetup, DtlsRole ifActpass)
{
  if (remoteSetup == "active") {
    return DtlsRole::Server;
  }
  if (remoteSetup == "passive") {
    return DtlsRole::Client;
  }
  if (remoteSetup == "actpass") {
    return ifActpass;
  }
  return std::nullopt;
}

const char* dtlsSetupForRole(DtlsRole role) noexcept
{
  return role == DtlsRole::Client ? "active" : "passive";
}

BIO_METHOD* DtlsTransport::outputBioMethod()
{
  // Created once per process and kept (OpenSSL has no static BIO_METHOD initialiser).
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "talk-dtls-output");
    if (m == nullptr || BIO_meth_set_write(m, &DtlsTransport::bioWrite) != 1 ||
        BIO_meth_set_ctrl(m, &DtlsTransport::bioControl) != 1) {
      throw Error("cannot create the DTLS output BIO method");
    }
    return m;
  }();
  return method;
}

// Each write is one record (OpenSSL's DTLS code writes records one by one), sent as one
// datagram: datagram boundaries survive, unlike with a memory BIO.
int DtlsTransport::bioWrite(BIO* bio, const char* data, int length)
{
  auto* self = static_cast<DtlsTransport*>(BIO_get_data(bio));
  if (self == nullptr || length <= 0) {
    return length;
  }
  try {
    self->d_listener->onDtlsSendPacket(
        *self, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data), static_cast<size_t>(length)));
  }
  catch (const std::exception& e) {
    TLOG_ERROR("DTLS send callback failed: %s", e.what());
  }
  catch (...) {
    TLOG_ERROR("DTLS send callback failed");
  }
  // A lost datagram is what DTLS retransmission is for: always report success.
  return length;
}

long DtlsTransport::bioControl(BIO* bio, int command, long /*number*/, void* /*pointer*/)
{
  auto* self = static_cast<DtlsTransport*>(BIO_get_data(bio));
  switch (command) {
  case BIO_CTRL_FLUSH:
    return 1;
  case BIO_CTRL_DGRAM_QUERY_MTU:
  case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
    return self != nullptr ? static_cast<long>(self->d_mtu) : static_cast<long>(DefaultMtu);
  case BIO_CTRL_WPENDING:
  case BIO_CTRL_PENDING:
    return 0;
  default:
    return 0;
  }
}

DtlsTransport::DtlsTransport(ev::EventLoop& loop, const DtlsCertificate& certificate, Listener* listener) :
  d_certificate(certificate), d_listener(listener), d_ssl(SSL_new(certificate.context())), d_timer(loop, this)
{
  if (!d_ssl) {
    throw Error("SSL_new failed: " + lastOpensslError());
  }
  d_input = BIO_new(BIO_s_mem());
  BIO* output = BIO_new(outputBioMethod());
  if (d_input == nullptr || output == nullptr) {
    BIO_free(d_input);
    BIO_free(output);
    d_input = nullptr;
    throw Error("cannot create DTLS BIOs");
  }
  // An empty input BIO means "wait for the next datagram", not end of stream.
  BIO_set_mem_eof_return(d_input, -1);
  BIO_set_data(output, this);
  BIO_set_init(output, 1);
  SSL_set_bio(d_ssl.get(), d_input, output); // d_ssl owns both now
  DTLS_set_timer_cb(d_ssl.get(), retransmitTimer);
  setMtu(DefaultMtu);
}

DtlsTransport::~DtlsTransport()
{
  // No callback from OpenSSL may reach a half-destroyed listener.
  if (BIO* output = SSL_get_wbio(d_ssl.get())) {
    BIO_set_data(output, nullptr);
  }
}

void DtlsTransport::setMtu(size_t mtu)
{
  d_mtu = std::clamp<size_t>(mtu, 256, 16384);
  SSL_set_mtu(d_ssl.get(), static_cast<long>(d_mtu));
  DTLS_set_link_mtu(d_ssl.get(), static_cast<long>(d_mtu));
}

bool DtlsTransport::setRemoteFingerprint(std::string_view algorithm, std::string_view value)
{
  std::string lowerAlgorithm(algorithm);
  std::transform(lowerAlgorithm.begin(), lowerAlgorithm.end(), lowerAlgorithm.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string normalised = normaliseFingerprint(value);
  // sha-256: 32 hex pairs separated by colons.
  if (lowerAlgorithm != DtlsCertificate::FingerprintAlgorithm || normalised.size() != 95) {
    TLOG_WARN("unsupported remote fingerprint algorithm=%s length=%zu", lowerAlgorithm.c_str(), normalised.size());
    return false;
  }
  d_remoteFingerprint = std::move(normalised);
  if (d_state == State::Connecting && d_handshakeDone) {
    finishHandshake();
  }
  return true;
}

void DtlsTransport::start(DtlsRole role)
{
  if (d_state != State::New) {
    return;
  }
  d_role = role;
  d_state = State::Connecting;
  if (role == DtlsRole::Client) {
    SSL_set_connect_state(d_ssl.get());
  }
  else {
    SSL_set_accept_state(d_ssl.get());
  }
  TLOG_DEBUG("dtls", "DTLS start role=%s", role == DtlsRole::Client ? "client" : "server");
  continueHandshake();
}

void DtlsTransport::handlePacket(std::span<const uint8_t> datagram) noexcept
{
  try {
    if (d_state == State::New) {
      if (!isClientHello(datagram)) {
        return;
      }
      start(DtlsRole::Server);
    }
    if (d_state != State::Connecting && d_state != State::Connected) {
      return;
    }
    if (datagram.size() > 65535 || BIO_write(d_input, datagram.data(), static_cast<int>(datagram.size())) <= 0) {
      return;
    }
    if (!d_handshakeDone) {
      continueHandshake();
    }
    else {
      readApplicationData();
    }
  }
  catch (const std::exception& e) {
    TLOG_ERROR("DTLS input failed: %s", e.what());
    fail("internal error");
  }
  catch (...) {
    fail("internal error");
  }
}

void DtlsTransport::continueHandshake()
{
  ERR_clear_error();
  const int result = SSL_do_handshake(d_ssl.get());
  if (result == 1) {
    d_handshakeDone = true;
    d_timer.stop();
    finishHandshake();
    if (d_state == State::Connected) {
      readApplicationData();
    }
    return;
  }
  const int error = SSL_get_error(d_ssl.get(), result);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
    armTimer();
    return;
  }
  const std::string reason = lastOpensslError();
  TLOG_INFO("DTLS handshake failed: %s", reason.c_str());
  fail("DTLS handshake failed");
}

void DtlsTransport::finishHandshake()
{
  if (d_remoteFingerprint.empty()) {
    // Keys stay unexported until the signalled fingerprint arrives and matches.
    TLOG_DEBUG("dtls", "DTLS handshake done, waiting for the remote fingerprint");
    return;
  }
  if (!verifyPeer()) {
    // Tell the peer, then stop: a fatal alert ends its handshake too.
    SSL_shutdown(d_ssl.get());
    fail("peer certificate does not match the signalled fingerprint");
    return;
  }
  exportKeys();
}

bool DtlsTransport::verifyPeer()
{
  CHandle<X509, X509_free> peer(SSL_get1_peer_certificate(d_ssl.get()));
  if (!peer) {
    return false;
  }
  const std::string actual = DtlsCertificate::fingerprintOf(peer.get());
  return !actual.empty() && actual == d_remoteFingerprint;
}

void DtlsTransport::exportKeys()
{
  const SRTP_PROTECTION_PROFILE* selected = SSL_get_selected_srtp_profile(d_ssl.get());
  if (selected == nullptr) {
    fail("peer negotiated no SRTP profile");
    return;
  }
  SrtpProfile profile;
  if (selected->id == SRTP_AEAD_AES_128_GCM) {
    profile = SrtpProfile::AeadAes128Gcm;
  }
  else if (selected->id == SRTP_AES128_CM_SHA1_80) {
    profile = SrtpProfile::AesCm128HmacSha1_80;
  }
  else {
    fail("unsupported SRTP profile");
    return;
  }
  const size_t keyLength = srtpKeyLength(profile);
  const size_t saltLength = srtpSaltLength(profile);
  std::array<uint8_t, 2 * (16 + 14)> material{};
  const size_t total = 2 * (keyLength + saltLength);
  if (SSL_export_keying_material(d_ssl.get(), material.data(), total, ExporterLabel, 19, nullptr, 0, 0) != 1) {
    fail("DTLS-SRTP key export failed");
    return;
  }
  // RFC 5764 §4.2: client key, server key, client salt, server salt.
  const uint8_t* clientKey = material.data();
  const uint8_t* serverKey = clientKey + keyLength;
  const uint8_t* clientSalt = serverKey + keyLength;
  const uint8_t* serverSalt = clientSalt + saltLength;
  const bool client = d_role == DtlsRole::Client;
  SrtpKeys keys;
  keys.profile = profile;
  std::copy_n(client ? clientKey : serverKey, keyLength, keys.local.begin());
  std::copy_n(client ? clientSalt : serverSalt, saltLength, keys.local.begin() + static_cast<long>(keyLength));
  std::copy_n(client ? serverKey : clientKey, keyLength, keys.remote.begin());
  std::copy_n(client ? serverSalt : clientSalt, saltLength, keys.remote.begin() + static_cast<long>(keyLength));
  OPENSSL_cleanse(material.data(), material.size());
  d_keys = keys;
  d_state = State::Connected;
  TLOG_DEBUG("dtls", "DTLS connected role=%s srtp=%s", client ? "client" : "server", srtpProfileName(profile));
  d_listener->onDtlsConnected(*this, keys);
  OPENSSL_cleanse(keys.local.data(), keys.local.size());
  OPENSSL_cleanse(keys.remote.data(), keys.remote.size());
}

void DtlsTransport::readApplicationData()
{
  // One DTLS record carries at most 16 KiB of plaintext.
  std::array<uint8_t, 16384> plain;
  // Also while a finished handshake waits for the fingerprint: retransmitted Finished
  // messages are answered inside SSL_read (application data is dropped until verified).
  while (d_state == State::Connected || (d_state == State::Connecting && d_handshakeDone)) {
    ERR_clear_error();
    const int n = SSL_read(d_ssl.get(), plain.data(), static_cast<int>(plain.size()));
    if (n > 0) {
      if (d_state == State::Connected) {
        d_listener->onDtlsApplicationData(*this, std::span<const uint8_t>(plain.data(), static_cast<size_t>(n)));
      }
      continue;
    }
    const int error = SSL_get_error(d_ssl.get(), n);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      return;
    }
    if (error == SSL_ERROR_ZERO_RETURN) {
      d_timer.stop();
      d_state = State::Closed;
      TLOG_DEBUG("dtls", "DTLS close_notify received");
      d_listener->onDtlsClosed(*this);
      return;
    }
    const std::string reason = lastOpensslError();
    TLOG_INFO("DTLS read failed: %s", reason.c_str());
    fail("DTLS connection failed");
    return;
  }
}

bool DtlsTransport::send(std::span<const uint8_t> data) noexcept
{
  if (d_state != State::Connected || data.empty() || data.size() > 16384) {
    return false;
  }
  ERR_clear_error();
  const int n = SSL_write(d_ssl.get(), data.data(), static_cast<int>(data.size()));
  if (n != static_cast<int>(data.size())) {
    ERR_clear_error();
    return false;
  }
  return true;
}

void DtlsTransport::close() noexcept
{
  if (d_state == State::Connecting || d_state == State::Connected) {
    ERR_clear_error();
    SSL_shutdown(d_ssl.get());
    ERR_clear_error();
  }
  d_timer.stop();
  if (d_state != State::Failed) {
    d_state = State::Closed;
  }
}

void DtlsTransport::armTimer()
{
  timeval tv{};
  if (DTLSv1_get_timeout(d_ssl.get(), &tv) == 1) {
    d_timer.start(static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6);
  }
}

void DtlsTransport::onTimer(ev::Timer& /*timer*/)
{
  if (d_state != State::Connecting || d_handshakeDone) {
    return;
  }
  ERR_clear_error();
  if (DTLSv1_handle_timeout(d_ssl.get()) < 0) {
    fail("DTLS handshake timed out");
    return;
  }
  armTimer();
}

void DtlsTransport::fail(const char* reason)
{
  if (d_state == State::Failed || d_state == State::Closed) {
    return;
  }
  d_timer.stop();
  d_state = State::Failed;
  TLOG_INFO("DTLS failed: %s", reason);
  d_listener->onDtlsFailed(*this, reason);
}

}
