#include "signaling/backend/BackendApi.hpp"

#include "signaling/backend/Checksum.hpp"

#include <charconv>
#include <strings.h>

namespace talk::signaling::backend {

namespace {

constexpr size_t MinRandomLength = 32;
constexpr size_t MaxRandomLength = 256;
constexpr std::string_view ThrottleAction = "backend";

const std::string* findHeader(const http::Headers& headers, std::string_view name)
{
  for (const http::Header& header : headers) {
    if (header.name.size() == name.size() && strncasecmp(header.name.data(), name.data(), name.size()) == 0) {
      return &header.value;
    }
  }
  return nullptr;
}

// Go's http.Error: text/plain, message plus newline. Nextcloud only logs these bodies.
HttpResponse textError(int status, std::string message)
{
  HttpResponse response;
  response.status = status;
  response.contentType = "text/plain; charset=utf-8";
  response.body = std::move(message);
  response.body.push_back('\n');
  return response;
}

HttpResponse badRequest(std::string message)
{
  return textError(400, std::move(message));
}

// Optional list of strings: missing/null = empty; anything else but strings = error.
bool readStrings(const nlohmann::json& object, const char* key, std::vector<std::string>& out)
{
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return true;
  }
  if (!it->is_array()) {
    return false;
  }
  out.reserve(it->size());
  for (const nlohmann::json& item : *it) {
    if (!item.is_string()) {
      return false;
    }
    out.push_back(item.get<std::string>());
  }
  return true;
}

// Optional array of objects: missing/null = empty array.
bool readObjects(const nlohmann::json& object, const char* key, nlohmann::json& out)
{
  out = nlohmann::json::array();
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return true;
  }
  if (!it->is_array()) {
    return false;
  }
  for (const nlohmann::json& item : *it) {
    if (!item.is_object()) {
      return false;
    }
  }
  out = *it;
  return true;
}

nlohmann::json optionalValue(const nlohmann::json& object, const char* key)
{
  auto it = object.find(key);
  return it == object.end() ? nlohmann::json() : *it;
}

