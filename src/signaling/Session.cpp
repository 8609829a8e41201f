#include "signaling/Session.hpp"

#include "signaling/Room.hpp"

#include <algorithm>

namespace talk::signaling {

const char* clientTypeName(ClientType type)
{
  switch (type) {
  case ClientType::Client:
    return "client";
  case ClientType::Internal:
    return "internal";
  case ClientType::Federation:
    return "federation";
  case ClientType::Virtual:
    return "virtual";
  }
  return "client";
}

bool Session::hasPermission(const char* name) const
{
  if (!permissions) {
    return std::string_view(name) != permission::HideDisplayNames;
  }
  return permissions->count(name) != 0;
}

bool Session::hasFeature(std::string_view feature) const
{
  return std::find(features.begin(), features.end(), feature) != features.end();
}

Session* Room::findByRoomSessionId(const std::string& roomSessionId) const
{
  if (roomSessionId.empty()) {
    return nullptr;
  }
  for (Session* member : members) {
    if (member->roomSessionId == roomSessionId) {
      return member;
    }
  }
  return nullptr;
}

}
