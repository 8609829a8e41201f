#include "turn/auth/KeyDerivation.hpp"

#include <string>

namespace talk::turn::auth {

namespace {

std::string joined(std::string_view username, std::string_view realm, std::string_view password)
{
  std::string text;
  text.reserve(username.size() + realm.size() + password.size() + 2);
  text.append(username).append(1, ':').append(realm).append(1, ':').append(password);
  return text;
}

}

crypto::Md5Digest md5Key(std::string_view username, std::string_view realm, std::string_view password)
{
  return crypto::md5(crypto::bytes(joined(username, realm, password)));
}

crypto::Sha256Digest sha256Key(std::string_view username, std::string_view realm, std::string_view password)
{
  return crypto::sha256(crypto::bytes(joined(username, realm, password)));
}

stun::IntegrityKey deriveKey(PasswordAlgorithm algorithm, std::string_view username, std::string_view realm,
                             std::string_view password)
{
  if (algorithm == PasswordAlgorithm::Sha256) {
    return stun::IntegrityKey(sha256Key(username, realm, password));
  }
  return stun::IntegrityKey(md5Key(username, realm, password));
}

crypto::Sha256Digest userHash(std::string_view username, std::string_view realm)
{
  std::string text;
  text.reserve(username.size() + realm.size() + 1);
  text.append(username).append(1, ':').append(realm);
  return crypto::sha256(crypto::bytes(text));
}

}
