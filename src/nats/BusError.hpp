#pragma once
// The one exception type of libtalk-nats. The code lets callers (and tests) tell apart
// "you passed something invalid" from "the server said no" without parsing messages.
#include "common/util/Error.hpp"

#include <string>

namespace talk::nats {

enum class BusErrorCode
{
  InvalidSubject,
  InvalidQueueGroup,
  PayloadTooLarge,
  NotConnected,
  ConnectFailed,
  ConnectTimeout,
  AuthFailed,
  TlsFailed,
  InvalidConfig,
  BufferFull,
  Internal,
};

const char* busErrorCodeName(BusErrorCode code);

class BusError : public Error
{
public:
  BusError(BusErrorCode code, const std::string& message);
  BusErrorCode code() const noexcept { return d_code; }

private:
  BusErrorCode d_code;
};

}
