// libFuzzer target: hello v2 tokens (signaling-protocol.md §3.2, §15.4) and the key formats
// Talk publishes. The input is tried as a compact JWS against one key of each type (made
// once by OpenSSL) and as a public key. A token the fuzzer did not sign must never verify,
// and nothing may throw or crash.
#include "signaling/backend/Jwt.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

using namespace talk::signaling::backend;

namespace {

std::vector<PublicKey> makeKeys()
{
  std::vector<PublicKey> keys;
  EVP_PKEY* generated[] = {
    EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"),
    EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"),
    EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)),
  };
  for (EVP_PKEY* key : generated) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key);
    char* pem = nullptr;
    long len = BIO_get_mem_data(bio, &pem);
    auto parsed = PublicKey::parse(std::string(pem, static_cast<size_t>(len)));
    if (!parsed) {
      std::abort();
    }
    keys.push_back(*parsed);
    BIO_free(bio);
    EVP_PKEY_free(key);
  }
  return keys;
}

}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  static const std::vector<PublicKey> keys = makeKeys();
  std::string input(reinterpret_cast<const char*>(data), size);
  for (const PublicKey& key : keys) {
    Result<TokenClaims> result = verifyHelloToken(input, key, 1700000000);
    if (result.ok()) {
      std::abort(); // forged: the fuzzer has no private key
    }
  }
  (void)PublicKey::parse(input);
  (void)base64UrlDecode(input);
  return 0;
}
