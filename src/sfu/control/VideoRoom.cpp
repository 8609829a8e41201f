#include "sfu/control/VideoRoom.hpp"

#include "common/crypto/Crypto.hpp"
#include "sfu/control/JanusErrors.hpp"

#define TLOG_COMPONENT "videoroom"
#include "common/log/Logger.hpp"

#include <algorithm>
#include <cctype>

namespace talk::sfu::control {

using nlohmann::json;

namespace {

// A plugin error raised while handling one request; turned into the §6.5 object at the
// request boundary (handleSync / handleAsync).
struct PluginFailure
{
  int code;
  std::string reason;
};

[[noreturn]] void fail(int code, std::string reason) { throw PluginFailure{code, std::move(reason)}; }

[[noreturn]] void invalid(const char* key, const char* expected)
{
  fail(RoomError::InvalidElement, std::string("Invalid element (") + key + " should be " + expected + ")");
}

std::optional<int64_t> optInteger(const json& body, const char* key, int64_t min, int64_t max)
{
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    return std::nullopt;
  }
  if (!it->is_number_integer()) {
    invalid(key, "an integer");
  }
  if (it->is_number_unsigned()) {
    const uint64_t value = it->get<uint64_t>();
    if (value > static_cast<uint64_t>(max) || (min > 0 && value < static_cast<uint64_t>(min))) {
      invalid(key, "in range");
    }
    return static_cast<int64_t>(value);
  }
  const int64_t value = it->get<int64_t>();
  if (value < min || value > max) {
    invalid(key, "in range");
  }
  return value;
}

std::optional<bool> optBool(const json& body, const char* key)
{
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    return std::nullopt;
  }
  if (!it->is_boolean()) {
    invalid(key, "a boolean");
  }
  return it->get<bool>();
}

std::optional<std::string> optString(const json& body, const char* key)
{
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    return std::nullopt;
  }
  if (!it->is_string()) {
    invalid(key, "a string");
  }
  return it->get<std::string>();
}

constexpr int64_t MaxId = (int64_t{1} << 53) - 1;

uint64_t requireId(const json& body, const char* key)
{
  if (body.find(key) == body.end()) {
    fail(RoomError::MissingElement, std::string("Missing element (") + key + ")");
  }
  auto value = optInteger(body, key, 1, MaxId);
  if (!value) {
    invalid(key, "a positive integer");
  }
  return static_cast<uint64_t>(*value);
}

std::string requestName(const json& body)
{
  auto it = body.find("request");
  if (it == body.end() || !it->is_string()) {
    return {};
  }
  std::string name = it->get<std::string>();
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

std::vector<std::string> codecList(const json& body, const char* key, std::initializer_list<const char*> known,
                                   std::vector<std::string> def)
{
  auto text = optString(body, key);
  if (!text) {
    return def;
  }
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text->size()) {
    size_t end = text->find(',', start);
    if (end == std::string::npos) {
      end = text->size();
    }
    std::string name = text->substr(start, end - start);
    name.erase(std::remove_if(name.begin(), name.end(), [](unsigned char c) { return std::isspace(c) != 0; }), name.end());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const char* k : known) {
      if (name == k && std::find(out.begin(), out.end(), name) == out.end()) {
        out.push_back(name);
      }
    }
    start = end + 1;
  }
  if (out.empty()) {
    invalid(key, "a list of supported codecs");
  }
  return out;
}

SubscriptionSelection readSelection(const json& object)
{
  SubscriptionSelection selection;
  if (auto v = optInteger(object, "substream", 0, 2)) {
    selection.substream = static_cast<int>(*v);
  }
  if (auto v = optInteger(object, "temporal", 0, 2)) {
    selection.temporal = static_cast<int>(*v);
  }
  selection.audio = optBool(object, "audio");
  selection.video = optBool(object, "video");
  return selection;
}

void merge(SubscriptionSelection& into, const SubscriptionSelection& from)
{
  if (from.substream) {
    into.substream = from.substream;
  }
  if (from.temporal) {
    into.temporal = from.temporal;
  }
  if (from.audio) {
    into.audio = from.audio;
  }
  if (from.video) {
    into.video = from.video;
  }
}

bool sameStreamSet(const std::vector<StreamInfo>& a, const std::vector<StreamInfo>& b)
{
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].type != b[i].type || a[i].mid != b[i].mid || a[i].active != b[i].active || a[i].codec != b[i].codec) {
      return false;
    }
  }
  return true;
}

constexpr size_t MaxQueuedCandidates = 64;

}

json videoRoomError(int code, const std::string& reason)
{
  return json{{"videoroom", "event"}, {"error_code", code}, {"error", reason}};
}

struct VideoRoom::Room
{
  uint64_t id{0};
  std::string description;
  uint32_t maxPublishers{3};
  uint32_t bitrate{0};
  std::string secret;
  bool isPrivate{false};
  bool audioLevelEvents{false};
  uint64_t creatorSession{0};
  RoomMediaOptions options;
  std::map<uint64_t, Handle*> publishers; // feed id → joined publisher handle
  std::set<Handle*> subscribers;         // joined subscriber handles
  // Owned; declared last so participants' endpoints are always gone first.
  std::unique_ptr<MediaRoom> media;
};

struct VideoRoom::Handle final : EndpointListener
{
  Handle(VideoRoom& owner_, uint64_t sessionId_, uint64_t handleId_)
    : owner(owner_), sessionId(sessionId_), handleId(handleId_)
  {
  }