bool isDigits(std::string_view text)
{
  if (text.empty()) {
    return false;
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

// ^\+\d{2,}$ (§9.5)
bool isPhoneNumber(std::string_view number)
{
  return number.size() >= 3 && number.front() == '+' && isDigits(number.substr(1));
}

using BodyResult = std::variant<BackendRoomPayload, HttpResponse>;

BodyResult parsePayload(std::string_view roomId, const std::string& type, const nlohmann::json& payload)
{
  auto shapeError = [&]() { return BodyResult(badRequest("Invalid " + type + " request.")); };
  if (type == "dialout") {
    // Dialout errors use the dialout error envelope (§13.10) even for validation.
    if (!isDigits(roomId)) {
      return BackendApi::dialoutError(400, "invalid_roomid", "The room id must be numeric.");
    }
    if (!payload.is_object()) {
      return BackendApi::dialoutError(400, "number_missing", "No number given.");
    }
    auto number = payload.find("number");
    if (number == payload.end() || !number->is_string() || number->get_ref<const std::string&>().empty()) {
      return BackendApi::dialoutError(400, "number_missing", "No number given.");
    }
    if (!isPhoneNumber(number->get_ref<const std::string&>())) {
      return BackendApi::dialoutError(400, "invalid_number", "The number is not a valid phone number.");
    }
    DialoutRequest request;
    request.number = number->get<std::string>();
    request.options = optionalValue(payload, "options");
    if (!request.options.is_null() && !request.options.is_object()) {
      return BackendApi::dialoutError(400, "invalid_request", "The dialout options must be an object.");
    }
    return BackendRoomPayload(std::move(request));
  }
  if (!payload.is_object()) {
    return shapeError();
  }
  if (type == "invite") {
    InviteRequest request;
    if (!readStrings(payload, "userids", request.userIds) || !readStrings(payload, "alluserids", request.allUserIds)) {
      return shapeError();
    }
    request.properties = optionalValue(payload, "properties");
    return BackendRoomPayload(std::move(request));
  }
  if (type == "disinvite") {
    DisinviteRequest request;
    if (!readStrings(payload, "userids", request.userIds) || !readStrings(payload, "sessionids", request.sessionIds) ||
        !readStrings(payload, "alluserids", request.allUserIds)) {
      return shapeError();
    }
    request.properties = optionalValue(payload, "properties");
    return BackendRoomPayload(std::move(request));
  }
  if (type == "update") {
    UpdateRequest request;
    if (!readStrings(payload, "userids", request.userIds)) {
      return shapeError();
    }
    request.properties = optionalValue(payload, "properties");
    return BackendRoomPayload(std::move(request));
  }
  if (type == "delete") {
    DeleteRequest request;
    if (!readStrings(payload, "userids", request.userIds)) {
      return shapeError();
    }
    return BackendRoomPayload(std::move(request));
  }
  if (type == "incall") {
    InCallRequest request;
    auto inCall = payload.find("incall");
    if (inCall != payload.end() && !inCall->is_null()) {
      if (inCall->is_boolean()) {
        request.inCall = inCall->get<bool>() ? 1 : 0;
      }
      else if (inCall->is_number_integer() && inCall->get<int64_t>() >= 0 && inCall->get<int64_t>() <= 0xffff) {
        request.inCall = static_cast<int>(inCall->get<int64_t>());
      }
      else {
        return shapeError();
      }
    }
    auto all = payload.find("all");
    if (all != payload.end() && !all->is_null()) {
      if (!all->is_boolean()) {
        return shapeError();
      }
      request.all = all->get<bool>();
    }
    if (!readObjects(payload, "changed", request.changed) || !readObjects(payload, "users", request.users)) {
      return shapeError();
    }
    return BackendRoomPayload(std::move(request));
  }
  if (type == "participants") {
    ParticipantsRequest request;
    if (!readObjects(payload, "changed", request.changed) || !readObjects(payload, "users", request.users)) {
      return shapeError();
    }
    return BackendRoomPayload(std::move(request));
  }
  if (type == "message") {
    MessageRequest request;
    request.data = optionalValue(payload, "data");
    if (!request.data.is_object()) {
      return shapeError();
    }
    return BackendRoomPayload(std::move(request));
  }
  if (type == "switchto") {
    SwitchToRequest request;
    auto room = payload.find("roomid");
    if (room == payload.end() || !room->is_string() || room->get_ref<const std::string&>().empty()) {
      return shapeError();
    }
    request.roomId = room->get<std::string>();
    auto sessions = payload.find("sessions");
    if (sessions == payload.end() || sessions->is_null()) {
      return BackendRoomPayload(std::move(request));
    }
    if (sessions->is_array()) {
      for (const nlohmann::json& item : *sessions) {
        if (!item.is_string()) {
          return shapeError();
        }
        request.sessions.push_back(SwitchToTarget{item.get<std::string>(), nullptr});
      }
    }
    else if (sessions->is_object()) {
      for (const auto& [sessionId, details] : sessions->items()) {
        if (!details.is_null() && !details.is_object()) {
          return shapeError();
        }
        request.sessions.push_back(SwitchToTarget{sessionId, details});
      }
    }
    else {
      return shapeError();
    }
    return BackendRoomPayload(std::move(request));
  }
  return badRequest("Unsupported request type: " + type);
}

}

std::variant<BackendRoomPayload, HttpResponse> parseBackendRoomBody(std::string_view roomId, std::string_view body,
                                                                    std::string* typeOut, nlohmann::json* rawOut)
{
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return badRequest("Could not parse JSON request.");
  }
  auto type = doc.find("type");
  if (type == doc.end() || !type->is_string()) {
    return badRequest("Unsupported request type: ");
  }
  std::string typeName = type->get<std::string>();
  // §13.11: transient exists only between nodes; every unknown type ends up here as well.
  static constexpr std::string_view Known[] = {"invite", "disinvite", "update", "delete", "incall",
                                               "participants", "message", "switchto", "dialout"};
  bool known = false;
  for (std::string_view name : Known) {
    known = known || name == typeName;
  }
  if (!known) {
    return badRequest("Unsupported request type: " + typeName);
  }
  auto payload = doc.find(typeName);
  BodyResult result = parsePayload(roomId, typeName, payload == doc.end() ? nlohmann::json() : *payload);
  if (typeOut != nullptr) {
    *typeOut = std::move(typeName);
  }
  if (rawOut != nullptr && result.index() == 0) {
    *rawOut = std::move(doc);
  }
  return result;
}

BackendApi::BackendApi(std::shared_ptr<const BackendRegistry> registry, Throttler& throttler, Options options) :
  d_throttler(throttler), d_registry(std::move(registry)), d_options(options)
{
}

