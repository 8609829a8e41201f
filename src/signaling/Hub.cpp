#include "signaling/Hub.hpp"

#define TLOG_COMPONENT "signaling"
#include "common/crypto/Crypto.hpp"
#include "common/log/Logger.hpp"
#include "signaling/protocol/MessageCodec.hpp"

#include <algorithm>

namespace talk::signaling {

using protocol::MessageCodec;
using protocol::ProtocolError;

namespace {

constexpr uint16_t CloseNormal = 1000;
constexpr uint16_t CloseGoingAway = 1001;
constexpr size_t MinInternalRandom = 32;

std::string subjectToken(const std::string& id, const std::string& backendId)
{
  return crypto::base64Encode(crypto::bytes(id + "|" + backendId));
}

Json roomEvent(const char* type, Json payload)
{
  return {{"type", "event"}, {"event", {{"target", "room"}, {"type", type}, {type, std::move(payload)}}}};
}

Json roomlistEvent(const char* type, Json payload)
{
  return {{"type", "event"}, {"event", {{"target", "roomlist"}, {"type", type}, {type, std::move(payload)}}}};
}

Json envelope(Json message)
{
  return {{"type", "message"}, {"message", std::move(message)}};
}

const std::string* stringMember(const Json& object, const char* key)
{
  if (!object.is_object()) {
    return nullptr;
  }
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) {
    return nullptr;
  }
  return it->get_ptr<const std::string*>();
}

// The Talk session id of a participants entry ("sessionId", or "sessionid" in changed).
std::string entrySessionId(const Json& entry)
{
  if (const std::string* sid = stringMember(entry, "sessionId")) {
    return *sid;
  }
  if (const std::string* sid = stringMember(entry, "sessionid")) {
    return *sid;
  }
  return {};
}

bool isChatRefresh(const Json& message)
{
  const Json* event = message.contains("event") ? &message["event"] : nullptr;
  if (!event || !event->is_object() || event->value("type", "") != "message") {
    return false;
  }
  const Json& data = (*event)["message"]["data"];
  return data.is_object() && data.value("type", "") == "chat";
}

}

Hub::Hub(HubConfig config, BackendGateway& gateway, nats::Bus& bus, Scheduler& scheduler) :
  d_gateway(gateway), d_bus(bus), d_scheduler(scheduler), d_config(std::move(config)),
  d_ids(std::make_unique<SessionIdCodec>(d_config.hashKey, d_config.blockKey))
{
  d_pingTimer = d_scheduler.after(d_config.pingInterval, [this] { pingRooms(); });
}

struct Hub::PendingDialout
{
  BackendInfo backend;
  std::string roomId;
  Json request; // {"number","options"}
  std::vector<uint64_t> bridges; // session numbers still to ask
  uint64_t asked{0};
  DialoutResult lastError{502, {}, "error_notify", "No bridge accepted the call."};
  Scheduler::Id timer{0};
  std::function<void(DialoutResult)> done;
};

Hub::~Hub()
{
  for (auto& [id, pending] : d_dialouts) {
    d_scheduler.cancel(pending->timer);
  }
  d_scheduler.cancel(d_pingTimer);
  for (auto& [id, connection] : d_connections) {
    d_scheduler.cancel(connection.helloTimer);
  }
  for (auto& [sid, session] : d_sessions) {
    d_scheduler.cancel(session->expiryTimer);
    d_scheduler.cancel(session->joinTimer);
  }
  for (auto& [key, room] : d_rooms) {
    for (auto& [name, entry] : room->transient) {
      d_scheduler.cancel(entry.expiry);
    }
  }
}

std::vector<std::string> Hub::clientFeatures() const
{
  std::vector<std::string> features = {"audio-video-permissions", "chat-relay", "dialout", "incall-all", "join-features",
    "recipient-call", "serverinfo", "switchto", "transient-data", "transient-sessiondata", "welcome"};
  if (d_gateway.supportsHelloV2()) {
    features.push_back("hello-v2");
  }
  std::sort(features.begin(), features.end());
  return features;
}

std::vector<std::string> Hub::internalFeatures() const
{
  std::vector<std::string> features = clientFeatures();
  features.erase(std::remove(features.begin(), features.end(), "audio-video-permissions"), features.end());
  features.push_back("virtual-sessions");
  std::sort(features.begin(), features.end());
  return features;
}

std::vector<std::string> Hub::welcomeFeatures() const
{
  std::vector<std::string> features = clientFeatures();
  features.push_back("virtual-sessions");
  std::sort(features.begin(), features.end());
  return features;
}

std::string Hub::userSubject(const std::string& userId, const std::string& backendId)
{
  return "user." + subjectToken(userId, backendId);
}

std::string Hub::roomSubject(const std::string& roomId, const std::string& backendId)
{
  return "room." + subjectToken(roomId, backendId);
}

// ---- connections ----

uint64_t Hub::connect(ClientLink* link, std::string clientIp)
{
  const uint64_t id = d_nextConnection++;
  Connection& connection = d_connections[id];
  connection.link = link;
  connection.clientIp = std::move(clientIp);
  connection.helloTimer = d_scheduler.after(d_config.helloTimeout, [this, id] {
    auto it = d_connections.find(id);
    if (it == d_connections.end() || it->second.session) {
      return;
    }
    it->second.helloTimer = 0;
    sendToConnection(id, MessageCodec::bye({}, "hello_timeout"));
    closeConnection(id, CloseNormal, "hello timeout");
  });
  sendToConnection(id, MessageCodec::welcome(d_config.version, welcomeFeatures()));
  return id;
}

void Hub::receive(uint64_t connectionId, std::string_view text)
{
  auto it = d_connections.find(connectionId);
  if (it == d_connections.end()) {
    return;
  }
  protocol::DecodeResult result = MessageCodec::decode(text);
  if (auto* failure = std::get_if<protocol::DecodeFailure>(&result)) {
    TLOG_DEBUG("ws", "invalid message connection=%llu code=%s: %s", static_cast<unsigned long long>(connectionId),
      failure->error.code.c_str(), failure->error.message.c_str());
    sendToConnection(connectionId, MessageCodec::error(failure->id, failure->error));
    return;
  }
  if (std::holds_alternative<protocol::Ignored>(result)) {
    return;
  }
  protocol::ClientMessage& message = std::get<protocol::ClientMessage>(result);
  Connection& connection = it->second;
  if (!connection.session) {
    if (auto* hello = std::get_if<protocol::HelloRequest>(&message.body)) {
      if (!connection.authenticating) {
        handleHello(connectionId, message.id, *hello);
      }
      return;
    }
    sendToConnection(connectionId, MessageCodec::error(message.id, {"hello_expected", "Expected Hello request.", nullptr}));
    return;
  }
  Session& session = *connection.session;
  std::visit(
    [&](auto& body) {
      using T = std::decay_t<decltype(body)>;
      if constexpr (std::is_same_v<T, protocol::HelloRequest>) {
        // Already authenticated: nothing to do (upstream ignores it too).
      } else if constexpr (std::is_same_v<T, protocol::ByeRequest>) {
        sendToConnection(connectionId, MessageCodec::bye(message.id, {}));
        destroySession(session, true);
        closeConnection(connectionId, CloseNormal, "bye");
      } else if constexpr (std::is_same_v<T, protocol::RoomRequest>) {
        handleRoom(session, message.id, body);
      } else if constexpr (std::is_same_v<T, protocol::MessageRequest>) {
        handleMessage(session, body);
      } else if constexpr (std::is_same_v<T, protocol::TransientRequest>) {
        handleTransient(session, message.id, body);
      } else if constexpr (std::is_same_v<T, protocol::InternalRequest>) {
        if (session.isInternal()) {
          handleInternal(session, message.id, body);
        }
      }
    },
    message.body);
}

