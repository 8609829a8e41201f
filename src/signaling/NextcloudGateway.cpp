#include "signaling/NextcloudGateway.hpp"

#define TLOG_COMPONENT "signaling"
#include "common/log/Logger.hpp"
#include "signaling/backend/BackendRegistry.hpp"
#include "signaling/backend/Capabilities.hpp"
#include "signaling/backend/HelloTokenAuthenticator.hpp"
#include "signaling/backend/NextcloudClient.hpp"

namespace talk::signaling {

namespace {

protocol::ProtocolError toProtocol(const backend::ClientError& error)
{
  return {error.code, error.message, error.details};
}

}

struct NextcloudGateway::Impl
{
  Impl(http::HttpClient& client, const Clock& clock, std::shared_ptr<const backend::BackendRegistry> backends,
    std::string serverVersion, std::string features) :
    capabilities(client, clock),
    tokens(capabilities, clock),
    nextcloud(std::make_unique<backend::NextcloudClient>(client, capabilities, backend::NextcloudClient::Options{serverVersion, features})),
    registry(std::move(backends)),
    httpClient(client),
    version(std::move(serverVersion))
  {
  }

  std::shared_ptr<const backend::Backend> find(const BackendInfo& info) const
  {
    if (auto found = registry->byId(info.id)) {
      return found;
    }
    if (auto compat = registry->compat(); compat && compat->id == info.id) {
      return compat;
    }
    return nullptr;
  }

  backend::CapabilitiesCache capabilities;
  backend::HelloTokenAuthenticator tokens;
  std::unique_ptr<backend::NextcloudClient> nextcloud;
  std::shared_ptr<const backend::BackendRegistry> registry;
  http::HttpClient& httpClient;
  std::string version;
};

NextcloudGateway::NextcloudGateway(http::HttpClient& client, const Clock& clock,
  std::shared_ptr<const backend::BackendRegistry> registry, std::string version, std::string features) :
  d_impl(std::make_unique<Impl>(client, clock, std::move(registry), std::move(version), std::move(features)))
{
}

NextcloudGateway::~NextcloudGateway() = default;

void NextcloudGateway::setRegistry(std::shared_ptr<const backend::BackendRegistry> registry)
{
  d_impl->registry = std::move(registry);
}

void NextcloudGateway::setFeatures(std::string features)
{
  d_impl->nextcloud = std::make_unique<backend::NextcloudClient>(d_impl->httpClient, d_impl->capabilities,
    backend::NextcloudClient::Options{d_impl->version, std::move(features)});
}

std::optional<BackendInfo> NextcloudGateway::lookupBackend(std::string_view url) const
{
  auto normalized = backend::normalizeBackendUrl(url);
  if (!normalized) {
    return std::nullopt;
  }
  auto found = d_impl->registry->forClientUrl(normalized->url);
  if (!found) {
    return std::nullopt;
  }
  return BackendInfo{found->id, normalized->url, found->sessionLimit, found->maxStreamBitrate, found->maxScreenBitrate};
}

void NextcloudGateway::authenticate(const BackendInfo& info, const protocol::HelloRequest& hello, std::function<void(AuthResult)> done)
{
  auto backend = d_impl->find(info);
  if (!backend) {
    done(AuthResult{protocol::ProtocolError{"invalid_backend", "The backend is no longer configured.", nullptr}, {}, nullptr});
    return;
  }
  if (hello.version == "2.0") {
    const std::string token = hello.params.value("token", "");
    d_impl->tokens.verify(info.url, token, backend::HelloTokenAuthenticator::Kind::Client,
      [done](backend::Result<backend::TokenClaims> result) {
        if (!result) {
          done(AuthResult{toProtocol(result.error()), {}, nullptr});
          return;
        }
        done(AuthResult{std::nullopt, result->subject, result->userData});
      });
    return;
  }
  d_impl->nextcloud->auth(backend, info.url, hello.params, [done](backend::Result<backend::AuthResult> result) {
    if (!result) {
      done(AuthResult{toProtocol(result.error()), {}, nullptr});
      return;
    }
    done(AuthResult{std::nullopt, result->userId, result->user});
  });
}

void NextcloudGateway::joinRoom(const BackendInfo& info, const RoomJoinRequest& request, std::function<void(RoomJoinResult)> done)
{
  auto backend = d_impl->find(info);
  if (!backend) {
    done(RoomJoinResult{protocol::ProtocolError{"invalid_backend", "The backend is no longer configured.", nullptr}, nullptr, std::nullopt, {}});
    return;
  }
  backend::RoomJoin join{request.roomId, request.userId, request.roomSessionId, request.actorId, request.actorType,
    request.inCall ? std::optional<int>(static_cast<int>(*request.inCall)) : std::nullopt};
  d_impl->nextcloud->joinRoom(backend, info.url, join, [done](backend::Result<backend::RoomJoinResult> result) {
    if (!result) {
      done(RoomJoinResult{toProtocol(result.error()), nullptr, std::nullopt, {}});
      return;
    }
    done(RoomJoinResult{std::nullopt, result->properties, result->permissions, result->sessionUserId.value_or("")});
  });
}

void NextcloudGateway::leaveRoom(const BackendInfo& info, const RoomJoinRequest& request)
{
  auto backend = d_impl->find(info);
  if (!backend) {
    return;
  }
  backend::RoomJoin leave{request.roomId, request.userId, request.roomSessionId, request.actorId, request.actorType, std::nullopt};
  const std::string room = request.roomId;
  d_impl->nextcloud->leaveRoom(backend, info.url, leave, [room](backend::Result<backend::Done> result) {
    if (!result) {
      TLOG_WARN("backend leave failed room=%s: %s", room.c_str(), result.error().message.c_str());
    }
  });
}

void NextcloudGateway::ping(const BackendInfo& info, const std::string& roomId, std::vector<PingEntry> entries)
{
  auto backend = d_impl->find(info);
  if (!backend) {
    return;
  }
  backend::RoomPing room{roomId, {}};
  for (PingEntry& entry : entries) {
    room.entries.push_back({std::move(entry.userId), std::move(entry.sessionId)});
  }
  d_impl->nextcloud->ping(backend, info.url, {std::move(room)}, [roomId](backend::Result<backend::Done> result) {
    if (!result) {
      TLOG_WARN("backend ping failed room=%s: %s", roomId.c_str(), result.error().message.c_str());
    }
  });
}

void NextcloudGateway::virtualSession(const BackendInfo& info, const std::string& roomId, bool add, const std::string& sessionId,
  const std::string& userId, const Json& user, std::function<void(std::optional<protocol::ProtocolError>)> done)
{
  auto backend = d_impl->find(info);
  if (!backend) {
    done(protocol::ProtocolError{"invalid_backend", "The backend is no longer configured.", nullptr});
    return;
  }
  backend::SessionChange change{roomId, add, sessionId, userId, user};
  d_impl->nextcloud->session(backend, info.url, change, [done](backend::Result<backend::Done> result) {
    if (!result) {
      done(toProtocol(result.error()));
      return;
    }
    done(std::nullopt);
  });
}

}
