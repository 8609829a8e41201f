#pragma once
// The process's DTLS identity: an ECDSA P-256 key with a self-signed certificate (what
// browsers and Janus use), its SHA-256 fingerprint in SDP form, and the OpenSSL DTLS
// context that presents it. Create one per process (generate() costs a key generation)
// and share it by reference among all DtlsTransports; it must outlive them.
#include "common/util/CHandle.hpp"

#include <memory>
#include <openssl/ssl.h>
#include <string>
#include <string_view>

namespace talk::rtc {

class DtlsCertificate
{
public:
  // A fresh key and a certificate valid from yesterday for 30 days, with a random serial
  // and common name. Throws talk::Error if OpenSSL fails.
  static std::unique_ptr<DtlsCertificate> generate();

  DtlsCertificate(const DtlsCertificate&) = delete;
  DtlsCertificate& operator=(const DtlsCertificate&) = delete;

  // "AB:CD:…" (32 upper-case hex pairs), the value of `a=fingerprint:sha-256 …`.
  const std::string& fingerprint() const { return d_fingerprint; }
  static constexpr std::string_view FingerprintAlgorithm = "sha-256";

  // DTLS 1.2 context with this identity, DTLS-SRTP profiles and peer certificates
  // requested (checked against the signalled fingerprint by DtlsTransport, not by a CA).
  SSL_CTX* context() const { return d_context.get(); }

  // "AB:CD:…" SHA-256 fingerprint of any certificate (the peer's, in DtlsTransport).
  static std::string fingerprintOf(X509* certificate);

private:
  DtlsCertificate() = default;

  // Owned
  CHandle<EVP_PKEY, EVP_PKEY_free> d_key;
  CHandle<X509, X509_free> d_certificate;
  CHandle<SSL_CTX, SSL_CTX_free> d_context;
  // State
  std::string d_fingerprint;
};

}
