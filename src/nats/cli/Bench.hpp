#pragma once
// `talk-nats bench`: publish/subscribe throughput and request latency through NatsBus,
// printed as key=value lines that scripts/bench-nats compares with plain cnats.
#include "nats/cli/NatsCli.hpp"

namespace talk::nats::cli {

class Bench
{
public:
  static int run(const CliOptions& options);
};

}
