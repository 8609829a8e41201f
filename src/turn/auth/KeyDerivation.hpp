#pragma once
// Long-term credential keys (spec §4.1 step 5, §4.4): MD5 or SHA-256 of
// "username:realm:password". Realm and password are used as given: for the ASCII/base64
// strings Talk uses, SASLprep/OpaqueString are identity transforms.
#include "common/crypto/Crypto.hpp"
#include "turn/stun/IntegrityKey.hpp"

#include <string_view>

namespace talk::turn::auth {

enum class PasswordAlgorithm
{
  Md5,    // 16-byte key; RFC 5389 and every current client
  Sha256, // 32-byte key; RFC 8489 PASSWORD-ALGORITHM 0x0002
};

crypto::Md5Digest md5Key(std::string_view username, std::string_view realm, std::string_view password);
crypto::Sha256Digest sha256Key(std::string_view username, std::string_view realm, std::string_view password);
stun::IntegrityKey deriveKey(PasswordAlgorithm algorithm, std::string_view username, std::string_view realm,
                             std::string_view password);
// USERHASH = SHA-256("username:realm") (RFC 8489 §14.4).
crypto::Sha256Digest userHash(std::string_view username, std::string_view realm);

}
