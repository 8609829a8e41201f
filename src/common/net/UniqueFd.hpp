#pragma once
// Move-only owner of a file descriptor; closes it on destruction.
#include <unistd.h>
#include <utility>

namespace talk {

class UniqueFd
{
public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) :
    d_fd(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept :
    d_fd(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept
  {
    if (this != &other) {
      reset(other.release());
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return d_fd; }
  bool valid() const { return d_fd >= 0; }
  explicit operator bool() const { return valid(); }
  int release() { return std::exchange(d_fd, -1); }
  void reset(int fd = -1)
  {
    if (d_fd >= 0) {
      ::close(d_fd);
    }
    d_fd = fd;
  }

private:
  int d_fd{-1};
};

}