  void onWebrtcUp() override { owner.onWebrtcUp(*this); }
  void onHangup(const std::string& reason) override { owner.onHangup(*this, reason); }
  void onMedia(const std::string& type, const std::string& mid, bool receiving, int seconds) override
  {
    owner.onMedia(*this, type, mid, receiving, seconds);
  }
  void onSlowLink(bool uplink, uint32_t lost, const std::string& media, const std::string& mid) override
  {
    owner.onSlowLink(*this, uplink, lost, media, mid);
  }
  void onTalking(bool talking, int audioLevel) override { owner.onTalking(*this, talking, audioLevel); }

  void flushCandidates()
  {
    for (const IceCandidate& candidate : queued) {
      if (publisher) {
        publisher->trickle(candidate);
      }
      else if (subscriber) {
        subscriber->trickle(candidate);
      }
    }
    queued.clear();
  }

  // Passed by argument (not owned)
  VideoRoom& owner;
  // State
  const uint64_t sessionId;
  const uint64_t handleId;
  Role role{Role::None};
  uint64_t roomId{0};
  // publisher
  uint64_t feedId{0};
  uint64_t privateId{0};
  std::string display;
  uint32_t bitrate{0};
  bool webrtcUp{false};
  std::vector<StreamInfo> streams;
  // subscriber
  uint64_t sourceFeed{0};
  bool legacyJoin{false};
  bool offerPending{false};
  std::string pendingOffer;
  bool started{false};
  bool paused{true};
  std::vector<IceCandidate> queued;
  // Owned; declared last so they are destroyed before the state their callbacks read.
  std::unique_ptr<PublisherEndpoint> publisher;
  std::unique_ptr<SubscriberEndpoint> subscriber;
};

VideoRoom::VideoRoom(MediaEngine& engine, Listener& listener, VideoRoomLimits limits, std::function<uint64_t()> randomId)
  : d_engine(engine), d_listener(listener), d_limits(limits), d_randomId(std::move(randomId))
{
}

VideoRoom::~VideoRoom()
{
  // Subscriber endpoints relay publisher endpoints, which live in media rooms: close in
  // that order whatever the map order is.
  for (auto& [id, handle] : d_handles) {
    handle->subscriber.reset();
  }
  for (auto& [id, handle] : d_handles) {
    handle->publisher.reset();
  }
  d_handles.clear();
  d_rooms.clear();
}

VideoRoom::Handle* VideoRoom::findHandle(uint64_t handleId) const
{
  auto it = d_handles.find(handleId);
  return it == d_handles.end() ? nullptr : it->second.get();
}

VideoRoom::Room* VideoRoom::findRoom(uint64_t roomId) const
{
  auto it = d_rooms.find(roomId);
  return it == d_rooms.end() ? nullptr : it->second.get();
}

size_t VideoRoom::streamCount() const
{
  size_t count = 0;
  for (const auto& [id, handle] : d_handles) {
    count += (handle->publisher ? 1 : 0) + (handle->subscriber ? 1 : 0);
  }
  return count;
}

VideoRoom::Stats VideoRoom::stats() const
{
  Stats stats;
  stats.rooms = d_rooms.size();
  for (const auto& [id, handle] : d_handles) {
    stats.publishers += handle->publisher ? 1 : 0;
    stats.subscribers += handle->subscriber ? 1 : 0;
  }
  return stats;
}

// ---- handle lifecycle ----

void VideoRoom::attach(uint64_t sessionId, uint64_t handleId)
{
  d_handles[handleId] = std::make_unique<Handle>(*this, sessionId, handleId);
}

void VideoRoom::detach(uint64_t handleId)
{
  Handle* handle = findHandle(handleId);
  if (handle == nullptr) {
    return;
  }
  if (handle->role == Role::Publisher) {
    Room* room = findRoom(handle->roomId);
    stopPublishing(*handle, true);
    if (room != nullptr) {
      for (auto& [feed, other] : room->publishers) {
        if (other != handle) {
          notify(*other, json{{"videoroom", "event"}, {"room", room->id}, {"leaving", handle->feedId}});
        }
      }
    }
  }
  else if (handle->role == Role::Subscriber) {
    closeSubscriber(*handle, "Detached", false);
  }
  removeFromRoom(*handle);
  d_handles.erase(handleId);
}

void VideoRoom::hangup(uint64_t handleId, const std::string& reason)
{
  Handle* handle = findHandle(handleId);
  if (handle == nullptr) {
    return;
  }
  if (handle->publisher) {
    coreEvent(*handle, json{{"janus", "hangup"}, {"reason", reason}});
    stopPublishing(*handle, true);
  }
  else if (handle->subscriber) {
    closeSubscriber(*handle, reason, true);
  }
}

void VideoRoom::destroySessionRooms(uint64_t sessionId)
{
  std::vector<uint64_t> ids;
  for (const auto& [id, room] : d_rooms) {
    if (room->creatorSession == sessionId) {
      ids.push_back(id);
    }
  }
  for (uint64_t id : ids) {
    if (Room* room = findRoom(id)) {
      TLOG_INFO("room=%llu destroyed with its session session=%llu", static_cast<unsigned long long>(id),
                static_cast<unsigned long long>(sessionId));
      destroyRoomInternal(*room, 0);
    }
  }
}

void VideoRoom::removeFromRoom(Handle& handle)
{
  if (Room* room = findRoom(handle.roomId)) {
    if (handle.role == Role::Publisher) {
      auto it = room->publishers.find(handle.feedId);
      if (it != room->publishers.end() && it->second == &handle) {
        room->publishers.erase(it);
      }
    }
    else if (handle.role == Role::Subscriber) {
      room->subscribers.erase(&handle);
    }
  }
  handle.role = Role::None;
  handle.roomId = 0;
  handle.feedId = 0;
  handle.sourceFeed = 0;
  handle.started = false;
  handle.paused = true;
}

