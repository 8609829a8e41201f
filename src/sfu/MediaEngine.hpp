#pragma once
// The seam between the Janus control plane (control::VideoRoom) and the media side.
// The control plane decides *what* happens (who publishes, who subscribes, which layer);
// an engine decides *how* (transports, SDP, RTP forwarding). Unit tests drive the control
// plane with a fake engine; the daemon uses the libtalk-rtc one.
//
// Contract for every engine:
// - Callbacks (`done` functions and EndpointListener calls) run on the loop thread that
//   owns the room, never re-entrantly from inside the call that started them *except*
//   `done`, which may be called synchronously.
// - Destroying an endpoint closes its PeerConnection and cancels every pending callback:
//   nothing is called on a listener after its endpoint is gone.
// - Endpoints queue trickled candidates until their remote description is known.
// - A listener or `done` callback may destroy the endpoint that called it (a hangup
//   closes the PeerConnection): after invoking one, the engine touches nothing of it.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace talk::sfu {

// What the room's `create` request chose; codecs are in preference order, lower case.
struct RoomMediaOptions
{
  uint64_t roomId{0};
  uint32_t bitrate{0}; // bit/s cap for publishers via REMB; 0 = none
  std::vector<std::string> audioCodecs{"opus"};
  std::vector<std::string> videoCodecs{"vp8"};
  std::string vp9Profile;
  std::string h264Profile;
  bool videoOrientExt{false};
  bool audioLevelEvents{false};
};

// A trickled ICE candidate as the client sent it ("completed" = end of candidates).
struct IceCandidate
{
  std::string candidate;
  std::string sdpMid;
  int sdpMLineIndex{-1};
  bool completed{false};
};

// One negotiated m-line.
struct StreamInfo
{
  std::string type; // "audio", "video", "data"
  std::string mid;
  int mindex{0};
  std::string codec; // "" for data
  bool active{true};
  bool simulcast{false};
  std::string feedMid; // subscriber streams: the publisher's mid it relays
};

struct MediaError
{
  int code{0}; // VideoRoom plugin error code (e.g. 437 invalid SDP), 0 = success
  std::string reason;
};

struct PublishResult
{
  MediaError error;
  std::string answerSdp;
  std::string audioCodec; // "" when no audio was accepted
  std::string videoCodec;
  std::vector<StreamInfo> streams;
};

struct OfferResult
{
  MediaError error;
  std::string offerSdp;
  std::vector<StreamInfo> streams;
};

// Layer and mute selection of a subscription; unset fields keep their current value.
struct SubscriptionSelection
{
  std::optional<int> substream; // 0 (lowest) … 2
  std::optional<int> temporal;  // 0 … 2
  std::optional<bool> audio;
  std::optional<bool> video;
};

// Core events of one PeerConnection.
class EndpointListener
{
public:
  virtual ~EndpointListener() = default;
  // DTLS done and SRTP keys installed; at most once per DTLS session.
  virtual void onWebrtcUp() = 0;
  // The PeerConnection is definitively gone (ICE failed, DTLS alert, ...).
  virtual void onHangup(const std::string& reason) = 0;
  // A stream started or stopped arriving (publishers) / being sent (subscribers).
  virtual void onMedia(const std::string& type, const std::string& mid, bool receiving, int seconds) = 0;
  // Loss above the threshold in the last second.
  virtual void onSlowLink(bool uplink, uint32_t lost, const std::string& media, const std::string& mid) = 0;
  // Audio-level transitions of a publisher (only when the room asked for them).
  virtual void onTalking(bool talking, int audioLevel) = 0;
};

class PublisherEndpoint
{
public:
  virtual ~PublisherEndpoint() = default;
  // Offer from the browser → answer (also renegotiation / a new browser PeerConnection).
  virtual void negotiate(const std::string& offerSdp, std::function<void(PublishResult)> done) = 0;
  virtual void trickle(const IceCandidate& candidate) = 0;
  // Per-publisher cap (bit/s, 0 = the room's), enforced with REMB.
  virtual void setBitrate(uint32_t bitrate) = 0;
  // The streams currently published (for subscriber offers and the "publishers" list).
  virtual std::vector<StreamInfo> streams() const = 0;
};

class SubscriberEndpoint
{
public:
  virtual ~SubscriberEndpoint() = default;
  // A (new) offer for this subscription; iceRestart asks for new ICE credentials.
  virtual void createOffer(bool iceRestart, std::function<void(OfferResult)> done) = 0;
  // The browser's answer to the last offer.
  virtual void setAnswer(const std::string& answerSdp, std::function<void(MediaError)> done) = 0;
  virtual void trickle(const IceCandidate& candidate) = 0;
  virtual void select(const SubscriptionSelection& selection) = 0;
  // Paused subscriptions keep their PeerConnection but relay nothing (a fresh one is paused).
  virtual void setPaused(bool paused) = 0;
  // Relays another publisher of the same room without renegotiation; false when the
  // streams do not match (different codecs or kinds).
  virtual bool switchTo(PublisherEndpoint& publisher) = 0;
};

class MediaRoom
{
public:
  virtual ~MediaRoom() = default;
  virtual std::unique_ptr<PublisherEndpoint> createPublisher(uint64_t feedId, EndpointListener& listener) = 0;
  // mids: the publisher's mids to relay, empty = all of them.
  virtual std::unique_ptr<SubscriberEndpoint> createSubscriber(PublisherEndpoint& publisher,
                                                               const std::vector<std::string>& mids,
                                                               const SubscriptionSelection& selection,
                                                               EndpointListener& listener) = 0;
  virtual void setBitrate(uint32_t bitrate) = 0;
};

// Facts reported in `server_info`.
struct MediaCapabilities
{
  std::string localIp;
  bool iceTcp{false};
  bool ipv6{false};
  std::vector<std::pair<std::string, std::string>> dependencies; // name → version
};

class MediaEngine
{
public:
  virtual ~MediaEngine() = default;
  virtual std::unique_ptr<MediaRoom> createRoom(const RoomMediaOptions& options) = 0;
  // A quick structural check used before acknowledging a request (core error 465).
  virtual bool isParseableSdp(std::string_view sdp) const = 0;
  virtual MediaCapabilities capabilities() const = 0;
};

}