void Hub::disconnect(uint64_t connectionId)
{
  auto it = d_connections.find(connectionId);
  if (it == d_connections.end()) {
    return;
  }
  d_scheduler.cancel(it->second.helloTimer);
  Session* session = it->second.session;
  d_connections.erase(it);
  if (!session) {
    return;
  }
  session->connection = 0;
  if (d_config.resumeWindow <= 0) {
    destroySession(*session, true);
    return;
  }
  const uint64_t sid = session->sid;
  session->expiryTimer = d_scheduler.after(d_config.resumeWindow, [this, sid] {
    auto found = d_sessions.find(sid);
    if (found != d_sessions.end()) {
      found->second->expiryTimer = 0;
      TLOG_DEBUG("signaling", "session expired session=%s", found->second->publicId.c_str());
      destroySession(*found->second, true);
    }
  });
}

void Hub::closeConnection(uint64_t connectionId, uint16_t code, const std::string& reason)
{
  auto it = d_connections.find(connectionId);
  if (it == d_connections.end()) {
    return;
  }
  ClientLink* link = it->second.link;
  d_scheduler.cancel(it->second.helloTimer);
  if (it->second.session) {
    it->second.session->connection = 0;
  }
  d_connections.erase(it);
  link->close(code, reason);
}

void Hub::shutdown()
{
  std::vector<uint64_t> ids;
  for (auto& [id, connection] : d_connections) {
    ids.push_back(id);
  }
  for (uint64_t id : ids) {
    closeConnection(id, CloseGoingAway, "server shutting down");
  }
}

void Hub::reconfigure(const HubConfig& config)
{
  const bool keysChanged = config.hashKey != d_config.hashKey || config.blockKey != d_config.blockKey;
  d_config = config;
  if (keysChanged) {
    d_ids = std::make_unique<SessionIdCodec>(d_config.hashKey, d_config.blockKey);
  }
}

HubStats Hub::stats() const
{
  return HubStats{d_connections.size(), d_sessions.size(), d_rooms.size(), d_messagesRelayed};
}

const Room* Hub::findRoom(const std::string& backendId, const std::string& roomId) const
{
  auto it = d_rooms.find(roomId + "|" + backendId);
  return it == d_rooms.end() ? nullptr : it->second.get();
}

const Session* Hub::findSession(const std::string& publicId) const
{
  auto it = d_byPublicId.find(publicId);
  return it == d_byPublicId.end() ? nullptr : it->second;
}

// ---- sending ----

void Hub::sendToConnection(uint64_t connectionId, const Json& message)
{
  auto it = d_connections.find(connectionId);
  if (it != d_connections.end()) {
    it->second.link->send(MessageCodec::encode(message));
  }
}

void Hub::sendToSession(Session& session, const Json& message)
{
  if (session.type == ClientType::Virtual) {
    return;
  }
  if (session.connection != 0) {
    sendToConnection(session.connection, message);
    return;
  }
  // Disconnected: keep it for a resume; only one chat refresh is worth keeping.
  if (isChatRefresh(message)) {
    if (session.queuedChatRefresh) {
      return;
    }
    session.queuedChatRefresh = true;
  }
  session.queued.push_back(MessageCodec::encode(message));
}

void Hub::publish(const std::string& subject, const Json& message)
{
  try {
    d_bus.publish(subject, MessageCodec::encode(message));
  } catch (const std::exception& e) {
    TLOG_WARN("bus publish failed subject=%s: %s", subject.c_str(), e.what());
  }
}

void Hub::onRoomBusMessage(const std::string& roomKey, const std::string& payload)
{
  auto it = d_rooms.find(roomKey);
  if (it == d_rooms.end()) {
    return;
  }
  std::optional<Json> parsed = MessageCodec::parse(payload);
  if (!parsed || !parsed->is_object()) {
    return;
  }
  // deliver() may remove members (disinvite): iterate over public ids.
  std::vector<std::string> members;
  for (Session* member : it->second->members) {
    members.push_back(member->publicId);
  }
  for (const std::string& publicId : members) {
    auto found = d_byPublicId.find(publicId);
    if (found != d_byPublicId.end() && found->second->room == it->second.get()) {
      deliver(*found->second, *parsed);
    }
  }
}

// Per-receiver processing of one bus delivery (spec §6, §7.1, §13.8).
void Hub::deliver(Session& session, const Json& bus)
{
  if (session.type == ClientType::Virtual || bus.value("type", "") != "message" || !bus.contains("message")) {
    return;
  }
  if (const std::string* exclude = stringMember(bus, "exclude"); exclude && *exclude == session.publicId) {
    return;
  }
  if (bus.value("call", false) && (session.inCall & 1) == 0 && !session.isInternal()) {
    return;
  }
  Json message = bus["message"];
  const bool hide = session.hasPermission(permission::HideDisplayNames);
  const std::string type = message.value("type", "");
  if (type == "event" && message["event"].is_object()) {
    Json& event = message["event"];
    const std::string target = event.value("target", "");
    const std::string eventType = event.value("type", "");
    if (target == "room" && eventType == "join") {
      Json filtered = Json::array();
      for (Json entry : event["join"]) {
        const std::string* sid = stringMember(entry, "sessionid");
        if (!sid || !session.seenSessions.insert(*sid).second) {
          continue;
        }
        if (hide && entry.contains("user") && entry["user"].is_object()) {
          entry["user"].erase("displayname");
        }
        filtered.push_back(std::move(entry));
      }
      if (filtered.empty()) {
        return;
      }
      event["join"] = std::move(filtered);
    } else if (target == "room" && eventType == "leave") {
      Json filtered = Json::array();
      for (const Json& sid : event["leave"]) {
        if (sid.is_string() && session.seenSessions.erase(sid.get<std::string>()) != 0) {
          filtered.push_back(sid);
        }
      }
      if (filtered.empty()) {
        return;
      }
      event["leave"] = std::move(filtered);
    } else if (target == "room" && eventType == "message") {
      Json& data = event["message"]["data"];
      if (data.is_object() && data.value("type", "") == "chat" && data["chat"].is_object()) {
        Json comments = Json::array();
        Json& chat = data["chat"];
        if (chat.contains("comment") && chat["comment"].is_object()) {
          comments.push_back(chat["comment"]);
        }
        if (chat.contains("comments") && chat["comments"].is_array()) {
          for (const Json& comment : chat["comments"]) {
            comments.push_back(comment);
          }
        }
        if (session.hasFeature("chat-relay") && !comments.empty() && session.connection != 0) {
          for (Json& comment : comments) {
            if (hide && comment.is_object() && comment.contains("actorDisplayName")) {
              comment["actorDisplayName"] = "";
            }
            Json one = message;
            one["event"]["message"]["data"] = {{"type", "chat"}, {"chat", {{"comment", std::move(comment)}}}};
            sendToSession(session, one);
          }
          return;
        }
        data = {{"type", "chat"}, {"chat", {{"refresh", true}}}};
      }
    }
  } else if (type == "message" && hide) {
    const Json& data = message["message"]["data"];
    if (data.is_object() && data.value("type", "") == "nickChanged") {
      return;
    }
  }
  sendToSession(session, message);

  // roomlist/disinvite of the room the receiver is in: it is closed right after.
  if (const std::string* room = stringMember(bus, "disinvite")) {
    if (session.room && session.room->id == *room) {
      const uint64_t connection = session.connection;
      destroySession(session, false);
      if (connection != 0) {
        closeConnection(connection, CloseNormal, "disinvited");
      }
    }
  }
}