std::optional<HttpResponse> BackendApi::checkHead(std::string_view method, std::string_view path,
                                                  const http::Headers& headers) const
{
  if (method != "POST") {
    HttpResponse response = textError(405, "Method not allowed");
    return response;
  }
  if (!path.starts_with(PathPrefix) || path.size() == PathPrefix.size() ||
      path.find('/', PathPrefix.size()) != std::string_view::npos) {
    return textError(404, "Not found");
  }
  const std::string* length = findHeader(headers, "Content-Length");
  if (length == nullptr) {
    return textError(411, "Length required");
  }
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(length->data(), length->data() + length->size(), value);
  if (ec != std::errc() || end != length->data() + length->size() || length->empty()) {
    return badRequest("Invalid Content-Length.");
  }
  if (value > d_options.maxBodySize) {
    return textError(413, "Request entity too large");
  }
  const std::string* contentType = findHeader(headers, "Content-Type");
  if (contentType == nullptr || !std::string_view(*contentType).starts_with("application/json")) {
    return badRequest("JSON expected");
  }
  return std::nullopt;
}

BackendApiResult BackendApi::parse(std::string_view method, std::string_view path, const http::Headers& headers,
                                   std::string_view body, std::string_view clientIp)
{
  if (std::optional<HttpResponse> head = checkHead(method, path, headers)) {
    return std::move(*head);
  }
  if (body.size() > d_options.maxBodySize) {
    return textError(413, "Request entity too large");
  }
  const std::string* random = findHeader(headers, "Spreed-Signaling-Random");
  const std::string* checksum = findHeader(headers, "Spreed-Signaling-Checksum");
  if (random == nullptr || checksum == nullptr || random->empty() || checksum->empty()) {
    return textError(403, "Authentication check failed");
  }
  if (random->size() < MinRandomLength || random->size() > MaxRandomLength) {
    return textError(403, "Authentication check failed");
  }
  if (!d_throttler.allowed(clientIp, ThrottleAction)) {
    return textError(429, "Too many requests");
  }
  auto failAuth = [&](std::string message) {
    HttpResponse response = textError(403, std::move(message));
    response.delayMs = d_throttler.recordFailure(clientIp, ThrottleAction);
    return response;
  };

  std::shared_ptr<const Backend> backend;
  if (const std::string* named = findHeader(headers, "Spreed-Signaling-Backend")) {
    backend = d_registry->forBackendHeader(*named);
    if (!backend) {
      return failAuth("Authentication check failed");
    }
    if (!verifyBackendChecksum(backend->secret, *random, body, *checksum)) {
      return failAuth("Authentication check failed");
    }
  }
  else if (d_registry->compat()) {
    backend = d_registry->compat();
    if (!verifyBackendChecksum(backend->secret, *random, body, *checksum)) {
      return failAuth("Authentication check failed");
    }
  }
  else {
    for (const auto& candidate : d_registry->backends()) {
      if (verifyBackendChecksum(candidate->secret, *random, body, *checksum)) {
        backend = candidate;
        break;
      }
    }
    if (!backend) {
      return failAuth("Authentication check failed");
    }
  }

  BackendRoomRequest request;
  request.roomId = std::string(path.substr(PathPrefix.size()));
  request.backend = std::move(backend);
  auto parsed = parseBackendRoomBody(request.roomId, body, &request.type, &request.raw);
  if (parsed.index() == 1) {
    return std::get<1>(std::move(parsed));
  }
  request.payload = std::get<0>(std::move(parsed));
  return request;
}

HttpResponse BackendApi::okResponse()
{
  return HttpResponse{200, "application/json; charset=utf-8", "{}", 0};
}

HttpResponse BackendApi::processingError(std::string_view message)
{
  return textError(500, std::string(message));
}

HttpResponse BackendApi::dialoutSuccess(std::string_view callId)
{
  nlohmann::json body = {{"type", "dialout"}, {"dialout", {{"callid", callId}}}};
  return HttpResponse{200, "application/json; charset=utf-8", body.dump(), 0};
}

HttpResponse BackendApi::dialoutError(int status, std::string_view code, std::string_view message)
{
  nlohmann::json body = {{"type", "dialout"}, {"dialout", {{"error", {{"code", code}, {"message", message}}}}}};
  return HttpResponse{status, "application/json; charset=utf-8", body.dump(), 0};
}

}
