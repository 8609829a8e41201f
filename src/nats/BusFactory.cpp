#include "nats/BusFactory.hpp"

#include "nats/LoopbackBus.hpp"
#include "nats/NatsBus.hpp"

namespace talk::nats {

std::unique_ptr<Bus> makeBus(ev::EventLoop& loop, const BusConfig& config)
{
  if (config.url == "loopback") {
    return std::make_unique<LoopbackBus>(loop, config.loopbackMaxPayload);
  }
  return std::make_unique<NatsBus>(loop, config);
}

}