// ---- hello ----

void Hub::handleHello(uint64_t connectionId, const std::string& id, const protocol::HelloRequest& hello)
{
  if (!hello.resumeId.empty()) {
    resume(connectionId, id, hello);
    return;
  }
  if (hello.authType == protocol::AuthType::Internal) {
    helloInternal(connectionId, id, hello);
    return;
  }
  if (hello.authType == protocol::AuthType::Federation) {
    sendToConnection(connectionId, MessageCodec::error(id, {"federation_unsupported", "Federation is not supported.", nullptr}));
    return;
  }
  if (hello.version == "2.0" && !d_gateway.supportsHelloV2()) {
    sendToConnection(connectionId, MessageCodec::error(id, {"invalid_hello_version", "Unsupported hello version.", nullptr}));
    return;
  }
  std::optional<BackendInfo> backend = d_gateway.lookupBackend(hello.url);
  if (!backend) {
    sendToConnection(connectionId, MessageCodec::error(id, {"invalid_backend", "The backend URL is not allowed.", nullptr}));
    return;
  }
  d_connections[connectionId].authenticating = true;
  d_gateway.authenticate(*backend, hello, [this, connectionId, id, backend = *backend, hello](AuthResult result) {
    auto it = d_connections.find(connectionId);
    if (it == d_connections.end()) {
      return; // gone while Nextcloud answered
    }
    it->second.authenticating = false;
    if (result.error) {
      sendToConnection(connectionId, MessageCodec::error(id, *result.error));
      return;
    }
    finishHello(connectionId, id, backend, ClientType::Client, hello, std::move(result));
  });
}

void Hub::helloInternal(uint64_t connectionId, const std::string& id, const protocol::HelloRequest& hello)
{
  if (d_config.internalSecret.empty()) {
    sendToConnection(connectionId, MessageCodec::error(id, {"invalid_client_type", "Internal clients are not allowed.", nullptr}));
    return;
  }
  if (!throttleAllows(connectionId, id, "internal-hello")) {
    return;
  }
  const std::string* random = stringMember(hello.params, "random");
  const std::string* token = stringMember(hello.params, "token");
  const std::string* backendUrl = stringMember(hello.params, "backend");
  if (!random || !token || random->size() < MinInternalRandom) {
    throttleFailure(connectionId, "internal-hello");
    sendToConnection(connectionId, MessageCodec::error(id, {"invalid_token", "Invalid token.", nullptr}));
    return;
  }
  auto mac = crypto::hmacSha256(crypto::bytes(d_config.internalSecret), crypto::bytes(*random));
  if (!crypto::constantTimeEquals(crypto::hexEncode(mac), *token)) {
    throttleFailure(connectionId, "internal-hello");
    sendToConnection(connectionId, MessageCodec::error(id, {"invalid_token", "Invalid token.", nullptr}));
    return;
  }
  std::optional<BackendInfo> backend = backendUrl ? d_gateway.lookupBackend(*backendUrl) : std::nullopt;
  if (!backend) {
    sendToConnection(connectionId, MessageCodec::error(id, {"invalid_backend", "The backend URL is not allowed.", nullptr}));
    return;
  }
  finishHello(connectionId, id, *backend, ClientType::Internal, hello, AuthResult{});
}

void Hub::finishHello(uint64_t connectionId, const std::string& id, const BackendInfo& backend, ClientType type,
  const protocol::HelloRequest& hello, AuthResult&& auth)
{
  if (type != ClientType::Internal && backend.sessionLimit > 0) {
    int64_t count = 0;
    for (auto& [sid, session] : d_sessions) {
      if (session->backend.id == backend.id && (session->type == ClientType::Client || session->type == ClientType::Federation)) {
        ++count;
      }
    }
    if (count >= backend.sessionLimit) {
      sendToConnection(connectionId, MessageCodec::error(id, {"session_limit_exceeded", "Too many sessions connected for this backend.", nullptr}));
      return;
    }
  }
  Session& session = createSession(backend, type, std::move(auth.userId), std::move(auth.user), hello.features);
  if (type == ClientType::Internal) {
    session.inCall = session.hasFeature("internal-incall") ? 0 : 3;
  }
  Connection& connection = d_connections[connectionId];
  d_scheduler.cancel(connection.helloTimer);
  connection.helloTimer = 0;
  connection.session = &session;
  session.connection = connectionId;
  sendHelloResponse(connectionId, id, session);
  if (isAnonymous(session)) {
    armJoinTimer(session);
  }
  TLOG_INFO("session created session=%s type=%s backend=%s user=%s", session.publicId.c_str(), clientTypeName(type),
    backend.id.c_str(), session.userId.c_str());
}

void Hub::resume(uint64_t connectionId, const std::string& id, const protocol::HelloRequest& hello)
{
  if (!throttleAllows(connectionId, id, "resume")) {
    return;
  }
  std::optional<SessionIdData> data = d_ids->decode(SessionIdCodec::Kind::Private, hello.resumeId);
  if (!data) {
    // Not made by us: guessing, not an expired session.
    throttleFailure(connectionId, "resume");
  }
  auto it = data ? d_sessions.find(data->sid) : d_sessions.end();
  if (it == d_sessions.end() || it->second->privateId != hello.resumeId) {
    sendToConnection(connectionId, MessageCodec::error(id, {"no_such_session", "The session to resume does not exist.", nullptr}));
    return;
  }
  Session& session = *it->second;
  if (session.connection != 0) {
    const uint64_t old = session.connection;
    sendToConnection(old, MessageCodec::bye({}, "session_resumed"));
    closeConnection(old, CloseNormal, "session resumed");
  }
  d_scheduler.cancel(session.expiryTimer);
  session.expiryTimer = 0;
  Connection& connection = d_connections[connectionId];
  d_scheduler.cancel(connection.helloTimer);
  connection.helloTimer = 0;
  connection.session = &session;
  session.connection = connectionId;
  sendHelloResponse(connectionId, id, session);
  std::deque<std::string> queued;
  queued.swap(session.queued);
  session.queuedChatRefresh = false;
  for (std::string& frame : queued) {
    d_connections[connectionId].link->send(std::move(frame));
  }
  TLOG_INFO("session resumed session=%s replayed=%zu", session.publicId.c_str(), queued.size());
}

Session& Hub::createSession(const BackendInfo& backend, ClientType type, std::string userId, Json user,
  std::vector<std::string> features)
{
  auto owned = std::make_unique<Session>();
  Session& session = *owned;
  session.sid = d_nextSession++;
  session.backend = backend;
  session.type = type;
  session.userId = std::move(userId);
  session.user = std::move(user);
  session.features = std::move(features);
  const SessionIdData data{session.sid, static_cast<int64_t>(d_scheduler.unixSeconds()) * 1000000, backend.id};
  session.publicId = d_ids->encode(SessionIdCodec::Kind::Public, data);
  if (type != ClientType::Virtual) {
    session.privateId = d_ids->encode(SessionIdCodec::Kind::Private, data);
    Session* self = &session;
    session.sessionSubscription = d_bus.subscribe("session." + session.publicId, [this, self](const nats::Message& message) {
      if (std::optional<Json> parsed = MessageCodec::parse(message.payload); parsed && parsed->is_object()) {
        deliver(*self, *parsed);
      }
    });
    if (!session.userId.empty()) {
      session.userSubscription = d_bus.subscribe(userSubject(session.userId, backend.id), [this, self](const nats::Message& message) {
        if (std::optional<Json> parsed = MessageCodec::parse(message.payload); parsed && parsed->is_object()) {
          deliver(*self, *parsed);
        }
      });
    }
  }
  d_byPublicId[session.publicId] = &session;
  d_sessions[session.sid] = std::move(owned);
  return session;
}

