#pragma once
// One signaling session: authenticated client, internal client, federated client or a
// virtual session owned by an internal client. Plain state; the Hub makes the decisions.
#include "nats/Subscription.hpp"
#include "signaling/BackendGateway.hpp"
#include "signaling/Scheduler.hpp"
#include "signaling/protocol/Json.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace talk::signaling {

class Room;

enum class ClientType
{
  Client,
  Internal,
  Federation,
  Virtual,
};

const char* clientTypeName(ClientType type);

// Permission names of spec §7.3.
namespace permission {
inline constexpr const char* PublishMedia = "publish-media";
inline constexpr const char* PublishAudio = "publish-audio";
inline constexpr const char* PublishVideo = "publish-video";
inline constexpr const char* PublishScreen = "publish-screen";
inline constexpr const char* Control = "control";
inline constexpr const char* TransientData = "transient-data";
inline constexpr const char* HideDisplayNames = "hide-displaynames";
}

struct Session
{
  // Identity
  uint64_t sid{0};
  std::string publicId;
  std::string privateId;
  BackendInfo backend;
  ClientType type{ClientType::Client};
  std::string userId;
  Json user; // user data from auth (null = none)
  std::vector<std::string> features;

  // Room state
  Room* room{nullptr};
  std::string roomSessionId; // Talk's session id in the room
  std::string roomUserId;    // "session.userid" from the join response (guests)
  int64_t inCall{0};
  int64_t flags{0};            // virtual sessions
  uint64_t joinSequence{0};    // ignores stale backend join answers
  std::optional<std::set<std::string>> permissions; // nullopt = everything but hide-displaynames
  std::set<std::string> seenSessions; // join events delivered to this receiver

  // Virtual sessions
  Session* owner{nullptr};
  std::string virtualId; // the owner's id for it
  std::vector<Session*> virtuals; // of an internal session

  // Connection
  uint64_t connection{0}; // 0 = disconnected
  std::deque<std::string> queued; // frames kept while disconnected
  bool queuedChatRefresh{false};
  Scheduler::Id expiryTimer{0};
  Scheduler::Id joinTimer{0};

  // Bus
  nats::Subscription sessionSubscription;
  nats::Subscription userSubscription;

  bool hasPermission(const char* name) const;
  bool hasFeature(std::string_view feature) const;
  bool isInternal() const { return type == ClientType::Internal; }
  // What join events and the backend see as user id.
  const std::string& effectiveUserId() const { return userId.empty() ? roomUserId : userId; }
};

}
