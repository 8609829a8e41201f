#include "signaling/protocol/BackendRequests.hpp"

#include "signaling/protocol/MessageCodec.hpp"

namespace talk::signaling::protocol {

namespace {

struct Bad
{
  std::string message;
};

std::vector<std::string> stringList(const Json& object, const char* key)
{
  std::vector<std::string> out;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return out;
  }
  if (!it->is_array()) {
    throw Bad{std::string(key) + " must be a list"};
  }
  for (const Json& item : *it) {
    if (!item.is_string()) {
      throw Bad{std::string(key) + " must hold strings"};
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

Json optional(const Json& object, const char* key)
{
  auto it = object.find(key);
  return it == object.end() ? Json() : *it;
}

Json optionalArray(const Json& object, const char* key)
{
  Json value = optional(object, key);
  if (!value.is_null() && !value.is_array()) {
    throw Bad{std::string(key) + " must be a list"};
  }
  return value;
}

const Json& body(const Json& request, const std::string& type)
{
  auto it = request.find(type);
  if (it == request.end() || !it->is_object()) {
    throw Bad{"missing " + type + " object"};
  }
  return *it;
}

}

std::variant<BackendRequest, BackendRequestError> decodeBackendRequest(std::string_view text) noexcept
{
  std::optional<Json> parsed = MessageCodec::parse(text);
  if (!parsed || !parsed->is_object()) {
    return BackendRequestError{"Could not parse JSON body"};
  }
  try {
    const Json& request = *parsed;
    auto typeIt = request.find("type");
    if (typeIt == request.end() || !typeIt->is_string()) {
      return BackendRequestError{"Missing request type"};
    }
    const std::string type = typeIt->get<std::string>();
    if (type == "invite") {
      const Json& b = body(request, type);
      return BackendRequest{InviteRequest{stringList(b, "userids"), stringList(b, "alluserids"), optional(b, "properties")}};
    }
    if (type == "disinvite") {
      const Json& b = body(request, type);
      return BackendRequest{DisinviteRequest{stringList(b, "userids"), stringList(b, "sessionids"),
        stringList(b, "alluserids"), optional(b, "properties")}};
    }
    if (type == "update") {
      const Json& b = body(request, type);
      return BackendRequest{UpdateRequest{stringList(b, "userids"), optional(b, "properties")}};
    }
    if (type == "delete") {
      const Json& b = body(request, type);
      return BackendRequest{DeleteRequest{stringList(b, "userids")}};
    }
    if (type == "incall") {
      const Json& b = body(request, type);
      InCallRequest incall;
      auto value = toInteger(optional(b, "incall"));
      if (!value) {
        throw Bad{"incall must be an integer or boolean"};
      }
      incall.inCall = *value;
      Json all = optional(b, "all");
      incall.all = all.is_boolean() && all.get<bool>();
      incall.changed = optionalArray(b, "changed");
      incall.users = optionalArray(b, "users");
      return BackendRequest{incall};
    }
    if (type == "participants") {
      const Json& b = body(request, type);
      return BackendRequest{ParticipantsRequest{optionalArray(b, "changed"), optionalArray(b, "users")}};
    }
    if (type == "message") {
      const Json& b = body(request, type);
      Json data = optional(b, "data");
      if (data.is_null()) {
        throw Bad{"missing message data"};
      }
      return BackendRequest{RoomMessageRequest{data}};
    }
    if (type == "switchto") {
      const Json& b = body(request, type);
      Json room = optional(b, "roomid");
      Json sessions = optional(b, "sessions");
      if (!room.is_string() || room.get<std::string>().empty()) {
        throw Bad{"missing switchto roomid"};
      }
      if (!sessions.is_array() && !sessions.is_object()) {
        throw Bad{"switchto sessions must be a list or a map"};
      }
      return BackendRequest{SwitchToRequest{room.get<std::string>(), sessions}};
    }
    if (type == "dialout") {
      return BackendRequest{DialoutRequest{body(request, type)}};
    }
    return BackendRequestError{"Unsupported request type: " + type};
  } catch (const Bad& bad) {
    return BackendRequestError{bad.message};
  } catch (const std::exception& e) {
    return BackendRequestError{e.what()};
  }
}

}