void Hub::sendHelloResponse(uint64_t connectionId, const std::string& id, const Session& session)
{
  Json hello = {{"version", "1.0"}, {"sessionid", session.publicId}, {"resumeid", session.privateId},
    {"userid", session.userId},
    {"server", {{"version", d_config.version}, {"features", session.isInternal() ? internalFeatures() : clientFeatures()}}}};
  Json message = {{"type", "hello"}, {"hello", std::move(hello)}};
  if (!id.empty()) {
    message["id"] = id;
  }
  sendToConnection(connectionId, message);
}

bool Hub::throttleAllows(uint64_t connectionId, const std::string& id, const char* action)
{
  auto it = d_connections.find(connectionId);
  if (!d_throttler || it == d_connections.end() || it->second.clientIp.empty() ||
      d_throttler->allowed(it->second.clientIp, action)) {
    return true;
  }
  TLOG_WARN("throttled client=%s action=%s", it->second.clientIp.c_str(), action);
  sendToConnection(connectionId, MessageCodec::error(id, {"too_many_requests", "Too many requests.", nullptr}));
  return false;
}

void Hub::throttleFailure(uint64_t connectionId, const char* action)
{
  auto it = d_connections.find(connectionId);
  if (d_throttler && it != d_connections.end() && !it->second.clientIp.empty()) {
    // The answer is not delayed on WebSockets: the connection is the attacker's own, and
    // a blocked address is refused outright after maxFailures anyway.
    d_throttler->recordFailure(it->second.clientIp, action);
  }
}

bool Hub::isAnonymous(const Session& session) const
{
  return session.type == ClientType::Client && session.userId.empty();
}

void Hub::armJoinTimer(Session& session)
{
  d_scheduler.cancel(session.joinTimer);
  const uint64_t sid = session.sid;
  session.joinTimer = d_scheduler.after(d_config.roomJoinTimeout, [this, sid] {
    auto it = d_sessions.find(sid);
    if (it == d_sessions.end()) {
      return;
    }
    Session& expired = *it->second;
    expired.joinTimer = 0;
    if (expired.room) {
      return;
    }
    const uint64_t connection = expired.connection;
    if (connection != 0) {
      sendToConnection(connection, MessageCodec::bye({}, "room_join_timeout"));
    }
    destroySession(expired, false);
    if (connection != 0) {
      closeConnection(connection, CloseNormal, "room join timeout");
    }
  });
}

void Hub::destroySession(Session& session, bool notifyBackend)
{
  d_scheduler.cancel(session.expiryTimer);
  d_scheduler.cancel(session.joinTimer);
  while (!session.virtuals.empty()) {
    removeVirtual(session, {}, *session.virtuals.back(), notifyBackend);
  }
  if (session.room) {
    leaveRoom(session, notifyBackend);
  }
  if (session.connection != 0) {
    auto it = d_connections.find(session.connection);
    if (it != d_connections.end()) {
      it->second.session = nullptr;
    }
  }
  TLOG_DEBUG("signaling", "session destroyed session=%s", session.publicId.c_str());
  d_byPublicId.erase(session.publicId);
  d_sessions.erase(session.sid); // destroys `session`
}

// ---- rooms ----

Json Hub::joinEntry(const Session& session) const
{
  Json entry = {{"sessionid", session.publicId}, {"userid", session.effectiveUserId()}};
  if (!session.user.is_null()) {
    entry["user"] = session.user;
  }
  if (!session.roomSessionId.empty()) {
    entry["roomsessionid"] = session.roomSessionId;
  }
  if (!session.features.empty()) {
    entry["features"] = session.features;
  }
  if (session.type == ClientType::Federation) {
    entry["federated"] = true;
  }
  return entry;
}

void Hub::handleRoom(Session& session, const std::string& id, const protocol::RoomRequest& request)
{
  if (request.roomId.empty()) {
    if (session.room) {
      leaveRoom(session, true);
      Json reply = {{"type", "room"}, {"room", {{"roomid", ""}}}};
      if (!id.empty()) {
        reply["id"] = id;
      }
      sendToSession(session, reply);
      if (isAnonymous(session)) {
        armJoinTimer(session);
      }
    }
    return;
  }
  if (!request.federation.is_null()) {
    sendToSession(session, MessageCodec::error(id, {"federation_unsupported", "Federation is not supported.", nullptr}));
    return;
  }
  const std::string roomSessionId = request.sessionId.empty() ? session.publicId : request.sessionId;
  if (session.room && session.room->id == request.roomId) {
    if (session.roomSessionId != roomSessionId) {
      d_byRoomSession.erase(session.backend.id + "|" + session.roomSessionId);
      session.roomSessionId = roomSessionId;
      d_byRoomSession[session.backend.id + "|" + roomSessionId] = &session;
    }
    Json details = {{"room", {{"roomid", request.roomId}, {"properties", session.room->properties}}}};
    sendToSession(session, MessageCodec::error(id, {"already_joined", "Already joined this room.", details}));
    return;
  }
  const uint64_t sequence = ++session.joinSequence;
  if (session.isInternal()) {
    finishJoin(session, id, request.roomId, roomSessionId, RoomJoinResult{});
    return;
  }
  RoomJoinRequest join{request.roomId, session.userId, roomSessionId, {}, {}, std::nullopt};
  const uint64_t sid = session.sid;
  d_gateway.joinRoom(session.backend, join, [this, sid, sequence, id, join](RoomJoinResult result) {
    auto it = d_sessions.find(sid);
    if (it == d_sessions.end() || it->second->joinSequence != sequence) {
      return;
    }
    finishJoin(*it->second, id, join.roomId, join.roomSessionId, std::move(result));
  });
}

void Hub::finishJoin(Session& session, const std::string& id, const std::string& roomId, const std::string& roomSessionId,
  RoomJoinResult&& result)
{
  if (result.error) {
    sendToSession(session, MessageCodec::error(id, *result.error));
    return;
  }
  // Another signaling session with the same Talk session id is replaced (spec §5.1.3).
  const std::string key = session.backend.id + "|" + roomSessionId;
  auto previous = d_byRoomSession.find(key);
  if (previous != d_byRoomSession.end() && previous->second != &session && !previous->second->isInternal()) {
    Session& other = *previous->second;
    const uint64_t connection = other.connection;
    if (connection != 0) {
      sendToConnection(connection, MessageCodec::bye({}, "room_session_reconnected"));
    }
    destroySession(other, false);
    if (connection != 0) {
      closeConnection(connection, CloseNormal, "room session reconnected");
    }
  }
  if (session.room) {
    leaveRoom(session, true);
  }
  Room& room = roomFor(session.backend, roomId);
  if (!result.properties.is_null()) {
    room.properties = result.properties;
  }
  if (result.permissions) {
    session.permissions = std::set<std::string>(result.permissions->begin(), result.permissions->end());
  }
  session.roomUserId = result.sessionUserId;
  session.roomSessionId = roomSessionId;
  d_byRoomSession[key] = &session;
  d_scheduler.cancel(session.joinTimer);
  session.joinTimer = 0;

  Json body = {{"roomid", roomId}, {"properties", room.properties}};
  Json bandwidth = Json::object();
  if (session.backend.maxStreamBitrate > 0) {
    bandwidth["maxstreambitrate"] = session.backend.maxStreamBitrate;
  }
  if (session.backend.maxScreenBitrate > 0) {
    bandwidth["maxscreenbitrate"] = session.backend.maxScreenBitrate;
  }
  if (!bandwidth.empty()) {
    body["bandwidth"] = std::move(bandwidth);
  }
  Json reply = {{"type", "room"}, {"room", std::move(body)}};
  if (!id.empty()) {
    reply["id"] = id;
  }
  sendToSession(session, reply);
  addMember(room, session);
  if (session.isInternal()) {
    // Internal clients appear in the participant list with their in-call flags (§6.3).
    publishParticipants(room, nullptr, room.users);
  }
  TLOG_INFO("room joined session=%s room=%s backend=%s", session.publicId.c_str(), roomId.c_str(), session.backend.id.c_str());
}

