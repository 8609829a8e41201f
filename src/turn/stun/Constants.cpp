#include "turn/stun/Constants.hpp"

namespace talk::turn::stun {

const char* reasonPhrase(uint16_t code) noexcept
{
  switch (code) {
  case error::TryAlternate:
    return "Try Alternate";
  case error::BadRequest:
    return "Bad Request";
  case error::Unauthorized:
    return "Unauthorized";
  case error::Forbidden:
    return "Forbidden";
  case error::MobilityForbidden:
    return "Mobility Forbidden";
  case error::UnknownAttribute:
    return "Unknown Attribute";
  case error::AllocationMismatch:
    return "Allocation Mismatch";
  case error::StaleNonce:
    return "Stale Nonce";
  case error::AddressFamilyNotSupported:
    return "Address Family not Supported";
  case error::WrongCredentials:
    return "Wrong Credentials";
  case error::UnsupportedTransportProtocol:
    return "Unsupported Transport Protocol";
  case error::PeerAddressFamilyMismatch:
    return "Peer Address Family Mismatch";
  case error::AllocationQuotaReached:
    return "Allocation Quota Reached";
  case error::ServerError:
    return "Server Error";
  case error::InsufficientCapacity:
    return "Insufficient Capacity";
  default:
    return "";
  }
}

}
