#include "turn/server/TlsContext.hpp"

#include "common/util/Error.hpp"

#include <cstring>

#include <openssl/err.h>
#include <openssl/pem.h>

namespace talk::turn {

namespace {

constexpr unsigned char StunTurnAlpn[] = "stun.turn";

int selectAlpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen, void* /*arg*/)
{
  // Walk the client's length-prefixed list; pick "stun.turn" if present. Anything else:
  // no ALPN (NOACK) rather than a fatal alert, so clients offering only http/1.1 still work.
  unsigned int i = 0;
  while (i < inlen) {
    unsigned int len = in[i];
    if (i + 1 + len > inlen) {
      break;
    }
    if (len == sizeof(StunTurnAlpn) - 1 && std::memcmp(in + i + 1, StunTurnAlpn, len) == 0) {
      *out = in + i + 1;
      *outlen = static_cast<unsigned char>(len);
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + len;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

std::string opensslError()
{
  unsigned long code = ERR_get_error();
  char buf[256] = {0};
  if (code != 0) {
    ERR_error_string_n(code, buf, sizeof(buf));
  }
  ERR_clear_error();
  return buf;
}

using Bio = CHandle<BIO, BIO_free>;

}

TlsContext::TlsContext(const std::string& certificatePem, const std::string& keyPem, const std::string& source) :
  d_ctx(SSL_CTX_new(TLS_server_method()))
{
  if (!d_ctx) {
    throw Error("SSL_CTX_new failed: " + opensslError());
  }
  SSL_CTX_set_min_proto_version(d_ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_mode(d_ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_options(d_ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);

  Bio certBio(BIO_new_mem_buf(certificatePem.data(), static_cast<int>(certificatePem.size())));
  CHandle<X509, X509_free> cert(PEM_read_bio_X509_AUX(certBio.get(), nullptr, nullptr, nullptr));
  if (!cert || SSL_CTX_use_certificate(d_ctx.get(), cert.get()) != 1) {
    throw ConfigError(source + ": cannot use the TLS certificate: " + opensslError());
  }
  // The rest of the file is the chain.
  for (;;) {
    X509* extra = PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr);
    if (extra == nullptr) {
      ERR_clear_error();
      break;
    }
    if (SSL_CTX_add0_chain_cert(d_ctx.get(), extra) != 1) {
      X509_free(extra);
      throw ConfigError(source + ": bad certificate chain: " + opensslError());
    }
  }
  Bio keyBio(BIO_new_mem_buf(keyPem.data(), static_cast<int>(keyPem.size())));
  CHandle<EVP_PKEY, EVP_PKEY_free> key(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
  if (!key || SSL_CTX_use_PrivateKey(d_ctx.get(), key.get()) != 1) {
    throw ConfigError(source + ": cannot use the TLS private key: " + opensslError());
  }
  if (SSL_CTX_check_private_key(d_ctx.get()) != 1) {
    throw ConfigError(source + ": TLS private key does not match the certificate");
  }
  SSL_CTX_set_alpn_select_cb(d_ctx.get(), selectAlpn, nullptr);
}

}