void Hub::addMember(Room& room, Session& session)
{
  // Existing members, for the joiner (before it is a member itself).
  Json others = Json::array();
  for (Session* member : room.members) {
    others.push_back(joinEntry(*member));
  }
  session.room = &room;
  session.seenSessions.clear();
  room.members.push_back(&session);
  // Everyone (the joiner included) learns about the joiner through the room subject.
  publish(roomSubject(room.id, room.backendId), envelope(roomEvent("join", Json::array({joinEntry(session)}))));
  if (session.type == ClientType::Virtual) {
    return;
  }
  if (!others.empty()) {
    deliver(session, envelope(roomEvent("join", std::move(others))));
  }
  if (!room.transient.empty()) {
    Json data = Json::object();
    for (auto& [name, entry] : room.transient) {
      data[name] = entry.value;
    }
    sendToSession(session, {{"type", "transient"}, {"transient", {{"type", "initial"}, {"data", std::move(data)}}}});
  }
  for (Session* member : room.members) {
    if (member->type == ClientType::Virtual && member->flags != 0) {
      sendToSession(session, {{"type", "event"}, {"event", {{"target", "participants"}, {"type", "flags"},
        {"flags", {{"roomid", room.id}, {"sessionid", member->publicId}, {"flags", member->flags}}}}}});
    }
  }
}

Room& Hub::roomFor(const BackendInfo& backend, const std::string& roomId)
{
  const std::string key = roomId + "|" + backend.id;
  auto it = d_rooms.find(key);
  if (it != d_rooms.end()) {
    return *it->second;
  }
  auto room = std::make_unique<Room>();
  room->backendId = backend.id;
  room->backend = backend;
  room->id = roomId;
  room->key = key;
  room->subscription = d_bus.subscribe(roomSubject(roomId, backend.id), [this, key](const nats::Message& message) {
    onRoomBusMessage(key, message.payload);
  });
  Room& ref = *room;
  d_rooms.emplace(key, std::move(room));
  return ref;
}

void Hub::leaveRoom(Session& session, bool notifyBackend)
{
  Room* room = session.room;
  if (!room) {
    return;
  }
  room->members.erase(std::remove(room->members.begin(), room->members.end(), &session), room->members.end());
  session.room = nullptr;
  session.seenSessions.clear();
  auto mapped = d_byRoomSession.find(session.backend.id + "|" + session.roomSessionId);
  if (mapped != d_byRoomSession.end() && mapped->second == &session) {
    d_byRoomSession.erase(mapped);
  }
  if (notifyBackend && session.type == ClientType::Client && !session.roomSessionId.empty()) {
    d_gateway.leaveRoom(session.backend, {room->id, session.userId, session.roomSessionId, {}, {}, std::nullopt});
  }
  session.roomSessionId.clear();
  if (room->members.empty()) {
    for (auto& [name, entry] : room->transient) {
      d_scheduler.cancel(entry.expiry);
    }
    d_rooms.erase(room->key);
    return;
  }
  removeTransient(*room, "sd:" + session.publicId);
  publish(roomSubject(room->id, room->backendId), envelope(roomEvent("leave", Json::array({session.publicId}))));
}

void Hub::removeTransient(Room& room, const std::string& key)
{
  auto it = room.transient.find(key);
  if (it == room.transient.end()) {
    return;
  }
  d_scheduler.cancel(it->second.expiry);
  Json old = std::move(it->second.value);
  room.transient.erase(it);
  publish(roomSubject(room.id, room.backendId),
    envelope({{"type", "transient"}, {"transient", {{"type", "remove"}, {"key", key}, {"oldvalue", std::move(old)}}}}));
}

Json Hub::participantsUpdate(Room& room, const Json& changed, const Json& users)
{
  Json merged = users.is_array() ? users : Json::array();
  if (changed.is_array()) {
    for (const Json& entry : changed) {
      const std::string sid = entrySessionId(entry);
      bool present = false;
      for (const Json& user : merged) {
        if (entrySessionId(user) == sid) {
          present = true;
          break;
        }
      }
      if (!present) {
        merged.push_back(entry);
      }
    }
  }
  room.users = merged;
  Json result = Json::array();
  for (const Json& entry : merged) {
    const std::string sid = entrySessionId(entry);
    if (sid.empty() || sid == "0") {
      continue;
    }
    Session* session = byRoomSessionId(room.backendId, sid);
    if (!session || session->room != &room) {
      continue;
    }
    Json out = entry;
    out.erase("permissions");
    out.erase("sessionid");
    out["sessionId"] = session->publicId;
    if (!out.contains("userId") && !session->effectiveUserId().empty()) {
      out["userId"] = session->effectiveUserId();
    }
    result.push_back(std::move(out));
  }
  const int64_t now = d_scheduler.unixSeconds();
  for (Session* member : room.members) {
    if (member->isInternal()) {
      Json entry = {{"sessionId", member->publicId}, {"inCall", member->inCall}, {"lastPing", now}, {"internal", true}};
      if (!member->features.empty()) {
        entry["features"] = member->features;
      }
      result.push_back(std::move(entry));
    } else if (member->type == ClientType::Virtual) {
      result.push_back({{"sessionId", member->publicId}, {"inCall", member->inCall}, {"lastPing", now}, {"virtual", true}});
    }
  }
  return result;
}

void Hub::publishParticipants(Room& room, const Json& changed, const Json& users)
{
  Json list = participantsUpdate(room, changed, users);
  if (list.empty()) {
    return;
  }
  publish(roomSubject(room.id, room.backendId),
    envelope({{"type", "event"}, {"event", {{"target", "participants"}, {"type", "update"},
      {"update", {{"roomid", room.id}, {"users", std::move(list)}}}}}}));
}

void Hub::pingRooms()
{
  d_pingTimer = d_scheduler.after(d_config.pingInterval, [this] { pingRooms(); });
  for (auto& [key, room] : d_rooms) {
    std::vector<PingEntry> entries;
    for (Session* member : room->members) {
      if (member->type == ClientType::Client && !member->roomSessionId.empty()) {
        entries.push_back({member->userId, member->roomSessionId});
      } else if (member->type == ClientType::Virtual) {
        entries.push_back({member->userId, member->publicId});
      }
    }
    if (!entries.empty()) {
      d_gateway.ping(room->backend, room->id, std::move(entries));
    }
  }
}