void VideoRoom::stopPublishing(Handle& handle, bool notifyOthers)
{
  Room* room = findRoom(handle.roomId);
  const bool wasPublished = handle.publisher != nullptr;
  if (room != nullptr) {
    std::vector<Handle*> fed;
    for (Handle* subscriber : room->subscribers) {
      if (subscriber->sourceFeed == handle.feedId && subscriber->subscriber) {
        fed.push_back(subscriber);
      }
    }
    for (Handle* subscriber : fed) {
      closeSubscriber(*subscriber, "Close PC", true);
    }
  }
  handle.publisher.reset();
  handle.webrtcUp = false;
  handle.streams.clear();
  if (notifyOthers && wasPublished && room != nullptr) {
    for (auto& [feed, other] : room->publishers) {
      if (other != &handle) {
        notify(*other, json{{"videoroom", "event"}, {"room", room->id}, {"unpublished", handle.feedId}});
      }
    }
  }
}

void VideoRoom::closeSubscriber(Handle& handle, const std::string& reason, bool notifyHandle)
{
  if (!handle.subscriber) {
    return;
  }
  handle.subscriber.reset();
  handle.offerPending = false;
  handle.pendingOffer.clear();
  handle.started = false;
  if (notifyHandle) {
    coreEvent(handle, json{{"janus", "hangup"}, {"reason", reason}});
  }
}

void VideoRoom::destroyRoomInternal(Room& room, uint64_t exceptHandle)
{
  const uint64_t roomId = room.id;
  std::vector<Handle*> participants(room.subscribers.begin(), room.subscribers.end());
  for (auto& [feed, handle] : room.publishers) {
    participants.push_back(handle);
  }
  // Tell everyone first (§9.2: 0.4.1 closes subscribers only on `destroyed`), then close
  // subscribers before the publishers they relay.
  for (Handle* handle : participants) {
    if (handle->handleId != exceptHandle) {
      notify(*handle, json{{"videoroom", "destroyed"}, {"room", roomId}});
    }
  }
  for (Handle* handle : participants) {
    closeSubscriber(*handle, "Room destroyed", false);
  }
  for (Handle* handle : participants) {
    handle->publisher.reset();
    handle->webrtcUp = false;
    handle->streams.clear();
    handle->role = Role::None;
    handle->roomId = 0;
  }
  d_rooms.erase(roomId);
}

// ---- requests ----

bool VideoRoom::isAsync(const json& body)
{
  static const std::set<std::string> Async = {"join",  "joinandconfigure", "configure", "publish", "unpublish",
                                              "start", "pause",            "switch",    "leave"};
  return body.is_object() && Async.count(requestName(body)) != 0;
}

json VideoRoom::handleSync(const RequestContext& context, const json& body)
{
  try {
    auto it = body.find("request");
    if (it == body.end()) {
      fail(RoomError::MissingElement, "Missing element (request)");
    }
    if (!it->is_string()) {
      invalid("request", "a string");
    }
    const std::string name = requestName(body);
    if (name == "create") {
      return createRoom(context, body);
    }
    if (name == "destroy") {
      return destroyRoom(context, body);
    }
    if (name == "exists") {
      return roomExists(body);
    }
    if (name == "list") {
      return listRooms();
    }
    if (name == "listparticipants") {
      return listParticipants(body);
    }
    fail(RoomError::InvalidRequest, "Unknown request '" + it->get<std::string>() + "'");
  }
  catch (const PluginFailure& failure) {
    return videoRoomError(failure.code, failure.reason);
  }
}

void VideoRoom::handleAsync(const RequestContext& context, const json& body, const std::optional<Jsep>& jsep)
{
  Handle* handle = findHandle(context.handleId);
  if (handle == nullptr) {
    replyError(context, RoomError::Unknown, "No plugin session on this handle");
    return;
  }
  const std::string name = requestName(body);
  try {
    if (name == "join" || name == "joinandconfigure") {
      auto ptype = body.find("ptype");
      if (ptype == body.end()) {
        fail(RoomError::MissingElement, "Missing element (ptype)");
      }
      if (!ptype->is_string()) {
        invalid("ptype", "a string");
      }
      const std::string type = ptype->get<std::string>();
      if (type != "publisher" && type != "subscriber" && type != "listener") {
        invalid("ptype", "\"publisher\" or \"subscriber\"");
      }
      if (handle->role != Role::None) {
        fail(RoomError::AlreadyJoined, handle->role == Role::Publisher ? "Already in as a publisher on this handle"
                                                                        : "Already in as a subscriber on this handle");
      }
      if (type == "publisher") {
        joinPublisher(*handle, context, body, jsep);
      }
      else {
        if (jsep) {
          fail(RoomError::InvalidSdpType, "Subscribers do not send an SDP with join");
        }
        joinSubscriber(*handle, context, body);
      }
      return;
    }
    if (handle->role == Role::None) {
      fail(RoomError::JoinFirst, "Join the room first");
    }
    const bool publisher = handle->role == Role::Publisher;
    if (name == "configure") {
      publisher ? configurePublisher(*handle, context, body, jsep, false) : configureSubscriber(*handle, context, body);
    }
    else if (name == "publish" && publisher) {
      configurePublisher(*handle, context, body, jsep, true);
    }
    else if (name == "unpublish" && publisher) {
      unpublish(*handle, context);
    }
    else if (name == "start" && !publisher) {
      start(*handle, context, jsep);
    }
    else if (name == "pause" && !publisher) {
      pause(*handle, context);
    }
    else if (name == "switch" && !publisher) {
      switchFeed(*handle, context, body);
    }
    else if (name == "leave") {
      leave(*handle, context);
    }
    else {
      fail(RoomError::InvalidRequest, "Unknown request '" + name + "' for a " + (publisher ? "publisher" : "subscriber"));
    }
  }
  catch (const PluginFailure& failure) {
    replyError(context, failure.code, failure.reason);
  }
}

