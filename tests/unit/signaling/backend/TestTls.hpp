#pragma once
// A self-signed certificate for 127.0.0.1 made with OpenSSL, and the server-side SSL_CTX
// for TestHttpServer, so the client's certificate checks meet a real TLS peer.
#include "common/util/CHandle.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdexcept>
#include <string>

namespace talk::test {

class SelfSignedCert
{
public:
  SelfSignedCert()
  {
    d_key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    d_cert.reset(X509_new());
    if (!d_key || !d_cert) {
      throw std::runtime_error("cannot create test certificate");
    }
    X509* cert = d_cert.get();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, d_key.get());
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"}, std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
      X509_add_ext(cert, ext, -1);
      X509_EXTENSION_free(ext);
    }
    if (X509_sign(cert, d_key.get(), EVP_sha256()) == 0) {
      throw std::runtime_error("cannot sign test certificate");
    }
    d_ctx.reset(SSL_CTX_new(TLS_server_method()));
    if (!d_ctx || SSL_CTX_use_certificate(d_ctx.get(), cert) != 1 || SSL_CTX_use_PrivateKey(d_ctx.get(), d_key.get()) != 1) {
      throw std::runtime_error("cannot set up the test TLS context");
    }
  }

  std::string pem() const
  {
    CHandle<BIO, BIO_free> bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), d_cert.get());
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(len));
  }

  SSL_CTX* context() const { return d_ctx.get(); }

private:
  CHandle<EVP_PKEY, EVP_PKEY_free> d_key;
  CHandle<X509, X509_free> d_cert;
  CHandle<SSL_CTX, SSL_CTX_free> d_ctx;
};

}
