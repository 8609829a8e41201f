#pragma once
// The MediaEngine talk-sfu runs with until the libtalk-rtc engine lands: rooms exist (so
// the whole Janus control plane works against real clients), but every PeerConnection is
// refused with a plugin error that says so. It never pretends media flows.
#include "sfu/MediaEngine.hpp"

namespace talk::sfu::media {

class SignalingOnlyEngine final : public MediaEngine
{
public:
  std::unique_ptr<MediaRoom> createRoom(const RoomMediaOptions& options) override;
  bool isParseableSdp(std::string_view sdp) const override;
  MediaCapabilities capabilities() const override;
};

}
