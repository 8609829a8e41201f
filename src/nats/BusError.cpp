#include "nats/BusError.hpp"

namespace talk::nats {

const char* busErrorCodeName(BusErrorCode code)
{
  switch (code) {
  case BusErrorCode::InvalidSubject:
    return "invalid-subject";
  case BusErrorCode::InvalidQueueGroup:
    return "invalid-queue-group";
  case BusErrorCode::PayloadTooLarge:
    return "payload-too-large";
  case BusErrorCode::NotConnected:
    return "not-connected";
  case BusErrorCode::ConnectFailed:
    return "connect-failed";
  case BusErrorCode::ConnectTimeout:
    return "connect-timeout";
  case BusErrorCode::AuthFailed:
    return "auth-failed";
  case BusErrorCode::TlsFailed:
    return "tls-failed";
  case BusErrorCode::InvalidConfig:
    return "invalid-config";
  case BusErrorCode::BufferFull:
    return "buffer-full";
  case BusErrorCode::Internal:
    return "internal";
  }
  return "unknown";
}

BusError::BusError(BusErrorCode code, const std::string& message) :
  Error(message), d_code(code)
{
}

}
