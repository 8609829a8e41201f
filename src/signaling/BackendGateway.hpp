#pragma once
// The port through which the signaling domain talks to Nextcloud (spec §12). The daemon
// plugs in an adapter over backend::NextcloudClient; unit tests plug in a fake. Every
// callback runs later on the loop thread (never inside the call), exactly once.
#include "signaling/protocol/Messages.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace talk::signaling {

struct BackendInfo
{
  std::string id;  // configured backend id (room identity part)
  std::string url; // base URL the client named, with trailing "/"
  int64_t sessionLimit{0};
  int64_t maxStreamBitrate{0};
  int64_t maxScreenBitrate{0};
};

struct AuthResult
{
  std::optional<protocol::ProtocolError> error;
  std::string userId;
  Json user;
};

struct RoomJoinRequest
{
  std::string roomId;
  std::string userId;
  std::string roomSessionId;
  std::string actorId;   // virtual/federated sessions
  std::string actorType;
  std::optional<int64_t> inCall;
};

struct RoomJoinResult
{
  std::optional<protocol::ProtocolError> error;
  Json properties;
  std::optional<std::vector<std::string>> permissions;
  std::string sessionUserId; // "session.userid" of the response (guests)
};

struct PingEntry
{
  std::string userId;
  std::string sessionId;
};

class BackendGateway
{
public:
  virtual ~BackendGateway() = default;

  // The configured backend for a client URL (hello auth.url, internal params.backend);
  // nullopt → invalid_backend.
  virtual std::optional<BackendInfo> lookupBackend(std::string_view url) const = 0;
  // Whether hello 2.0 (JWT) can be verified.
  virtual bool supportsHelloV2() const = 0;
  // Hello 1.0 (auth request) or 2.0 (token check) of a client/federation session.
  virtual void authenticate(const BackendInfo& backend, const protocol::HelloRequest& hello,
    std::function<void(AuthResult)> done) = 0;
  virtual void joinRoom(const BackendInfo& backend, const RoomJoinRequest& request,
    std::function<void(RoomJoinResult)> done) = 0;
  // Fire and forget; the response is ignored (spec §12.4).
  virtual void leaveRoom(const BackendInfo& backend, const RoomJoinRequest& request) = 0;
  virtual void ping(const BackendInfo& backend, const std::string& roomId, std::vector<PingEntry> entries) = 0;
  // Backend "session" request for virtual sessions without actor options (§12.7).
  virtual void virtualSession(const BackendInfo& backend, const std::string& roomId, bool add,
    const std::string& sessionId, const std::string& userId, const Json& user,
    std::function<void(std::optional<protocol::ProtocolError>)> done) = 0;
};

}
