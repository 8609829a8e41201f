#pragma once
// Server-side OpenSSL context for tls:// listeners: certificate chain and key from PEM text
// (read through the secrets mechanism, so LoadCredential= works), TLS ≥ 1.2, ALPN
// "stun.turn" selected when offered while clients without ALPN are accepted (spec §1.4).
// Immutable once built; SIGHUP builds a new one and new connections use it, existing
// connections keep theirs (the SSL object holds its own reference).
#include "common/util/CHandle.hpp"

#include <memory>
#include <string>

#include <openssl/ssl.h>

namespace talk::turn {

class TlsContext
{
public:
  // Throws talk::ConfigError naming `source` when the PEM data is unusable.
  TlsContext(const std::string& certificatePem, const std::string& keyPem, const std::string& source);

  SSL_CTX* raw() const { return d_ctx.get(); }

private:
  // Owned
  CHandle<SSL_CTX, SSL_CTX_free> d_ctx;
};

}
