#pragma once
// BackendGateway over the backend library: BackendRegistry for URL → backend,
// NextcloudClient for auth/room/ping/session requests, HelloTokenAuthenticator for hello
// 2.0 tokens. The registry is swapped on SIGHUP; live sessions keep their BackendInfo and
// calls look their backend up by id (a removed backend's calls are dropped).
#include "signaling/BackendGateway.hpp"

#include <memory>

namespace talk {
class Clock;
namespace http {
class HttpClient;
}
}

namespace talk::signaling {

namespace backend {
class BackendRegistry;
class CapabilitiesCache;
class HelloTokenAuthenticator;
class NextcloudClient;
}

class NextcloudGateway final : public BackendGateway
{
public:
  NextcloudGateway(http::HttpClient& client, const Clock& clock, std::shared_ptr<const backend::BackendRegistry> registry,
    std::string version, std::string features);
  ~NextcloudGateway() override;

  void setRegistry(std::shared_ptr<const backend::BackendRegistry> registry);
  // The features header value sent to Nextcloud.
  void setFeatures(std::string features);

  std::optional<BackendInfo> lookupBackend(std::string_view url) const override;
  bool supportsHelloV2() const override { return true; }
  void authenticate(const BackendInfo& backend, const protocol::HelloRequest& hello, std::function<void(AuthResult)> done) override;
  void joinRoom(const BackendInfo& backend, const RoomJoinRequest& request, std::function<void(RoomJoinResult)> done) override;
  void leaveRoom(const BackendInfo& backend, const RoomJoinRequest& request) override;
  void ping(const BackendInfo& backend, const std::string& roomId, std::vector<PingEntry> entries) override;
  void virtualSession(const BackendInfo& backend, const std::string& roomId, bool add, const std::string& sessionId,
    const std::string& userId, const Json& user, std::function<void(std::optional<protocol::ProtocolError>)> done) override;

private:
  struct Impl;
  std::unique_ptr<Impl> d_impl;
};

}