bool VideoRoom::expectsAnswer(uint64_t handleId) const
{
  const Handle* handle = findHandle(handleId);
  return handle != nullptr && handle->role == Role::Subscriber && handle->offerPending;
}

void VideoRoom::trickle(uint64_t handleId, const std::vector<IceCandidate>& candidates)
{
  Handle* handle = findHandle(handleId);
  if (handle == nullptr) {
    return;
  }
  for (const IceCandidate& candidate : candidates) {
    if (handle->publisher) {
      handle->publisher->trickle(candidate);
    }
    else if (handle->subscriber) {
      handle->subscriber->trickle(candidate);
    }
    else if (handle->queued.size() < MaxQueuedCandidates) {
      // Before the SDP that creates the PeerConnection (§4.6): applied once it exists.
      handle->queued.push_back(candidate);
    }
  }
}

json VideoRoom::createRoom(const RequestContext& context, const json& body)
{
  uint64_t id = 0;
  if (body.contains("room")) {
    id = requireId(body, "room");
    if (findRoom(id) != nullptr) {
      fail(RoomError::RoomExists, "Room " + std::to_string(id) + " already exists");
    }
  }
  if (d_limits.maxRooms != 0 && d_rooms.size() >= d_limits.maxRooms) {
    fail(RoomError::Unknown, "Too many rooms");
  }
  auto room = std::make_unique<Room>();
  room->maxPublishers = static_cast<uint32_t>(optInteger(body, "publishers", 1, 1000).value_or(3));
  int64_t bitrate = optInteger(body, "bitrate", 0, UINT32_MAX).value_or(0);
  if (bitrate == 0) {
    bitrate = d_limits.defaultBitrate;
  }
  if (d_limits.maxBitrate != 0 && (bitrate == 0 || bitrate > d_limits.maxBitrate)) {
    bitrate = d_limits.maxBitrate;
  }
  room->bitrate = static_cast<uint32_t>(bitrate);
  room->options.audioCodecs = codecList(body, "audiocodec", {"opus", "g722", "pcmu", "pcma", "isac32", "isac16"}, {"opus"});
  room->options.videoCodecs = codecList(body, "videocodec", {"vp8", "vp9", "h264", "av1", "h265"}, {"vp8"});
  room->options.vp9Profile = optString(body, "vp9_profile").value_or("");
  room->options.h264Profile = optString(body, "h264_profile").value_or("");
  room->options.videoOrientExt = optBool(body, "videoorient_ext").value_or(false);
  room->audioLevelEvents = optBool(body, "audiolevel_event").value_or(false);
  room->options.audioLevelEvents = room->audioLevelEvents;
  room->isPrivate = optBool(body, "is_private").value_or(false);
  optBool(body, "permanent"); // accepted; rooms are never saved
  room->secret = optString(body, "secret").value_or("");
  auto description = optString(body, "description");
  if (id == 0) {
    do {
      id = d_randomId();
    } while (findRoom(id) != nullptr);
  }
  room->id = id;
  room->description = description.value_or("Room " + std::to_string(id));
  room->creatorSession = context.sessionId;
  room->options.roomId = id;
  room->options.bitrate = room->bitrate;
  room->media = d_engine.createRoom(room->options);
  if (!room->media) {
    fail(RoomError::Unknown, "Media engine refused the room");
  }
  TLOG_INFO("room=%llu created session=%llu bitrate=%u", static_cast<unsigned long long>(id),
            static_cast<unsigned long long>(context.sessionId), room->bitrate);
  d_rooms.emplace(id, std::move(room));
  return json{{"videoroom", "created"}, {"room", id}, {"permanent", false}};
}

json VideoRoom::destroyRoom(const RequestContext& context, const json& body)
{
  const uint64_t id = requireId(body, "room");
  Room* room = findRoom(id);
  if (room == nullptr) {
    fail(RoomError::NoSuchRoom, "No such room (" + std::to_string(id) + ")");
  }
  if (!room->secret.empty()) {
    const std::string secret = optString(body, "secret").value_or("");
    if (!crypto::constantTimeEquals(secret, room->secret)) {
      fail(RoomError::Unauthorized, "Unauthorized (wrong secret)");
    }
  }
  destroyRoomInternal(*room, context.handleId);
  TLOG_INFO("room=%llu destroyed", static_cast<unsigned long long>(id));
  return json{{"videoroom", "destroyed"}, {"room", id}, {"permanent", false}};
}

json VideoRoom::roomExists(const json& body)
{
  const uint64_t id = requireId(body, "room");
  return json{{"videoroom", "success"}, {"room", id}, {"exists", findRoom(id) != nullptr}};
}

