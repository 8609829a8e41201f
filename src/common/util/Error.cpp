#include "common/util/Error.hpp"

#include <cstring>

namespace talk {

SystemError::SystemError(const std::string& what, int err) :
  Error(what + ": " + std::strerror(err)), d_errno(err)
{
}

void throwSystemError(const std::string& what)
{
  throw SystemError(what, errno);
}

}