Session* Hub::byRoomSessionId(const std::string& backendId, const std::string& roomSessionId) const
{
  auto it = d_byRoomSession.find(backendId + "|" + roomSessionId);
  return it == d_byRoomSession.end() ? nullptr : it->second;
}

// ---- messages ----

void Hub::handleMessage(Session& session, const protocol::MessageRequest& request)
{
  if (request.control && !session.isInternal() && !session.hasPermission(permission::Control)) {
    return;
  }
  const char* key = request.control ? "control" : "message";
  Json sender = {{"type", protocol::recipientTypeName(request.recipient.type)}, {"sessionid", session.publicId}};
  if (!session.userId.empty()) {
    sender["userid"] = session.userId;
  }
  Json payload = {{"sender", std::move(sender)}, {"data", request.data}};
  switch (request.recipient.type) {
  case protocol::RecipientType::Session: {
    const std::string& target = request.recipient.sessionId;
    if (target == session.publicId) {
      return;
    }
    std::optional<SessionIdData> data = d_ids->decode(SessionIdCodec::Kind::Public, target);
    if (!data || data->backendId != session.backend.id) {
      return;
    }
    std::string subjectId = target;
    auto local = d_byPublicId.find(target);
    if (local != d_byPublicId.end() && local->second->type == ClientType::Virtual && local->second->owner) {
      payload["recipient"] = {{"type", "session"}, {"sessionid", local->second->virtualId}};
      subjectId = local->second->owner->publicId;
    }
    ++d_messagesRelayed;
    publish("session." + subjectId, envelope({{"type", key}, {key, std::move(payload)}}));
    return;
  }
  case protocol::RecipientType::User: {
    if (request.recipient.userId == session.userId) {
      return;
    }
    ++d_messagesRelayed;
    Json bus = envelope({{"type", key}, {key, std::move(payload)}});
    bus["exclude"] = session.publicId;
    publish(userSubject(request.recipient.userId, session.backend.id), bus);
    return;
  }
  case protocol::RecipientType::Room:
  case protocol::RecipientType::Call: {
    if (!session.room) {
      return;
    }
    ++d_messagesRelayed;
    Json bus = envelope({{"type", key}, {key, std::move(payload)}});
    bus["exclude"] = session.publicId;
    if (request.recipient.type == protocol::RecipientType::Call) {
      bus["call"] = true;
    }
    publish(roomSubject(session.room->id, session.room->backendId), bus);
    return;
  }
  }
}

void Hub::handleTransient(Session& session, const std::string& id, const protocol::TransientRequest& request)
{
  if (!session.room) {
    sendToSession(session, MessageCodec::error(id, {"not_in_room", "Need to be in a room to use transient data.", nullptr}));
    return;
  }
  if (!session.isInternal() && !session.hasPermission(permission::TransientData)) {
    sendToSession(session, MessageCodec::error(id, {"not_allowed", "Not allowed to use transient data.", nullptr}));
    return;
  }
  if (request.key.rfind("sd:", 0) == 0 && request.key != "sd:" + session.publicId && !session.isInternal()) {
    sendToSession(session, MessageCodec::error(id, {"not_allowed", "Not allowed to modify this key.", nullptr}));
    return;
  }
  Room& room = *session.room;
  if (request.type == protocol::TransientType::Remove || request.value.is_null()) {
    removeTransient(room, request.key);
    return;
  }
  TransientEntry& entry = room.transient[request.key];
  d_scheduler.cancel(entry.expiry);
  entry.expiry = 0;
  const bool changed = entry.value != request.value;
  Json old = entry.value;
  entry.value = request.value;
  if (request.ttlNanos && *request.ttlNanos > 0) {
    const std::string roomKey = room.key;
    const std::string name = request.key;
    entry.expiry = d_scheduler.after(static_cast<double>(*request.ttlNanos) / 1e9, [this, roomKey, name] {
      auto it = d_rooms.find(roomKey);
      if (it == d_rooms.end()) {
        return;
      }
      auto found = it->second->transient.find(name);
      if (found != it->second->transient.end()) {
        found->second.expiry = 0;
        removeTransient(*it->second, name);
      }
    });
  }
  if (!changed) {
    return; // same value: only the TTL was refreshed
  }
  Json body = {{"type", "set"}, {"key", request.key}, {"value", request.value}};
  if (!old.is_null()) {
    body["oldvalue"] = std::move(old);
  }
  publish(roomSubject(room.id, room.backendId), envelope({{"type", "transient"}, {"transient", std::move(body)}}));
}

// ---- internal clients ----

Session* Hub::findVirtual(Session& owner, const std::string& virtualId)
{
  for (Session* virt : owner.virtuals) {
    if (virt->virtualId == virtualId) {
      return virt;
    }
  }
  return nullptr;
}

void Hub::handleInternal(Session& session, const std::string& id, const protocol::InternalRequest& request)
{
  std::visit(
    [&](const auto& body) {
      using T = std::decay_t<decltype(body)>;
      if constexpr (std::is_same_v<T, protocol::AddSession>) {
        addVirtual(session, id, body);
      } else if constexpr (std::is_same_v<T, protocol::UpdateSession>) {
        Session* virt = findVirtual(session, body.sessionId);
        if (!virt || !virt->room) {
          return;
        }
        Room& room = *virt->room;
        if (body.flags && *body.flags != virt->flags) {
          virt->flags = *body.flags;
          publish(roomSubject(room.id, room.backendId),
            envelope({{"type", "event"}, {"event", {{"target", "participants"}, {"type", "flags"},
              {"flags", {{"roomid", room.id}, {"sessionid", virt->publicId}, {"flags", virt->flags}}}}}}));
        }
        if (body.inCall && *body.inCall != virt->inCall) {
          virt->inCall = *body.inCall;
          publishParticipants(room, nullptr, room.users);
        }
      } else if constexpr (std::is_same_v<T, protocol::RemoveSession>) {
        if (Session* virt = findVirtual(session, body.sessionId)) {
          removeVirtual(session, id, *virt, true);
        }
      } else if constexpr (std::is_same_v<T, protocol::InternalInCall>) {
        if (session.inCall != body.inCall) {
          session.inCall = body.inCall;
          if (session.room) {
            publishParticipants(*session.room, nullptr, session.room->users);
          }
        }
      } else if constexpr (std::is_same_v<T, protocol::DialoutReport>) {
        handleDialoutReport(session, id, body);
      }
    },
    request.body);
}

