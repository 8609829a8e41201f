#pragma once
// The VideoRoom plugin of the Janus API subset (janus-api.md §8–§9): rooms, publishers
// and subscribers per handle, every plugin error code and ordering rule, and the events
// the media side reports. Media work is delegated to a MediaEngine; this class only
// decides. It owns no I/O: replies and events leave through Listener::deliver.
#include "sfu/MediaEngine.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace talk::sfu::control {

struct VideoRoomLimits
{
  uint32_t maxRooms{0};              // 0 = unlimited
  uint32_t maxSubscribersPerRoom{0}; // 0 = unlimited
  uint32_t maxStreams{0};            // publishers + subscribers over all rooms, 0 = unlimited
  uint32_t maxBitrate{0};            // upper bound for a room's `bitrate`, 0 = none
  uint32_t defaultBitrate{0};        // room bitrate when `create` has none
};

struct Jsep
{
  std::string type; // "offer" or "answer"
  std::string sdp;
};

class VideoRoom
{
public:
  static constexpr const char* PluginName = "janus.plugin.videoroom";

  class Listener
  {
  public:
    virtual ~Listener() = default;
    // A message for a handle: `message` lacks session_id and sender, which the core adds.
    // Carries "transaction" when it answers an asynchronous request.
    virtual void deliver(uint64_t sessionId, uint64_t handleId, nlohmann::json message) = 0;
  };

  struct RequestContext
  {
    uint64_t sessionId{0};
    uint64_t handleId{0};
    std::string transaction;
  };

  struct Stats
  {
    size_t rooms{0};
    size_t publishers{0};  // with a PeerConnection
    size_t subscribers{0}; // with a PeerConnection
  };

  // randomId: a source of ids (room ids, feed ids, private ids); the daemon draws them from
  // the CSPRNG, tests may make them predictable. Must return values in [1, 2^53).
  VideoRoom(MediaEngine& engine, Listener& listener, VideoRoomLimits limits, std::function<uint64_t()> randomId);
  ~VideoRoom();
  VideoRoom(const VideoRoom&) = delete;
  VideoRoom& operator=(const VideoRoom&) = delete;

  void setLimits(const VideoRoomLimits& limits) { d_limits = limits; }

  // Handle lifecycle (core verbs attach/detach/hangup and session teardown).
  void attach(uint64_t sessionId, uint64_t handleId);
  void detach(uint64_t handleId);
  void hangup(uint64_t handleId, const std::string& reason);
  // Destroys the rooms created through this session (after its handles are detached).
  void destroySessionRooms(uint64_t sessionId);

  // True for requests answered with ack + event; false for synchronous ones (and for
  // malformed bodies, whose plugin error is a synchronous reply).
  static bool isAsync(const nlohmann::json& body);
  // Synchronous request: returns plugindata.data for the `success` reply.
  nlohmann::json handleSync(const RequestContext& context, const nlohmann::json& body);
  // Asynchronous request: the ack has been sent; the event is delivered (now or later)
  // with context.transaction.
  void handleAsync(const RequestContext& context, const nlohmann::json& body, const std::optional<Jsep>& jsep);
  // A subscriber with an offer the client has not answered yet (else `answer` → core 469).
  bool expectsAnswer(uint64_t handleId) const;

  void trickle(uint64_t handleId, const std::vector<IceCandidate>& candidates);

  Stats stats() const;

private:
  enum class Role
  {
    None,
    Publisher,
    Subscriber,
  };
  struct Room;
  struct Handle;

  // Passed by argument (not owned)
  MediaEngine& d_engine;
  Listener& d_listener;
  // State
  VideoRoomLimits d_limits;
  std::function<uint64_t()> d_randomId;
  std::map<uint64_t, std::unique_ptr<Room>> d_rooms;
  std::map<uint64_t, std::unique_ptr<Handle>> d_handles;

  Handle* findHandle(uint64_t handleId) const;
  Room* findRoom(uint64_t roomId) const;
  size_t streamCount() const;

  nlohmann::json createRoom(const RequestContext& context, const nlohmann::json& body);
  nlohmann::json destroyRoom(const RequestContext& context, const nlohmann::json& body);
  nlohmann::json roomExists(const nlohmann::json& body);
  nlohmann::json listRooms();
  nlohmann::json listParticipants(const nlohmann::json& body);

  void joinPublisher(Handle& handle, const RequestContext& context, const nlohmann::json& body,
                     const std::optional<Jsep>& jsep);
  void joinSubscriber(Handle& handle, const RequestContext& context, const nlohmann::json& body);
  void configurePublisher(Handle& handle, const RequestContext& context, const nlohmann::json& body,
                          const std::optional<Jsep>& jsep, bool publishRequest);
  void configureSubscriber(Handle& handle, const RequestContext& context, const nlohmann::json& body);
  void start(Handle& handle, const RequestContext& context, const std::optional<Jsep>& jsep);
  void pause(Handle& handle, const RequestContext& context);
  void switchFeed(Handle& handle, const RequestContext& context, const nlohmann::json& body);
  void leave(Handle& handle, const RequestContext& context);
  void unpublish(Handle& handle, const RequestContext& context);

  // Publishing: offer → answer, reported to `reply` as the event data (+ jsep).
  void negotiatePublisher(Handle& handle, const std::string& offer, nlohmann::json data,
                          std::function<void(Handle&, nlohmann::json, std::optional<Jsep>)> reply);
  // Closes a publisher's PeerConnection; its subscribers are hung up ("Close PC").
  void stopPublishing(Handle& handle, bool notifyOthers);
  void closeSubscriber(Handle& handle, const std::string& reason, bool notifyHandle);
  void removeFromRoom(Handle& handle);
  void destroyRoomInternal(Room& room, uint64_t exceptHandle);
  void pushUpdatedOffers(Handle& publisher);

  // Media-side events of a handle's endpoint.
  void onWebrtcUp(Handle& handle);
  void onHangup(Handle& handle, const std::string& reason);
  void onMedia(Handle& handle, const std::string& type, const std::string& mid, bool receiving, int seconds);
  void onSlowLink(Handle& handle, bool uplink, uint32_t lost, const std::string& media, const std::string& mid);
  void onTalking(Handle& handle, bool talking, int audioLevel);

  void replyEvent(const RequestContext& context, nlohmann::json data, const std::optional<Jsep>& jsep = std::nullopt);
  void replyError(const RequestContext& context, int code, const std::string& reason);
  void notify(const Handle& handle, nlohmann::json data, const std::optional<Jsep>& jsep = std::nullopt);
  void coreEvent(const Handle& handle, nlohmann::json message);
  nlohmann::json publisherList(const Room& room, uint64_t exceptFeed) const;
};

// The plugin error object of §6.5.
nlohmann::json videoRoomError(int code, const std::string& reason);

}
