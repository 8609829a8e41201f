#include "sfu/media/SignalingOnlyEngine.hpp"

#include "sfu/control/JanusErrors.hpp"

namespace talk::sfu::media {

namespace {

const char* const Refusal = "talk-sfu runs without a media plane in this build: PeerConnections are refused";

class RefusedPublisher final : public PublisherEndpoint
{
public:
  void negotiate(const std::string&, std::function<void(PublishResult)> done) override
  {
    PublishResult result;
    result.error = {control::RoomError::Unknown, Refusal};
    done(result);
  }
  void trickle(const IceCandidate&) override {}
  void setBitrate(uint32_t) override {}
  std::vector<StreamInfo> streams() const override { return {}; }
};

class Room final : public MediaRoom
{
public:
  std::unique_ptr<PublisherEndpoint> createPublisher(uint64_t, EndpointListener&) override
  {
    return std::make_unique<RefusedPublisher>();
  }
  // Unreachable: no publisher ever comes up, so no feed is joinable.
  std::unique_ptr<SubscriberEndpoint> createSubscriber(PublisherEndpoint&, const std::vector<std::string>&,
                                                       const SubscriptionSelection&, EndpointListener&) override
  {
    return nullptr;
  }
  void setBitrate(uint32_t) override {}
};

}

std::unique_ptr<MediaRoom> SignalingOnlyEngine::createRoom(const RoomMediaOptions&) { return std::make_unique<Room>(); }

bool SignalingOnlyEngine::isParseableSdp(std::string_view sdp) const
{
  // Structure only: a version line first, at least one media section.
  return sdp.substr(0, 3) == "v=0" && sdp.find("\nm=") != std::string_view::npos;
}

MediaCapabilities SignalingOnlyEngine::capabilities() const { return {}; }

}
