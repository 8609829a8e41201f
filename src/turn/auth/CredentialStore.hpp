#pragma once
// The credential sources of one configuration generation: REST secrets and static users.
// Immutable once built; SIGHUP builds a new one and hands it to Authenticator::setCredentials,
// so rotation replaces the whole secret set at once.
#include "turn/auth/RestCredentials.hpp"
#include "turn/auth/StaticUsers.hpp"

namespace talk::turn::auth {

struct CredentialStore
{
  RestCredentials rest;
  StaticUsers users;
};

}
