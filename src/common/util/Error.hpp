#pragma once
// Control-plane error types. Data-plane code returns values instead (style.md §5).
#include <cerrno>
#include <stdexcept>
#include <string>

namespace talk {

class Error : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

// A configuration problem; message is "file:line: key: expected …". Exit code 78 (EX_CONFIG).
class ConfigError : public Error
{
public:
  using Error::Error;
};

// A failed system call; carries the saved errno.
class SystemError : public Error
{
public:
  SystemError(const std::string& what, int err);
  int code() const noexcept { return d_errno; }

private:
  int d_errno;
};

// Throws SystemError for `what` with the current errno.
[[noreturn]] void throwSystemError(const std::string& what);

}