json VideoRoom::listRooms()
{
  json list = json::array();
  for (const auto& [id, room] : d_rooms) {
    if (room->isPrivate) {
      continue;
    }
    list.push_back(json{{"room", id},
                        {"description", room->description},
                        {"max_publishers", room->maxPublishers},
                        {"bitrate", room->bitrate},
                        {"num_participants", room->publishers.size()},
                        {"audiocodec", room->options.audioCodecs.front()},
                        {"videocodec", room->options.videoCodecs.front()}});
  }
  return json{{"videoroom", "success"}, {"list", list}};
}

json VideoRoom::listParticipants(const json& body)
{
  const uint64_t id = requireId(body, "room");
  Room* room = findRoom(id);
  if (room == nullptr) {
    fail(RoomError::NoSuchRoom, "No such room (" + std::to_string(id) + ")");
  }
  json participants = json::array();
  for (const auto& [feed, handle] : room->publishers) {
    json entry{{"id", feed}, {"publisher", handle->webrtcUp}};
    if (!handle->display.empty()) {
      entry["display"] = handle->display;
    }
    participants.push_back(entry);
  }
  return json{{"videoroom", "participants"}, {"room", id}, {"participants", participants}};
}

void VideoRoom::joinPublisher(Handle& handle, const RequestContext& context, const json& body, const std::optional<Jsep>& jsep)
{
  const uint64_t roomId = requireId(body, "room");
  auto feed = optInteger(body, "id", 1, MaxId);
  auto display = optString(body, "display");
  Room* room = findRoom(roomId);
  if (room == nullptr) {
    fail(RoomError::NoSuchRoom, "No such room (" + std::to_string(roomId) + ")");
  }
  uint64_t feedId = 0;
  if (feed) {
    feedId = static_cast<uint64_t>(*feed);
    if (room->publishers.count(feedId) != 0) {
      fail(RoomError::IdExists, "User ID " + std::to_string(feedId) + " already exists");
    }
  }
  else {
    do {
      feedId = d_randomId();
    } while (room->publishers.count(feedId) != 0);
  }
  if (room->publishers.size() >= room->maxPublishers) {
    fail(RoomError::PublishersFull, "Maximum number of publishers (" + std::to_string(room->maxPublishers) + ") reached");
  }
  if (jsep && jsep->type != "offer") {
    fail(RoomError::InvalidSdpType, "Publishers send offers");
  }
  handle.role = Role::Publisher;
  handle.roomId = roomId;
  handle.feedId = feedId;
  handle.privateId = d_randomId() & 0xffffffffU;
  handle.display = display.value_or("");
  room->publishers[feedId] = &handle;
  TLOG_INFO("room=%llu feed=%llu publisher joined handle=%llu", static_cast<unsigned long long>(roomId),
            static_cast<unsigned long long>(feedId), static_cast<unsigned long long>(handle.handleId));

  json data{{"videoroom", "joined"},
            {"room", roomId},
            {"description", room->description},
            {"id", feedId},
            {"private_id", handle.privateId},
            {"publishers", publisherList(*room, feedId)}};
  if (!jsep) {
    replyEvent(context, std::move(data));
    return;
  }
  negotiatePublisher(handle, jsep->sdp, std::move(data),
                     [this, context](Handle&, json reply, std::optional<Jsep> answer) { replyEvent(context, std::move(reply), answer); });
}

void VideoRoom::configurePublisher(Handle& handle, const RequestContext& context, const json& body,
                                   const std::optional<Jsep>& jsep, bool publishRequest)
{
  auto bitrate = optInteger(body, "bitrate", 0, UINT32_MAX);
  for (const char* key : {"audio", "video", "data", "keyframe", "update", "restart"}) {
    optBool(body, key);
  }
  auto display = optString(body, "display");
  if (publishRequest && handle.publisher) {
    fail(RoomError::AlreadyPublished, "Can't publish, already published");
  }
  if (publishRequest && !jsep) {
    fail(RoomError::MissingElement, "Missing SDP offer");
  }
  if (jsep && jsep->type != "offer") {
    fail(RoomError::InvalidSdpType, "Publishers send offers");
  }
  if (display) {
    handle.display = *display;
  }
  if (bitrate) {
    handle.bitrate = static_cast<uint32_t>(*bitrate);
    if (handle.publisher) {
      handle.publisher->setBitrate(handle.bitrate);
    }
  }
  json data{{"videoroom", "event"}, {"room", handle.roomId}, {"configured", "ok"}};
  if (!jsep) {
    replyEvent(context, std::move(data));
    return;
  }
  negotiatePublisher(handle, jsep->sdp, std::move(data),
                     [this, context](Handle&, json reply, std::optional<Jsep> answer) { replyEvent(context, std::move(reply), answer); });
}

