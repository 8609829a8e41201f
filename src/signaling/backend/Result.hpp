#pragma once
// Client-facing errors (signaling-protocol.md §16) and a value-or-error result type used by
// every backend operation. Parsers and Nextcloud calls return these; nothing here throws.
#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <variant>

namespace talk::signaling::backend {

// Error codes of §16 that this library produces. Codes forwarded from Nextcloud's own
// `error` objects keep whatever code Nextcloud sent.
namespace codes {
inline constexpr const char* InvalidFormat = "invalid_format";
inline constexpr const char* InvalidClientType = "invalid_client_type";
inline constexpr const char* InvalidBackend = "invalid_backend";
inline constexpr const char* InvalidToken = "invalid_token";
inline constexpr const char* TokenNotValidYet = "token_not_valid_yet";
inline constexpr const char* TokenExpired = "token_expired";
inline constexpr const char* AuthFailed = "auth_failed";
inline constexpr const char* TooManyRequests = "too_many_requests";
inline constexpr const char* FederationUnsupported = "federation_unsupported";
inline constexpr const char* RoomJoinFailed = "room_join_failed";
inline constexpr const char* InternalError = "internal_error";
}

// The `error` object a session sends to its client: {"code","message"[, "details"]}.
struct ClientError
{
  std::string code;
  std::string message;
  nlohmann::json details; // null = no "details" key

  nlohmann::json toJson() const
  {
    nlohmann::json j = {{"code", code}, {"message", message}};
    if (!details.is_null()) {
      j["details"] = details;
    }
    return j;
  }
};

// Either a value or a ClientError (std::expected is C++23; g++ 12 builds C++20).
template <typename T>
class Result
{
public:
  Result(T value) : d_state(std::in_place_index<0>, std::move(value)) {}
  Result(ClientError error) : d_state(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return d_state.index() == 0; }
  explicit operator bool() const { return ok(); }
  // Precondition: ok().
  const T& value() const { return std::get<0>(d_state); }
  T& value() { return std::get<0>(d_state); }
  const T* operator->() const { return &value(); }
  // Precondition: !ok().
  const ClientError& error() const { return std::get<1>(d_state); }

private:
  std::variant<T, ClientError> d_state;
};

inline ClientError makeError(std::string code, std::string message)
{
  return ClientError{std::move(code), std::move(message), nullptr};
}

}
