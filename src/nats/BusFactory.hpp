#pragma once
// makeBus: the one place that decides between LoopbackBus and NatsBus.
#include "common/ev/EventLoop.hpp"
#include "nats/Bus.hpp"
#include "nats/BusConfig.hpp"

#include <memory>

namespace talk::nats {

// Throws BusError when the configuration is invalid or the server cannot be reached
// (within config.connectTimeout) or rejects the credentials.
std::unique_ptr<Bus> makeBus(ev::EventLoop& loop, const BusConfig& config);

}
