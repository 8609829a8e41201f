#include "NatsServerProcess.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace talk::nats::test {

namespace {

sockaddr_in loopback(int port)
{
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

}

NatsServerProcess::~NatsServerProcess()
{
  stop(true);
}

int NatsServerProcess::freePort()
{
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    throw std::runtime_error("socket failed");
  }
  sockaddr_in addr = loopback(0);
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool NatsServerProcess::waitForPort(int port, double seconds)
{
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr = loopback(port);
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::close(fd);
    if (rc == 0) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void NatsServerProcess::start(int port, std::vector<std::string> extraArgs)
{
  stop(true);
  d_port = port != 0 ? port : freePort();
  d_extraArgs = std::move(extraArgs);

  std::vector<std::string> args{"nats-server", "-a", "127.0.0.1", "-p", std::to_string(d_port)};
  args.insert(args.end(), d_extraArgs.begin(), d_extraArgs.end());
  std::vector<char*> argv;
  for (auto& arg : args) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) {
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, STDOUT_FILENO);
      ::dup2(devnull, STDERR_FILENO);
    }
    ::execvp("nats-server", argv.data());
    ::_exit(127);
  }
  d_pid = pid;
  if (!waitForPort(d_port, 10.0)) {
    stop(true);
    throw std::runtime_error("nats-server did not start on port " + std::to_string(d_port));
  }
}

void NatsServerProcess::stop(bool abrupt)
{
  if (d_pid <= 0) {
    return;
  }
  ::kill(d_pid, abrupt ? SIGKILL : SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (true) {
    int status = 0;
    pid_t rc = ::waitpid(d_pid, &status, WNOHANG);
    if (rc == d_pid || (rc < 0 && errno != EINTR)) {
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(d_pid, SIGKILL);
      ::waitpid(d_pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  d_pid = -1;
}

void NatsServerProcess::restart()
{
  int port = d_port;
  std::vector<std::string> args = d_extraArgs;
  // The old listener is gone with the process; nats-server sets SO_REUSEADDR.
  start(port, std::move(args));
}

}