void VideoRoom::negotiatePublisher(Handle& handle, const std::string& offer, json data,
                                   std::function<void(Handle&, json, std::optional<Jsep>)> reply)
{
  Room* room = findRoom(handle.roomId);
  if (room == nullptr) {
    fail(RoomError::NoSuchRoom, "No such room");
  }
  const bool renegotiation = handle.publisher != nullptr && !handle.streams.empty();
  if (!handle.publisher) {
    if (d_limits.maxStreams != 0 && streamCount() >= d_limits.maxStreams) {
      fail(RoomError::PublishersFull, "Too many streams on this server");
    }
    handle.publisher = room->media->createPublisher(handle.feedId, handle);
    if (!handle.publisher) {
      fail(RoomError::Unknown, "Media engine refused the publisher");
    }
    if (handle.bitrate != 0) {
      handle.publisher->setBitrate(handle.bitrate);
    }
    handle.flushCandidates();
  }
  std::vector<StreamInfo> previous = handle.streams;
  Handle* target = &handle;
  handle.publisher->negotiate(offer, [this, target, data = std::move(data), reply = std::move(reply), renegotiation,
                                      previous = std::move(previous)](PublishResult result) mutable {
    if (result.error.code != 0) {
      TLOG_WARN("feed=%llu handle=%llu offer refused: %s", static_cast<unsigned long long>(target->feedId),
                static_cast<unsigned long long>(target->handleId), result.error.reason.c_str());
      reply(*target, videoRoomError(result.error.code, result.error.reason), std::nullopt);
      return;
    }
    target->streams = result.streams;
    if (!result.audioCodec.empty()) {
      data["audio_codec"] = result.audioCodec;
    }
    if (!result.videoCodec.empty()) {
      data["video_codec"] = result.videoCodec;
    }
    json streams = json::array();
    for (const StreamInfo& stream : result.streams) {
      json entry{{"type", stream.type}, {"mindex", stream.mindex}, {"mid", stream.mid}};
      if (!stream.codec.empty()) {
        entry["codec"] = stream.codec;
      }
      if (stream.simulcast) {
        entry["simulcast"] = true;
      }
      if (!stream.active) {
        entry["disabled"] = true;
      }
      streams.push_back(entry);
    }
    data["streams"] = streams;
    reply(*target, std::move(data), Jsep{"answer", result.answerSdp});
    if (renegotiation && !sameStreamSet(previous, target->streams)) {
      pushUpdatedOffers(*target);
    }
  });
}

void VideoRoom::pushUpdatedOffers(Handle& publisher)
{
  Room* room = findRoom(publisher.roomId);
  if (room == nullptr) {
    return;
  }
  for (Handle* subscriber : room->subscribers) {
    if (subscriber->sourceFeed != publisher.feedId || !subscriber->subscriber) {
      continue;
    }
    const uint64_t roomId = room->id;
    subscriber->subscriber->createOffer(false, [this, subscriber, roomId](OfferResult result) {
      if (result.error.code != 0) {
        TLOG_WARN("handle=%llu updated offer failed: %s", static_cast<unsigned long long>(subscriber->handleId),
                  result.error.reason.c_str());
        return;
      }
      subscriber->offerPending = true;
      subscriber->pendingOffer = result.offerSdp;
      notify(*subscriber, json{{"videoroom", "event"}, {"room", roomId}, {"configured", "ok"}}, Jsep{"offer", result.offerSdp});
    });
  }
}

void VideoRoom::joinSubscriber(Handle& handle, const RequestContext& context, const json& body)
{
  const uint64_t roomId = requireId(body, "room");
  SubscriptionSelection selection = readSelection(body);
  uint64_t feedId = 0;
  bool legacy = false;
  std::vector<std::string> mids;
  auto streams = body.find("streams");
  if (streams != body.end() && !streams->is_null()) {
    if (!streams->is_array()) {
      invalid("streams", "an array");
    }
    if (streams->empty()) {
      fail(RoomError::MissingElement, "Missing element (streams is empty)");
    }
    for (const json& entry : *streams) {
      if (!entry.is_object()) {
        invalid("streams", "an array of objects");
      }
      const uint64_t feed = requireId(entry, "feed");
      if (feedId != 0 && feed != feedId) {
        invalid("streams", "entries of one feed (one publisher per subscription)");
      }
      feedId = feed;
      if (auto mid = optString(entry, "mid")) {
        mids.push_back(*mid);
      }
      merge(selection, readSelection(entry));
    }
  }
  else if (body.contains("feed")) {
    feedId = requireId(body, "feed");
    legacy = true;
  }
  else {
    fail(RoomError::MissingElement, "Missing element (feed or streams)");
  }
  Room* room = findRoom(roomId);
  if (room == nullptr) {
    fail(RoomError::NoSuchRoom, "No such room (" + std::to_string(roomId) + ")");
  }
  auto publisherIt = room->publishers.find(feedId);
  // §9.10 rules 1–2: joinable exactly when the publisher's webrtcup has been sent.
  if (publisherIt == room->publishers.end() || !publisherIt->second->publisher || !publisherIt->second->webrtcUp) {
    fail(RoomError::NoSuchFeed, "No such feed (" + std::to_string(feedId) + ")");
  }
  if (d_limits.maxSubscribersPerRoom != 0 && room->subscribers.size() >= d_limits.maxSubscribersPerRoom) {
    fail(RoomError::Unknown, "Too many subscribers in this room");
  }
  if (d_limits.maxStreams != 0 && streamCount() >= d_limits.maxStreams) {
    fail(RoomError::Unknown, "Too many streams on this server");
  }
  Handle& source = *publisherIt->second;
  handle.subscriber = room->media->createSubscriber(*source.publisher, mids, selection, handle);
  if (!handle.subscriber) {
    fail(RoomError::Unknown, "Media engine refused the subscriber");
  }
  handle.role = Role::Subscriber;
  handle.roomId = roomId;
  handle.sourceFeed = feedId;
  handle.legacyJoin = legacy;
  handle.started = false;
  handle.paused = true;
  room->subscribers.insert(&handle);
  handle.flushCandidates();
  TLOG_INFO("room=%llu feed=%llu subscriber joined handle=%llu", static_cast<unsigned long long>(roomId),
            static_cast<unsigned long long>(feedId), static_cast<unsigned long long>(handle.handleId));

  Handle* target = &handle;
  handle.subscriber->createOffer(false, [this, target, context, roomId, feedId, legacy](OfferResult result) {
    if (result.error.code != 0) {
      closeSubscriber(*target, "Offer failed", false);
      removeFromRoom(*target);
      replyError(context, result.error.code, result.error.reason);
      return;
    }
    target->offerPending = true;
    target->pendingOffer = result.offerSdp;
    json streamList = json::array();
    for (const StreamInfo& stream : result.streams) {
      json entry{{"type", stream.type}, {"active", stream.active}, {"mindex", stream.mindex}, {"mid", stream.mid},
                 {"ready", false},      {"send", true}};
      if (stream.type != "data") {
        entry["feed_id"] = feedId;
        entry["feed_mid"] = stream.feedMid;
        entry["codec"] = stream.codec;
      }
      streamList.push_back(entry);
    }
    json data{{"videoroom", "attached"}, {"room", roomId}, {"streams", streamList}};
    if (legacy) {
      data["id"] = feedId;
      data["warning"] = "deprecated_api";
    }
    replyEvent(context, std::move(data), Jsep{"offer", result.offerSdp});
  });
}

