#include "rtc/transport/DtlsCertificate.hpp"

#include "common/crypto/Crypto.hpp"
#include "common/util/Error.hpp"

#include <array>
#include <cstdio>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

namespace talk::rtc {

namespace {

[[noreturn]] void opensslFailure(const char* what)
{
  throw Error(std::string("DTLS certificate: ") + what + " failed");
}

// We verify the peer by fingerprint after the handshake, so OpenSSL's chain check (which
// a self-signed browser certificate always fails) must not stop the handshake.
int acceptAnyCertificate(int /*preverify*/, X509_STORE_CTX* /*ctx*/)
{
  return 1;
}

}

std::unique_ptr<DtlsCertificate> DtlsCertificate::generate()
{
  std::unique_ptr<DtlsCertificate> self(new DtlsCertificate());

  self->d_key.reset(EVP_EC_gen("P-256"));
  if (!self->d_key) {
    opensslFailure("EC P-256 key generation");
  }

  self->d_certificate.reset(X509_new());
  X509* cert = self->d_certificate.get();
  if (cert == nullptr || X509_set_version(cert, 2) != 1) {
    opensslFailure("X509_new");
  }
  std::array<uint8_t, 8> serial{};
  crypto::randomBytes(serial);
  serial[0] &= 0x7f; // positive
  CHandle<BIGNUM, BN_free> serialNumber(BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr));
  if (!serialNumber || BN_to_ASN1_INTEGER(serialNumber.get(), X509_get_serialNumber(cert)) == nullptr) {
    opensslFailure("serial number");
  }
  // Valid from a day ago (peers with slow clocks) for 30 days; processes restart far
  // more often, and browsers do not check the dates of fingerprint-pinned certificates.
  X509_gmtime_adj(X509_getm_notBefore(cert), -24L * 3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 30L * 24 * 3600);
  const std::string commonName = "talk-" + crypto::randomToken(12);
  X509_NAME* name = X509_get_subject_name(cert);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(commonName.c_str()),
                                 -1, -1, 0) != 1 ||
      X509_set_issuer_name(cert, name) != 1 || X509_set_pubkey(cert, self->d_key.get()) != 1 ||
      X509_sign(cert, self->d_key.get(), EVP_sha256()) == 0) {
    opensslFailure("self-signing");
  }
  self->d_fingerprint = fingerprintOf(cert);

  self->d_context.reset(SSL_CTX_new(DTLS_method()));
  SSL_CTX* ctx = self->d_context.get();
  if (ctx == nullptr) {
    opensslFailure("SSL_CTX_new");
  }
  // DTLS 1.2 only: what every browser speaks; 1.3 is not settled (webrtc.md).
  if (SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) != 1 || SSL_CTX_use_certificate(ctx, cert) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, self->d_key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    opensslFailure("DTLS context setup");
  }
  // SSL_CTX_set_tlsext_use_srtp returns 0 on success. GCM first: the DTLS server picks,
  // and we want GCM whenever the peer offers it (webrtc.md: SRTP).
  if (SSL_CTX_set_tlsext_use_srtp(ctx, "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80") != 0) {
    opensslFailure("use_srtp profiles");
  }
  if (SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                                   "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:"
                                   "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA") != 1) {
    opensslFailure("cipher list");
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, acceptAnyCertificate);
  SSL_CTX_set_verify_depth(ctx, 4);
  // Each DTLS association is fresh; resumption would skip the fingerprint binding.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_QUERY_MTU | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_read_ahead(ctx, 1);
  return self;
}

std::string DtlsCertificate::fingerprintOf(X509* certificate)
{
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (certificate == nullptr || X509_digest(certificate, EVP_sha256(), digest.data(), &length) != 1) {
    return {};
  }
  std::string out;
  out.reserve(length * 3);
  char hex[4];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(hex, sizeof(hex), i == 0 ? "%02X" : ":%02X", digest[i]);
    out += hex;
  }
  return out;
}

}