void Hub::addVirtual(Session& owner, const std::string& id, const protocol::AddSession& add)
{
  auto roomIt = d_rooms.find(add.roomId + "|" + owner.backend.id);
  if (roomIt == d_rooms.end() || findVirtual(owner, add.sessionId)) {
    return;
  }
  Session& virt = createSession(owner.backend, ClientType::Virtual, add.userId, add.user, {});
  virt.owner = &owner;
  virt.virtualId = add.sessionId;
  virt.flags = add.flags.value_or(0);
  virt.inCall = add.inCall ? *add.inCall : (owner.hasFeature("internal-incall") ? 0 : 9);
  virt.roomSessionId = virt.publicId;
  owner.virtuals.push_back(&virt);

  const std::string* actorId = stringMember(add.options, "actorId");
  const std::string* actorType = stringMember(add.options, "actorType");
  const uint64_t ownerSid = owner.sid;
  const uint64_t virtSid = virt.sid;
  const std::string roomId = add.roomId;
  auto done = [this, ownerSid, virtSid, roomId, id](std::optional<ProtocolError> error) {
    auto ownerIt = d_sessions.find(ownerSid);
    auto virtIt = d_sessions.find(virtSid);
    if (ownerIt == d_sessions.end() || virtIt == d_sessions.end()) {
      return;
    }
    Session& creator = *ownerIt->second;
    Session& added = *virtIt->second;
    if (error) {
      sendToSession(creator, MessageCodec::error(id, {"add_failed", error->message, nullptr}));
      creator.virtuals.erase(std::remove(creator.virtuals.begin(), creator.virtuals.end(), &added), creator.virtuals.end());
      d_byPublicId.erase(added.publicId);
      d_sessions.erase(virtSid);
      return;
    }
    auto target = d_rooms.find(roomId + "|" + creator.backend.id);
    if (target == d_rooms.end()) {
      return;
    }
    Room& room = *target->second;
    d_byRoomSession[creator.backend.id + "|" + added.roomSessionId] = &added;
    addMember(room, added);
    publishParticipants(room, nullptr, room.users);
    if (added.flags != 0) {
      publish(roomSubject(room.id, room.backendId),
        envelope({{"type", "event"}, {"event", {{"target", "participants"}, {"type", "flags"},
          {"flags", {{"roomid", room.id}, {"sessionid", added.publicId}, {"flags", added.flags}}}}}}));
    }
  };
  if (actorId && actorType) {
    RoomJoinRequest join{add.roomId, add.userId, virt.publicId, *actorId, *actorType, virt.inCall};
    d_gateway.joinRoom(owner.backend, join, [done](RoomJoinResult result) { done(result.error); });
  } else {
    d_gateway.virtualSession(owner.backend, add.roomId, true, virt.publicId, add.userId, add.user, done);
  }
}

void Hub::removeVirtual(Session& owner, const std::string& id, Session& virt, bool notifyBackend)
{
  (void)id;
  owner.virtuals.erase(std::remove(owner.virtuals.begin(), owner.virtuals.end(), &virt), owner.virtuals.end());
  Room* room = virt.room;
  if (room && notifyBackend) {
    d_gateway.virtualSession(owner.backend, room->id, false, virt.publicId, virt.userId, virt.user,
      [](std::optional<ProtocolError>) {});
  }
  if (room) {
    // leaveRoom would send a backend "room" leave for client sessions only.
    leaveRoom(virt, false);
    if (Room* still = d_rooms.count(room->key) ? room : nullptr) {
      publishParticipants(*still, nullptr, still->users);
    }
  }
  d_byPublicId.erase(virt.publicId);
  d_sessions.erase(virt.sid);
}

// ---- dialout ----

void Hub::dialout(const BackendInfo& backend, const std::string& roomId, const backend::DialoutRequest& request,
  std::function<void(DialoutResult)> done)
{
  auto pending = std::make_unique<PendingDialout>();
  pending->backend = backend;
  pending->roomId = roomId;
  pending->request = {{"number", request.number}};
  if (!request.options.is_null()) {
    pending->request["options"] = request.options;
  }
  for (auto& [sid, session] : d_sessions) {
    if (session->isInternal() && session->backend.id == backend.id && session->connection != 0 && !session->room &&
        session->hasFeature("start-dialout")) {
      pending->bridges.push_back(sid);
    }
  }
  if (pending->bridges.empty()) {
    done(DialoutResult{404, {}, "no_client_available", "No client is available to dial out."});
    return;
  }
  pending->done = std::move(done);
  const std::string id = crypto::randomToken(32);
  d_dialouts.emplace(id, std::move(pending));
  askNextBridge(id);
}

void Hub::askNextBridge(const std::string& id)
{
  auto it = d_dialouts.find(id);
  if (it == d_dialouts.end()) {
    return;
  }
  PendingDialout& pending = *it->second;
  d_scheduler.cancel(pending.timer);
  pending.timer = 0;
  while (!pending.bridges.empty()) {
    const uint64_t sid = pending.bridges.front();
    pending.bridges.erase(pending.bridges.begin());
    auto session = d_sessions.find(sid);
    if (session == d_sessions.end() || session->second->connection == 0) {
      continue;
    }
    pending.asked = sid;
    sendToSession(*session->second, {{"id", id}, {"type", "internal"}, {"internal", {{"type", "dialout"}, {"dialout",
      {{"roomid", pending.roomId}, {"backend", pending.backend.url}, {"request", pending.request}}}}}});
    pending.timer = d_scheduler.after(45.0, [this, id] {
      auto found = d_dialouts.find(id);
      if (found != d_dialouts.end()) {
        found->second->timer = 0;
        finishDialout(id, DialoutResult{504, {}, "timeout", "The bridge did not answer in time."});
      }
    });
    return;
  }
  finishDialout(id, pending.lastError);
}

void Hub::finishDialout(const std::string& id, DialoutResult result)
{
  auto it = d_dialouts.find(id);
  if (it == d_dialouts.end()) {
    return;
  }
  std::unique_ptr<PendingDialout> pending = std::move(it->second);
  d_dialouts.erase(it);
  d_scheduler.cancel(pending->timer);
  pending->done(std::move(result));
}

void Hub::handleDialoutReport(Session& session, const std::string& id, const protocol::DialoutReport& report)
{
  auto pending = id.empty() ? d_dialouts.end() : d_dialouts.find(id);
  if (pending != d_dialouts.end() && pending->second->asked == session.sid) {
    if (report.type == "status" && report.status.is_object()) {
      const std::string status = report.status.value("status", "");
      if (status == "accepted") {
        finishDialout(id, DialoutResult{200, report.status.value("callid", ""), {}, {}});
      } else {
        finishDialout(id, DialoutResult{502, {}, "unsupported_status", "Unsupported status: " + status});
      }
      return;
    }
    if (report.type == "error") {
      DialoutResult error{502, {}, "error", "Dial-out failed."};
      if (report.error.is_object()) {
        error.code = report.error.value("code", error.code);
        error.message = report.error.value("message", error.message);
      }
      pending->second->lastError = error;
      askNextBridge(id);
      return;
    }
  }
  // Progress of a call: kept as transient data of the room (callstatus_<callid>).
  if (report.roomId.empty()) {
    return;
  }
  auto roomIt = d_rooms.find(report.roomId + "|" + session.backend.id);
  if (roomIt == d_rooms.end()) {
    return;
  }
  Room& room = *roomIt->second;
  if (report.type == "status" && report.status.is_object()) {
    const std::string callId = report.status.value("callid", "");
    const std::string status = report.status.value("status", "");
    if (callId.empty()) {
      return;
    }
    const std::string key = "callstatus_" + callId;
    TransientEntry& entry = room.transient[key];
    d_scheduler.cancel(entry.expiry);
    entry.expiry = 0;
    Json old = entry.value;
    entry.value = report.status;
    if (status == "rejected" || status == "cleared") {
      const std::string roomKey = room.key;
      entry.expiry = d_scheduler.after(5.0, [this, roomKey, key] {
        auto it = d_rooms.find(roomKey);
        if (it != d_rooms.end()) {
          auto found = it->second->transient.find(key);
          if (found != it->second->transient.end()) {
            found->second.expiry = 0;
            removeTransient(*it->second, key);
          }
        }
      });
    }
    Json body = {{"type", "set"}, {"key", key}, {"value", report.status}};
    if (!old.is_null()) {
      body["oldvalue"] = std::move(old);
    }
    publish(roomSubject(room.id, room.backendId), envelope({{"type", "transient"}, {"transient", std::move(body)}}));
    return;
  }
  Json raw = report.raw;
  raw.erase("roomid");
  publish(roomSubject(room.id, room.backendId), envelope({{"type", "dialout"}, {"dialout", std::move(raw)}}));
}