void VideoRoom::configureSubscriber(Handle& handle, const RequestContext& context, const json& body)
{
  SubscriptionSelection selection = readSelection(body);
  auto streams = body.find("streams");
  if (streams != body.end() && !streams->is_null()) {
    if (!streams->is_array()) {
      invalid("streams", "an array");
    }
    for (const json& entry : *streams) {
      if (!entry.is_object()) {
        invalid("streams", "an array of objects");
      }
      merge(selection, readSelection(entry));
    }
  }
  const bool update = optBool(body, "update").value_or(false);
  const bool restart = optBool(body, "restart").value_or(false);
  if (handle.subscriber) {
    handle.subscriber->select(selection);
  }
  json data{{"videoroom", "event"}, {"room", handle.roomId}, {"configured", "ok"}};
  if (!update && !restart) {
    replyEvent(context, std::move(data));
    return;
  }
  if (!handle.subscriber) {
    fail(RoomError::NoSuchFeed, "No such feed (the publisher is gone)");
  }
  if (handle.offerPending && !restart) {
    // §9.7: answer within the client's timeout with the offer it still has to answer.
    replyEvent(context, std::move(data), Jsep{"offer", handle.pendingOffer});
    return;
  }
  Handle* target = &handle;
  handle.subscriber->createOffer(restart, [this, target, context, data = std::move(data)](OfferResult result) mutable {
    if (result.error.code != 0) {
      replyError(context, result.error.code, result.error.reason);
      return;
    }
    target->offerPending = true;
    target->pendingOffer = result.offerSdp;
    replyEvent(context, std::move(data), Jsep{"offer", result.offerSdp});
  });
}

void VideoRoom::start(Handle& handle, const RequestContext& context, const std::optional<Jsep>& jsep)
{
  if (!handle.subscriber) {
    fail(RoomError::NoSuchFeed, "No such feed (the publisher is gone)");
  }
  json data{{"videoroom", "event"}, {"room", handle.roomId}, {"started", "ok"}};
  if (!jsep) {
    handle.paused = false;
    handle.subscriber->setPaused(false);
    replyEvent(context, std::move(data));
    return;
  }
  if (jsep->type != "answer") {
    fail(RoomError::InvalidSdpType, "Subscribers answer the offer they got");
  }
  Handle* target = &handle;
  handle.subscriber->setAnswer(jsep->sdp, [this, target, context, data = std::move(data)](MediaError error) mutable {
    if (error.code != 0) {
      replyError(context, error.code, error.reason);
      return;
    }
    target->offerPending = false;
    target->pendingOffer.clear();
    target->started = true;
    target->paused = false;
    target->subscriber->setPaused(false);
    replyEvent(context, std::move(data));
  });
}

void VideoRoom::pause(Handle& handle, const RequestContext& context)
{
  handle.paused = true;
  if (handle.subscriber) {
    handle.subscriber->setPaused(true);
  }
  replyEvent(context, json{{"videoroom", "event"}, {"room", handle.roomId}, {"paused", "ok"}});
}

void VideoRoom::switchFeed(Handle& handle, const RequestContext& context, const json& body)
{
  uint64_t feedId = 0;
  auto streams = body.find("streams");
  if (streams != body.end() && !streams->is_null()) {
    if (!streams->is_array() || streams->empty() || !(*streams)[0].is_object()) {
      invalid("streams", "a non-empty array of objects");
    }
    feedId = requireId((*streams)[0], "feed");
  }
  else {
    feedId = requireId(body, "feed");
  }
  Room* room = findRoom(handle.roomId);
  if (room == nullptr) {
    fail(RoomError::NoSuchRoom, "No such room");
  }
  auto it = room->publishers.find(feedId);
  if (it == room->publishers.end() || !it->second->publisher || !it->second->webrtcUp) {
    fail(RoomError::NoSuchFeed, "No such feed (" + std::to_string(feedId) + ")");
  }
  if (!handle.subscriber) {
    fail(RoomError::NoSuchFeed, "No such feed (the publisher is gone)");
  }
  if (feedId != handle.sourceFeed) {
    if (!handle.subscriber->switchTo(*it->second->publisher)) {
      fail(RoomError::InvalidElement, "Invalid element (feed " + std::to_string(feedId) + " has different streams)");
    }
    handle.sourceFeed = feedId;
  }
  replyEvent(context, json{{"videoroom", "event"}, {"room", handle.roomId}, {"switched", "ok"}, {"id", feedId}});
}

