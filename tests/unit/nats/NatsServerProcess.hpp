#pragma once
// A real nats-server for tests: fork/exec on a free 127.0.0.1 port, wait (bounded) until
// it accepts connections, kill it (and reap it) in stop() or the destructor.
#include <string>
#include <sys/types.h>
#include <vector>

namespace talk::nats::test {

class NatsServerProcess
{
public:
  NatsServerProcess() = default;
  ~NatsServerProcess();
  NatsServerProcess(const NatsServerProcess&) = delete;
  NatsServerProcess& operator=(const NatsServerProcess&) = delete;

  // port 0 picks a free one. extraArgs go after "-a 127.0.0.1 -p PORT".
  void start(int port = 0, std::vector<std::string> extraArgs = {});
  // SIGKILL (abrupt, like a crash) or SIGTERM; waits for the process (bounded).
  void stop(bool abrupt = false);
  // Same port, same arguments.
  void restart();

  bool running() const { return d_pid > 0; }
  int port() const { return d_port; }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(d_port); }

  // A loopback TCP port nobody listens on right now.
  static int freePort();
  // Bounded wait until something accepts TCP connections on 127.0.0.1:port.
  static bool waitForPort(int port, double seconds);

private:
  pid_t d_pid{-1};
  int d_port{0};
  std::vector<std::string> d_extraArgs;
};

}
