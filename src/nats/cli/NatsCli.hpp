#pragma once
// talk-nats: pub, sub, request, reply and bench against a NATS server, through our
// EventLoop + NatsBus (the CLI doubles as the library's end-to-end proof).
#include "nats/BusConfig.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace talk::nats::cli {

struct CliOptions
{
  BusConfig bus;
  std::string command;
  std::vector<std::string> args;
  std::string queueGroup;
  int64_t count{-1};
  double timeoutSeconds{-1.0};
  // bench
  int64_t benchMessages{100000};
  int64_t benchSize{128};
  int64_t benchRequests{2000};
  bool benchPubOnly{false};
  bool verbose{false};
};

class NatsCli
{
public:
  // Exit codes: 0 success, 1 failure (connection, timeout, no responders), 2 usage.
  static int run(int argc, char** argv);

  static constexpr int ExitOk = 0;
  static constexpr int ExitFailure = 1;
  static constexpr int ExitUsage = 2;
};

}
