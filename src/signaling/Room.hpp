#pragma once
// A room on one backend (identity = backend id + room id): members, properties from
// Nextcloud, the participant list of the last update and transient data.
#include "nats/Subscription.hpp"
#include "signaling/BackendGateway.hpp"
#include "signaling/Scheduler.hpp"
#include "signaling/protocol/Json.hpp"

#include <map>
#include <string>
#include <vector>

namespace talk::signaling {

struct Session;

struct TransientEntry
{
  Json value;
  Scheduler::Id expiry{0};
};

struct Room
{
  std::string backendId;
  BackendInfo backend; // of the first member; used for pings
  std::string id;
  std::string key; // "<roomid>|<backend id>"
  Json properties;
  std::vector<Session*> members; // join order
  std::map<std::string, TransientEntry> transient;
  Json users = Json::array(); // last "users" list from Nextcloud
  nats::Subscription subscription;

  Session* findByRoomSessionId(const std::string& roomSessionId) const;
};

}
