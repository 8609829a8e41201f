#include "sfu/control/JanusApi.hpp"

#include "common/crypto/Crypto.hpp"
#include "sfu/control/JanusErrors.hpp"

#define TLOG_COMPONENT "janus"
#include "common/log/Logger.hpp"

namespace talk::sfu::control {

using nlohmann::json;

namespace {

enum class Scope
{
  Root,
  Session,
  Handle,
};

// The verbs of this subset and the scope each belongs to (§4).
bool verbScope(const std::string& verb, Scope& scope)
{
  if (verb == "info" || verb == "ping" || verb == "create") {
    scope = Scope::Root;
  }
  else if (verb == "keepalive" || verb == "attach" || verb == "destroy") {
    scope = Scope::Session;
  }
  else if (verb == "message" || verb == "trickle" || verb == "detach" || verb == "hangup") {
    scope = Scope::Handle;
  }
  else {
    return false;
  }
  return true;
}

// Reads one trickle candidate object; returns the core error code (0 = fine).
int readCandidate(const json& object, IceCandidate& out, std::string& reason)
{
  if (!object.is_object()) {
    reason = "Invalid element type (candidate should be an object)";
    return CoreError::InvalidElementType;
  }
  auto completed = object.find("completed");
  if (completed != object.end()) {
    if (!completed->is_boolean()) {
      reason = "Invalid element type (completed should be a boolean)";
      return CoreError::InvalidElementType;
    }
    if (completed->get<bool>()) {
      out.completed = true;
      return 0;
    }
  }
  auto candidate = object.find("candidate");
  if (candidate == object.end()) {
    reason = "Missing mandatory element (candidate)";
    return CoreError::MissingMandatoryElement;
  }
  if (!candidate->is_string()) {
    reason = "Invalid element type (candidate should be a string)";
    return CoreError::InvalidElementType;
  }
  auto mid = object.find("sdpMid");
  auto index = object.find("sdpMLineIndex");
  const bool hasMid = mid != object.end() && !mid->is_null();
  const bool hasIndex = index != object.end() && !index->is_null();
  if (!hasMid && !hasIndex) {
    reason = "Missing mandatory element (sdpMid or sdpMLineIndex)";
    return CoreError::MissingMandatoryElement;
  }
  if (hasMid && !mid->is_string()) {
    reason = "Invalid element type (sdpMid should be a string)";
    return CoreError::InvalidElementType;
  }
  if (hasIndex && !(index->is_number_integer() && index->get<int64_t>() >= 0 && index->get<int64_t>() < 1024)) {
    reason = "Invalid element type (sdpMLineIndex should be a small non-negative integer)";
    return CoreError::InvalidElementType;
  }
  out.candidate = candidate->get<std::string>();
  out.sdpMid = hasMid ? mid->get<std::string>() : std::string();
  out.sdpMLineIndex = hasIndex ? static_cast<int>(index->get<int64_t>()) : -1;
  return 0;
}

}

std::string toText(const json& message) { return message.dump(-1, ' ', false, json::error_handler_t::replace); }

JanusApi::JanusApi(JanusApiOptions options, MediaEngine& engine, VideoRoomLimits limits, std::function<int64_t()> nowMs,
                   std::function<uint64_t()> randomId)
  : d_engine(engine), d_options(std::move(options)), d_nowMs(std::move(nowMs)), d_randomId(randomId),
    d_videoRoom(engine, *this, limits, randomId)
{
}

JanusApi::~JanusApi()
{
  // Tear down while the connections are still known, without sending anything.
  for (auto& [id, session] : d_sessions) {
    session.connection = nullptr;
  }
}

void JanusApi::updateOptions(const JanusApiOptions& options, const VideoRoomLimits& limits)
{
  d_options = options;
  d_videoRoom.setLimits(limits);
}

JanusApi::Stats JanusApi::stats() const
{
  return Stats{d_sessions.size(), d_handleSession.size(), d_requests, d_errors};
}

uint64_t JanusApi::newId()
{
  uint64_t id = 0;
  do {
    id = d_randomId();
  } while (id == 0 || d_sessions.count(id) != 0 || d_handleSession.count(id) != 0);
  return id;
}

void JanusApi::reply(ClientConnection& connection, json message) { connection.sendText(toText(message)); }

void JanusApi::replyError(ClientConnection& connection, const std::string* transaction, uint64_t sessionId, int code,
                          const std::string& reason)
{
  ++d_errors;
  json message{{"janus", "error"}};
  if (sessionId != 0) {
    message["session_id"] = sessionId;
  }
  if (transaction != nullptr) {
    message["transaction"] = *transaction;
  }
  message["error"] = json{{"code", code}, {"reason", reason}};
  TLOG_DEBUG("janus", "error code=%d session=%llu reason=\"%s\"", code, static_cast<unsigned long long>(sessionId),
             reason.c_str());
  reply(connection, std::move(message));
}

void JanusApi::onFrame(ClientConnection& connection, std::string_view frame)
{
  for (ParsedRequest& parsed : parseFrame(frame)) {
    ++d_requests;
    if (auto* error = std::get_if<RequestError>(&parsed)) {
      TLOG_INFO("refused request code=%d reason=\"%s\"", error->code, error->reason.c_str());
      replyError(connection, error->transaction ? &*error->transaction : nullptr, error->sessionId, error->code,
                 error->reason);
      continue;
    }
    JanusRequest& request = std::get<JanusRequest>(parsed);
    // The one exception boundary of the control plane (style.md rule 5).
    try {
      handle(connection, request);
    }
    catch (const std::exception& e) {
      TLOG_ERROR("request verb=%s failed: %s", request.verb.c_str(), e.what());
      replyError(connection, &request.transaction, request.sessionId, CoreError::Unknown, "Internal error");
    }
  }
}

bool JanusApi::authorized(const json& message) const
{
  if (d_options.apiSecret.empty() && d_options.tokens.empty()) {
    return true;
  }
  if (!d_options.apiSecret.empty()) {
    auto secret = message.find("apisecret");
    if (secret != message.end() && secret->is_string() &&
        crypto::constantTimeEquals(secret->get_ref<const std::string&>(), d_options.apiSecret)) {
      return true;
    }
  }
  auto token = message.find("token");
  if (token != message.end() && token->is_string()) {
    bool found = false;
    for (const std::string& accepted : d_options.tokens) {
      // Every entry is compared, so the time taken does not say which one matched.
      found = crypto::constantTimeEquals(token->get_ref<const std::string&>(), accepted) || found;
    }
    return found;
  }
  return false;
}

void JanusApi::handle(ClientConnection& connection, JanusRequest& request)
{
  const std::string& verb = request.verb;
  const std::string* transaction = &request.transaction;
  Scope scope = Scope::Root;
  if (!verbScope(verb, scope)) {
    replyError(connection, transaction, request.sessionId, CoreError::UnknownRequest, "Unknown request '" + verb + "'");
    return;
  }
  if (verb != "info" && verb != "ping" && !authorized(request.message)) {
    replyError(connection, transaction, request.sessionId, CoreError::Unauthorized, "Unauthorized request (wrong or missing secret/token)");
    return;
  }
  if (verb == "info") {
    reply(connection, serverInfo(request.transaction));
    return;
  }
  if (verb == "ping") {
    reply(connection, json{{"janus", "pong"}, {"transaction", request.transaction}});
    return;
  }
  // Scope: the ids present must match the verb (§4.9).
  const Scope given = request.handleId != 0 ? Scope::Handle : request.sessionId != 0 ? Scope::Session : Scope::Root;
  if (request.handleId != 0 && request.sessionId == 0) {
    replyError(connection, transaction, 0, CoreError::InvalidRequestPath, "handle_id without session_id");
    return;
  }
  if (given != scope) {
    replyError(connection, transaction, request.sessionId, CoreError::InvalidRequestPath,
               "Unhandled request '" + verb + "' at this path");
    return;
  }

  if (verb == "create") {
    if (!d_accepting) {
      replyError(connection, transaction, 0, CoreError::NotAcceptingSessions, "Not accepting new sessions");
      return;
    }
    auto wanted = readId(request.message, "id");
    if (!wanted || *wanted >= (uint64_t{1} << 53)) {
      replyError(connection, transaction, 0, CoreError::InvalidElementType, "Invalid element type (id should be a positive integer)");
      return;
    }
    uint64_t id = *wanted;
    if (id != 0 && (d_sessions.count(id) != 0 || d_handleSession.count(id) != 0)) {
      replyError(connection, transaction, 0, CoreError::SessionConflict, "Session ID already in use");
      return;
    }
    if (id == 0) {
      id = newId();
    }
    Session& session = d_sessions[id];
    session.id = id;
    session.connection = &connection;
    session.lastActivityMs = d_nowMs();
    TLOG_INFO("session=%llu created", static_cast<unsigned long long>(id));
    reply(connection, json{{"janus", "success"}, {"transaction", request.transaction}, {"data", {{"id", id}}}});
    return;
  }

  auto sessionIt = d_sessions.find(request.sessionId);
  if (sessionIt == d_sessions.end()) {
    replyError(connection, transaction, request.sessionId, CoreError::SessionNotFound,
               "No such session " + std::to_string(request.sessionId));
    return;
  }
  Session& session = sessionIt->second;
  session.lastActivityMs = d_nowMs();
  const uint64_t sessionId = session.id;

  if (verb == "keepalive") {
    reply(connection, json{{"janus", "ack"}, {"session_id", sessionId}, {"transaction", request.transaction}});
    return;
  }
  if (verb == "attach") {
    auto plugin = request.message.find("plugin");
    if (plugin == request.message.end()) {
      replyError(connection, transaction, sessionId, CoreError::MissingMandatoryElement, "Missing mandatory element (plugin)");
      return;
    }
    if (!plugin->is_string()) {
      replyError(connection, transaction, sessionId, CoreError::InvalidElementType, "Invalid element type (plugin should be a string)");
      return;
    }
    if (plugin->get_ref<const std::string&>() != VideoRoom::PluginName) {
      replyError(connection, transaction, sessionId, CoreError::PluginNotFound,
                 "No such plugin '" + plugin->get<std::string>() + "'");
      return;
    }
    const uint64_t handleId = newId();
    session.handles.insert(handleId);
    d_handleSession[handleId] = sessionId;
    d_videoRoom.attach(sessionId, handleId);
    TLOG_DEBUG("janus", "session=%llu handle=%llu attached", static_cast<unsigned long long>(sessionId),
               static_cast<unsigned long long>(handleId));
    reply(connection, json{{"janus", "success"}, {"session_id", sessionId}, {"transaction", request.transaction},
                           {"data", {{"id", handleId}}}});
    return;
  }
  if (verb == "destroy") {
    destroySession(sessionId);
    reply(connection, json{{"janus", "success"}, {"session_id", sessionId}, {"transaction", request.transaction}});
    return;
  }

  // Handle scope.
  if (session.handles.count(request.handleId) == 0) {
    replyError(connection, transaction, sessionId, CoreError::HandleNotFound,
               "No such handle " + std::to_string(request.handleId) + " in session " + std::to_string(sessionId));
    return;
  }
  if (verb == "detach") {
    d_videoRoom.detach(request.handleId);
    session.handles.erase(request.handleId);
    d_handleSession.erase(request.handleId);
    reply(connection, json{{"janus", "success"}, {"session_id", sessionId}, {"transaction", request.transaction}});
    return;
  }
  if (verb == "hangup") {
    d_videoRoom.hangup(request.handleId, "Janus API");
    reply(connection, json{{"janus", "success"}, {"session_id", sessionId}, {"transaction", request.transaction}});
    return;
  }
  if (verb == "trickle") {
    handleTrickle(connection, request);
    return;
  }
  handleMessage(connection, request);
}

void JanusApi::handleMessage(ClientConnection& connection, const JanusRequest& request)
{
  const std::string* transaction = &request.transaction;
  const uint64_t sessionId = request.sessionId;
  auto body = request.message.find("body");
  if (body == request.message.end()) {
    replyError(connection, transaction, sessionId, CoreError::MissingMandatoryElement, "Missing mandatory element (body)");
    return;
  }
  if (!body->is_object()) {
    replyError(connection, transaction, sessionId, CoreError::InvalidElementType, "Invalid element type (body should be an object)");
    return;
  }
  std::optional<Jsep> jsep;
  auto jsepIt = request.message.find("jsep");
  if (jsepIt != request.message.end() && !jsepIt->is_null()) {
    if (!jsepIt->is_object()) {
      replyError(connection, transaction, sessionId, CoreError::InvalidJsonObject, "Invalid jsep object");
      return;
    }
    auto type = jsepIt->find("type");
    auto sdp = jsepIt->find("sdp");
    if (type == jsepIt->end() || sdp == jsepIt->end()) {
      replyError(connection, transaction, sessionId, CoreError::MissingMandatoryElement,
                 std::string("Missing mandatory element (") + (type == jsepIt->end() ? "type" : "sdp") + ")");
      return;
    }
    if (!type->is_string() || !sdp->is_string()) {
      replyError(connection, transaction, sessionId, CoreError::InvalidElementType,
                 std::string("Invalid element type (") + (!type->is_string() ? "type" : "sdp") + " should be a string)");
      return;
    }
    const std::string& typeText = type->get_ref<const std::string&>();
    if (typeText != "offer" && typeText != "answer") {
      replyError(connection, transaction, sessionId, CoreError::JsepUnknownType, "JSEP error: unknown message type '" + typeText + "'");
      return;
    }
    if (!d_engine.isParseableSdp(sdp->get_ref<const std::string&>())) {
      replyError(connection, transaction, sessionId, CoreError::JsepInvalidSdp, "JSEP error: invalid SDP");
      return;
    }
    if (typeText == "answer" && !d_videoRoom.expectsAnswer(request.handleId)) {
      replyError(connection, transaction, sessionId, CoreError::UnexpectedAnswer, "Unexpected ANSWER (did we offer?)");
      return;
    }
    jsep = Jsep{typeText, sdp->get<std::string>()};
  }
  VideoRoom::RequestContext context{sessionId, request.handleId, request.transaction};
  if (!VideoRoom::isAsync(*body)) {
    // Synchronous: a single success carrying the plugin result, never an ack (§3).
    json data = d_videoRoom.handleSync(context, *body);
    reply(connection, json{{"janus", "success"},
                           {"session_id", sessionId},
                           {"transaction", request.transaction},
                           {"sender", request.handleId},
                           {"plugindata", {{"plugin", VideoRoom::PluginName}, {"data", std::move(data)}}}});
    return;
  }
  // Asynchronous: the ack always leaves before the event (which may follow at once).
  reply(connection, json{{"janus", "ack"}, {"session_id", sessionId}, {"transaction", request.transaction}});
  d_videoRoom.handleAsync(context, *body, jsep);
}

void JanusApi::handleTrickle(ClientConnection& connection, const JanusRequest& request)
{
  const std::string* transaction = &request.transaction;
  const uint64_t sessionId = request.sessionId;
  auto single = request.message.find("candidate");
  auto list = request.message.find("candidates");
  const bool hasSingle = single != request.message.end();
  const bool hasList = list != request.message.end();
  if (hasSingle && hasList) {
    replyError(connection, transaction, sessionId, CoreError::InvalidJson, "Can't have both candidate and candidates");
    return;
  }
  if (!hasSingle && !hasList) {
    replyError(connection, transaction, sessionId, CoreError::MissingMandatoryElement, "Missing mandatory element (candidate|candidates)");
    return;
  }
  std::vector<IceCandidate> candidates;
  std::string reason;
  if (hasSingle) {
    IceCandidate candidate;
    if (int code = readCandidate(*single, candidate, reason); code != 0) {
      replyError(connection, transaction, sessionId, code, reason);
      return;
    }
    candidates.push_back(std::move(candidate));
  }
  else {
    if (!list->is_array()) {
      replyError(connection, transaction, sessionId, CoreError::InvalidElementType, "Invalid element type (candidates should be an array)");
      return;
    }
    for (const json& entry : *list) {
      IceCandidate candidate;
      if (int code = readCandidate(entry, candidate, reason); code != 0) {
        replyError(connection, transaction, sessionId, code, reason);
        return;
      }
      candidates.push_back(std::move(candidate));
    }
  }
  // Acknowledged at once, even before the SDP the candidates belong to (§4.6).
  reply(connection, json{{"janus", "ack"}, {"session_id", sessionId}, {"transaction", request.transaction}});
  d_videoRoom.trickle(request.handleId, candidates);
}

void JanusApi::destroySession(uint64_t sessionId)
{
  auto it = d_sessions.find(sessionId);
  if (it == d_sessions.end()) {
    return;
  }
  // Detach first (closing PeerConnections), then the rooms the session created; events
  // for this session's own handles are dropped once the session is gone.
  const std::set<uint64_t> handles = it->second.handles;
  for (uint64_t handleId : handles) {
    d_videoRoom.detach(handleId);
    d_handleSession.erase(handleId);
  }
  it->second.handles.clear();
  d_sessions.erase(it);
  d_videoRoom.destroySessionRooms(sessionId);
  TLOG_INFO("session=%llu destroyed", static_cast<unsigned long long>(sessionId));
}

void JanusApi::onConnectionClosed(ClientConnection& connection)
{
  std::vector<uint64_t> ids;
  for (const auto& [id, session] : d_sessions) {
    if (session.connection == &connection) {
      ids.push_back(id);
    }
  }
  for (uint64_t id : ids) {
    destroySession(id);
  }
}

void JanusApi::expireSessions()
{
  if (d_options.sessionTimeoutSeconds <= 0) {
    return;
  }
  const int64_t now = d_nowMs();
  std::vector<std::pair<uint64_t, ClientConnection*>> expired;
  for (const auto& [id, session] : d_sessions) {
    if (now - session.lastActivityMs > d_options.sessionTimeoutSeconds * 1000) {
      expired.emplace_back(id, session.connection);
    }
  }
  for (auto& [id, connection] : expired) {
    TLOG_INFO("session=%llu timed out", static_cast<unsigned long long>(id));
    destroySession(id);
    if (connection != nullptr) {
      reply(*connection, json{{"janus", "timeout"}, {"session_id", id}});
    }
  }
}

void JanusApi::deliver(uint64_t sessionId, uint64_t handleId, json message)
{
  auto it = d_sessions.find(sessionId);
  if (it == d_sessions.end() || it->second.connection == nullptr || it->second.handles.count(handleId) == 0) {
    return; // the handle or session is gone: nobody to tell
  }
  message["session_id"] = sessionId;
  message["sender"] = handleId;
  reply(*it->second.connection, std::move(message));
}

json JanusApi::serverInfo(const std::string& transaction) const
{
  const MediaCapabilities capabilities = d_engine.capabilities();
  json dependencies = json::object();
  for (const auto& [name, version] : capabilities.dependencies) {
    dependencies[name] = version;
  }
  return json{
    {"janus", "server_info"},
    {"transaction", transaction},
    {"name", d_options.serverName},
    {"version", d_options.version},
    {"version_string", d_options.versionString},
    {"author", d_options.author},
    {"commit-hash", "not-a-git-repo"},
    {"compile-time", ""},
    {"log-to-stdout", false},
    {"log-to-file", false},
    {"data_channels", true},
    {"accepting-new-sessions", d_accepting},
    {"session-timeout", d_options.sessionTimeoutSeconds},
    {"reclaim-session-timeout", 0},
    {"candidates-timeout", 45},
    {"server-name", d_options.serverName},
    {"local-ip", capabilities.localIp},
    {"ipv6", capabilities.ipv6},
    {"ice-lite", false},
    {"ice-tcp", capabilities.iceTcp},
    {"full-trickle", false},
    {"mdns-enabled", false},
    {"min-nack-queue", 200},
    {"twcc-period", 200},
    {"dtls-mtu", 1200},
    {"static-event-loops", 0},
    {"api_secret", !d_options.apiSecret.empty()},
    {"auth_token", !d_options.tokens.empty()},
    {"event_handlers", false},
    {"opaqueid_in_api", false},
    {"dependencies", dependencies},
    {"transports",
     {{"janus.transport.websockets",
       {{"name", "WebSockets"}, {"author", d_options.author}, {"description", "Janus API over WebSocket (janus-protocol)"},
        {"version_string", d_options.versionString}, {"version", d_options.version}}}}},
    {"events", json::object()},
    {"loggers", json::object()},
    {"plugins",
     {{VideoRoom::PluginName,
       {{"name", "talk-sfu VideoRoom"}, {"author", d_options.author},
        {"description", "Janus-compatible VideoRoom subset"}, {"version_string", d_options.versionString},
        {"version", d_options.version}}}}},
  };
}

}
