#pragma once
// Typed requests Nextcloud sends to POST /api/v1/room/{roomid} (spec §13), as the Hub
// applies them. decodeBackendRequest() validates the JSON body after the HTTP layer checked
// size, content type and checksum.
#include "signaling/protocol/Json.hpp"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace talk::signaling::protocol {

struct InviteRequest
{
  std::vector<std::string> userIds;
  std::vector<std::string> allUserIds;
  Json properties;
};

struct DisinviteRequest
{
  std::vector<std::string> userIds;
  std::vector<std::string> sessionIds; // Talk room session ids
  std::vector<std::string> allUserIds;
  Json properties;
};

struct UpdateRequest
{
  std::vector<std::string> userIds;
  Json properties;
};

struct DeleteRequest
{
  std::vector<std::string> userIds;
};

struct InCallRequest
{
  int64_t inCall{0};
  bool all{false};
  Json changed; // array or null
  Json users;   // array or null
};

struct ParticipantsRequest
{
  Json changed;
  Json users;
};

struct RoomMessageRequest
{
  Json data;
};

struct SwitchToRequest
{
  std::string roomId;
  Json sessions; // array of Talk sids, or object sid → details/null
};

struct DialoutRequest
{
  Json dialout; // {"number","options"}
};

using BackendRequest = std::variant<InviteRequest, DisinviteRequest, UpdateRequest, DeleteRequest, InCallRequest,
  ParticipantsRequest, RoomMessageRequest, SwitchToRequest, DialoutRequest>;

struct BackendRequestError
{
  std::string message; // for the 400 body
};

std::variant<BackendRequest, BackendRequestError> decodeBackendRequest(std::string_view body) noexcept;

}