void VideoRoom::leave(Handle& handle, const RequestContext& context)
{
  const uint64_t roomId = handle.roomId;
  if (handle.role == Role::Publisher) {
    Room* room = findRoom(roomId);
    const uint64_t feedId = handle.feedId;
    stopPublishing(handle, true);
    removeFromRoom(handle);
    if (room != nullptr) {
      for (auto& [feed, other] : room->publishers) {
        notify(*other, json{{"videoroom", "event"}, {"room", roomId}, {"leaving", feedId}});
      }
    }
    replyEvent(context, json{{"videoroom", "event"}, {"room", roomId}, {"leaving", "ok"}});
    return;
  }
  closeSubscriber(handle, "Left", false);
  removeFromRoom(handle);
  replyEvent(context, json{{"videoroom", "event"}, {"room", roomId}, {"left", "ok"}});
}

void VideoRoom::unpublish(Handle& handle, const RequestContext& context)
{
  if (!handle.publisher) {
    fail(RoomError::NotPublished, "Can't unpublish, not published");
  }
  stopPublishing(handle, true);
  replyEvent(context, json{{"videoroom", "event"}, {"room", handle.roomId}, {"unpublished", "ok"}});
}

// ---- media events ----

void VideoRoom::onWebrtcUp(Handle& handle)
{
  if (handle.role == Role::Publisher) {
    // The feed is joinable from now on, before the event leaves (§9.10 rule 1).
    handle.webrtcUp = true;
    coreEvent(handle, json{{"janus", "webrtcup"}});
    if (Room* room = findRoom(handle.roomId)) {
      json entry{{"id", handle.feedId}};
      if (!handle.display.empty()) {
        entry["display"] = handle.display;
      }
      for (auto& [feed, other] : room->publishers) {
        if (other != &handle) {
          notify(*other, json{{"videoroom", "event"}, {"room", room->id}, {"publishers", json::array({entry})}});
        }
      }
    }
    return;
  }
  coreEvent(handle, json{{"janus", "webrtcup"}});
}

void VideoRoom::onHangup(Handle& handle, const std::string& reason)
{
  TLOG_INFO("handle=%llu hangup reason=\"%s\"", static_cast<unsigned long long>(handle.handleId), reason.c_str());
  coreEvent(handle, json{{"janus", "hangup"}, {"reason", reason}});
  if (handle.role == Role::Publisher) {
    stopPublishing(handle, true);
  }
  else {
    closeSubscriber(handle, reason, false);
  }
}

void VideoRoom::onMedia(Handle& handle, const std::string& type, const std::string& mid, bool receiving, int seconds)
{
  json message{{"janus", "media"}, {"type", type}, {"mid", mid}, {"receiving", receiving}};
  if (!receiving && seconds > 0) {
    message["seconds"] = seconds;
  }
  coreEvent(handle, std::move(message));
}

void VideoRoom::onSlowLink(Handle& handle, bool uplink, uint32_t lost, const std::string& media, const std::string& mid)
{
  coreEvent(handle, json{{"janus", "slowlink"}, {"uplink", uplink}, {"lost", lost}, {"media", media}, {"mid", mid}});
}

void VideoRoom::onTalking(Handle& handle, bool talking, int audioLevel)
{
  Room* room = findRoom(handle.roomId);
  if (room == nullptr || !room->audioLevelEvents || handle.role != Role::Publisher) {
    return;
  }
  json data{{"videoroom", talking ? "talking" : "stopped-talking"},
            {"room", room->id},
            {"id", handle.feedId},
            {"audio-level-dBov-avg", audioLevel}};
  for (auto& [feed, other] : room->publishers) {
    notify(*other, data);
  }
}

// ---- output ----

void VideoRoom::replyEvent(const RequestContext& context, json data, const std::optional<Jsep>& jsep)
{
  json message{{"janus", "event"},
               {"transaction", context.transaction},
               {"plugindata", {{"plugin", PluginName}, {"data", std::move(data)}}}};
  if (jsep) {
    message["jsep"] = json{{"type", jsep->type}, {"sdp", jsep->sdp}};
  }
  d_listener.deliver(context.sessionId, context.handleId, std::move(message));
}

void VideoRoom::replyError(const RequestContext& context, int code, const std::string& reason)
{
  replyEvent(context, videoRoomError(code, reason));
}

void VideoRoom::notify(const Handle& handle, json data, const std::optional<Jsep>& jsep)
{
  json message{{"janus", "event"}, {"plugindata", {{"plugin", PluginName}, {"data", std::move(data)}}}};
  if (jsep) {
    message["jsep"] = json{{"type", jsep->type}, {"sdp", jsep->sdp}};
  }
  d_listener.deliver(handle.sessionId, handle.handleId, std::move(message));
}

void VideoRoom::coreEvent(const Handle& handle, json message)
{
  d_listener.deliver(handle.sessionId, handle.handleId, std::move(message));
}

json VideoRoom::publisherList(const Room& room, uint64_t exceptFeed) const
{
  json list = json::array();
  for (const auto& [feed, handle] : room.publishers) {
    if (feed == exceptFeed || !handle->webrtcUp) {
      continue;
    }
    json entry{{"id", feed}};
    if (!handle->display.empty()) {
      entry["display"] = handle->display;
    }
    json streams = json::array();
    for (const StreamInfo& stream : handle->streams) {
      streams.push_back(json{{"type", stream.type}, {"mindex", stream.mindex}, {"mid", stream.mid}, {"codec", stream.codec}});
    }
    entry["streams"] = streams;
    list.push_back(entry);
  }
  return list;
}

}