// ---- backend requests ----

void Hub::roomlistToUsers(const BackendInfo& backend, const std::vector<std::string>& users, const Json& event)
{
  for (const std::string& user : users) {
    publish(userSubject(user, backend.id), envelope(event));
  }
}

void Hub::applyBackendRequest(const BackendInfo& backend, const std::string& roomId, const backend::BackendRoomPayload& request)
{
  auto roomIt = d_rooms.find(roomId + "|" + backend.id);
  Room* room = roomIt == d_rooms.end() ? nullptr : roomIt->second.get();
  std::visit(
    [&](const auto& body) {
      using T = std::decay_t<decltype(body)>;
      if constexpr (std::is_same_v<T, backend::InviteRequest>) {
        roomlistToUsers(backend, body.userIds, roomlistEvent("invite", {{"roomid", roomId}, {"properties", body.properties}}));
        std::vector<std::string> others;
        for (const std::string& user : body.allUserIds) {
          if (std::find(body.userIds.begin(), body.userIds.end(), user) == body.userIds.end()) {
            others.push_back(user);
          }
        }
        roomlistToUsers(backend, others, roomlistEvent("update", {{"roomid", roomId}, {"properties", body.properties}}));
      } else if constexpr (std::is_same_v<T, backend::DisinviteRequest>) {
        Json event = roomlistEvent("disinvite", {{"roomid", roomId}, {"reason", "disinvited"}});
        for (const std::string& user : body.userIds) {
          Json bus = envelope(event);
          bus["disinvite"] = roomId;
          publish(userSubject(user, backend.id), bus);
        }
        for (const std::string& sid : body.sessionIds) {
          if (Session* session = byRoomSessionId(backend.id, sid)) {
            Json bus = envelope(event);
            bus["disinvite"] = roomId;
            publish("session." + session->publicId, bus);
          }
        }
        std::vector<std::string> others;
        for (const std::string& user : body.allUserIds) {
          if (std::find(body.userIds.begin(), body.userIds.end(), user) == body.userIds.end()) {
            others.push_back(user);
          }
        }
        roomlistToUsers(backend, others, roomlistEvent("update", {{"roomid", roomId}, {"properties", body.properties}}));
      } else if constexpr (std::is_same_v<T, backend::UpdateRequest>) {
        if (room && !body.properties.is_null() && room->properties != body.properties) {
          room->properties = body.properties;
          publish(roomSubject(roomId, backend.id), envelope({{"type", "room"}, {"room", {{"roomid", roomId}, {"properties", body.properties}}}}));
        }
        roomlistToUsers(backend, body.userIds, roomlistEvent("update", {{"roomid", roomId}, {"properties", body.properties}}));
      } else if constexpr (std::is_same_v<T, backend::DeleteRequest>) {
        if (room) {
          std::vector<std::string> members;
          for (Session* member : room->members) {
            members.push_back(member->publicId);
          }
          for (const std::string& publicId : members) {
            auto it = d_byPublicId.find(publicId);
            if (it == d_byPublicId.end() || it->second->type == ClientType::Virtual) {
              continue;
            }
            Session& member = *it->second;
            if (member.isInternal()) {
              sendToSession(member, {{"type", "event"}, {"event", {{"target", "room"}, {"type", "delete"}}}});
            }
            leaveRoom(member, false);
            sendToSession(member, {{"type", "room"}, {"room", {{"roomid", ""}}}});
          }
        }
        roomlistToUsers(backend, body.userIds, roomlistEvent("disinvite", {{"roomid", roomId}, {"reason", "deleted"}}));
      } else if constexpr (std::is_same_v<T, backend::InCallRequest>) {
        if (room) {
          applyInCall(*room, body);
        }
      } else if constexpr (std::is_same_v<T, backend::ParticipantsRequest>) {
        if (room) {
          applyParticipants(*room, body);
        }
      } else if constexpr (std::is_same_v<T, backend::MessageRequest>) {
        publish(roomSubject(roomId, backend.id), envelope(roomEvent("message", {{"roomid", roomId}, {"data", body.data}})));
      } else if constexpr (std::is_same_v<T, backend::SwitchToRequest>) {
        auto sendSwitch = [&](const std::string& sid, const Json& details) {
          Session* session = byRoomSessionId(backend.id, sid);
          if (!session) {
            return;
          }
          Json payload = {{"roomid", body.roomId}};
          if (!details.is_null()) {
            payload["details"] = details;
          }
          publish("session." + session->publicId, envelope(roomEvent("switchto", std::move(payload))));
        };
        for (const backend::SwitchToTarget& target : body.sessions) {
          sendSwitch(target.sessionId, target.details);
        }
      } else {
        // Dialout needs an answer: see dialout().
      }
    },
    request);
}

void Hub::applyInCall(Room& room, const backend::InCallRequest& request)
{
  if (!request.all) {
    if (request.changed.is_array()) {
      for (const Json& entry : request.changed) {
        Session* session = byRoomSessionId(room.backendId, entrySessionId(entry));
        if (session && session->room == &room && entry.is_object() && entry.contains("inCall")) {
          if (auto value = protocol::toInteger(entry["inCall"])) {
            session->inCall = *value;
          }
        }
      }
    }
    publishParticipants(room, request.changed, request.users);
    return;
  }
  // "all": every client session of the room gets the new state (spec §6.3).
  const bool starts = (request.inCall & 1) != 0;
  bool anyoneWasInCall = false;
  std::vector<Session*> added;
  for (Session* member : room.members) {
    if (member->type != ClientType::Client) {
      anyoneWasInCall = anyoneWasInCall || (member->inCall & 1) != 0;
      continue;
    }
    const bool was = (member->inCall & 1) != 0;
    anyoneWasInCall = anyoneWasInCall || was;
    if (starts && !was) {
      added.push_back(member);
    }
    member->inCall = request.inCall;
  }
  if (room.users.is_array()) {
    for (Json& user : room.users) {
      if (user.is_object()) {
        user["inCall"] = request.inCall;
      }
    }
  }
  Json update = {{"type", "event"}, {"event", {{"target", "participants"}, {"type", "update"},
    {"update", {{"roomid", room.id}, {"incall", request.inCall}, {"all", true}}}}}};
  if (starts) {
    for (Session* member : added) {
      sendToSession(*member, update);
    }
  } else if (anyoneWasInCall) {
    for (Session* member : room.members) {
      if (member->type == ClientType::Client || member->isInternal()) {
        sendToSession(*member, update);
      }
    }
  }
}

void Hub::applyParticipants(Room& room, const backend::ParticipantsRequest& request)
{
  if (request.changed.is_array()) {
    for (const Json& entry : request.changed) {
      Session* session = byRoomSessionId(room.backendId, entrySessionId(entry));
      if (!session || session->room != &room || !entry.is_object()) {
        continue;
      }
      auto permissions = entry.find("permissions");
      if (permissions != entry.end() && permissions->is_array()) {
        std::set<std::string> granted;
        for (const Json& name : *permissions) {
          if (name.is_string()) {
            granted.insert(name.get<std::string>());
          }
        }
        session->permissions = std::move(granted);
      }
      if (entry.contains("inCall")) {
        if (auto value = protocol::toInteger(entry["inCall"])) {
          session->inCall = *value;
        }
      }
    }
  }
  publishParticipants(room, request.changed, request.users);
}

}
