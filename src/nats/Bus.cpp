#include "nats/Bus.hpp"

namespace talk::nats {

const char* connectionStateName(ConnectionState state)
{
  switch (state) {
  case ConnectionState::Connected:
    return "connected";
  case ConnectionState::Disconnected:
    return "disconnected";
  case ConnectionState::Reconnected:
    return "reconnected";
  case ConnectionState::Closed:
    return "closed";
  }
  return "unknown";
}

const char* requestStatusName(RequestStatus status)
{
  switch (status) {
  case RequestStatus::Ok:
    return "ok";
  case RequestStatus::Timeout:
    return "timeout";
  case RequestStatus::NoResponders:
    return "no responders";
  }
  return "unknown";
}

}
