#include "nats/cli/NatsCli.hpp"

int main(int argc, char** argv)
{
  return talk::nats::cli::NatsCli::run(argc, argv);
}
