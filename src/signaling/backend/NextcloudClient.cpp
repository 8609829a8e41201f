#define TLOG_COMPONENT "backend"
#include "signaling/backend/NextcloudClient.hpp"

#include "common/log/Logger.hpp"
#include "signaling/backend/Checksum.hpp"
#include "signaling/backend/Ocs.hpp"

namespace talk::signaling::backend {

namespace {

constexpr std::string_view BackendPathV1 = "ocs/v2.php/apps/spreed/api/v1/signaling/backend";
constexpr std::string_view BackendPathV3 = "ocs/v2.php/apps/spreed/api/v3/signaling/backend";

// Nextcloud's own error object inside OCS data, if that is what data holds.
std::optional<ClientError> nextcloudError(const nlohmann::json& data)
{
  if (!data.is_object()) {
    return std::nullopt;
  }
  auto type = data.find("type");
  if (type == data.end() || !type->is_string() || type->get_ref<const std::string&>() != "error") {
    return std::nullopt;
  }
  ClientError error{codes::InternalError, "Nextcloud reported an error.", nullptr};
  auto object = data.find("error");
  if (object != data.end() && object->is_object()) {
    if (auto code = object->find("code"); code != object->end() && code->is_string() && !code->get_ref<const std::string&>().empty()) {
      error.code = code->get<std::string>();
    }
    if (auto message = object->find("message"); message != object->end() && message->is_string()) {
      error.message = message->get<std::string>();
    }
    if (auto details = object->find("details"); details != object->end()) {
      error.details = *details;
    }
  }
  return error;
}

// data.<type> as an object when data.type == type, else nullptr.
const nlohmann::json* typedAnswer(const nlohmann::json& data, std::string_view type)
{
  if (!data.is_object()) {
    return nullptr;
  }
  auto t = data.find("type");
  if (t == data.end() || !t->is_string() || t->get_ref<const std::string&>() != type) {
    return nullptr;
  }
  auto payload = data.find(std::string(type));
  if (payload == data.end() || !payload->is_object()) {
    return nullptr;
  }
  return &*payload;
}

std::string optionalString(const nlohmann::json& object, const char* key)
{
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}

NextcloudClient::NextcloudClient(http::HttpClient& client, CapabilitiesCache& capabilities, Options options) :
  d_client(client), d_capabilities(capabilities), d_options(std::move(options)), d_alive(std::make_shared<bool>(true))
{
}

NextcloudClient::~NextcloudClient()
{
  *d_alive = false;
}

http::HttpClientOptions NextcloudClient::httpOptions(const BackendOptions& backend, std::string_view version)
{
  http::HttpClientOptions options;
  options.timeout = backend.timeout;
  options.maxConnectionsPerHost = backend.connectionsPerHost;
  options.verifyTls = !backend.skipVerify;
  options.userAgent = "nextcloud-spreed-signaling/" + std::string(version);
  return options;
}

std::string NextcloudClient::backendUrl(std::string_view baseUrl, bool v3)
{
  std::string url(baseUrl);
  if (url.empty() || url.back() != '/') {
    url.push_back('/');
  }
  url.append(v3 ? BackendPathV3 : BackendPathV1);
  return url;
}

nlohmann::json NextcloudClient::authBody(const nlohmann::json& params)
{
  return {{"type", "auth"}, {"auth", {{"version", "1.0"}, {"params", params}}}};
}

nlohmann::json NextcloudClient::roomBody(const RoomJoin& join, bool leave)
{
  nlohmann::json room = {{"version", "1.0"}, {"roomid", join.roomId}, {"userid", join.userId}, {"sessionid", join.sessionId}};
  if (leave) {
    room["action"] = "leave";
  }
  if (!join.actorId.empty()) {
    room["actorid"] = join.actorId;
  }
  if (!join.actorType.empty()) {
    room["actortype"] = join.actorType;
  }
  if (join.inCall) {
    room["incall"] = *join.inCall;
  }
  return {{"type", "room"}, {"room", std::move(room)}};
}

nlohmann::json NextcloudClient::pingBody(std::string_view roomId, const std::vector<PingEntry>& entries)
{
  nlohmann::json list = nlohmann::json::array();
  for (const PingEntry& entry : entries) {
    nlohmann::json item = {{"sessionid", entry.sessionId}};
    if (!entry.userId.empty()) {
      item["userid"] = entry.userId;
    }
    list.push_back(std::move(item));
  }
  return {{"type", "ping"}, {"ping", {{"version", "1.0"}, {"roomid", roomId}, {"entries", std::move(list)}}}};
}

nlohmann::json NextcloudClient::sessionBody(const SessionChange& change)
{
  nlohmann::json session = {{"version", "1.0"},
                            {"roomid", change.roomId},
                            {"action", change.add ? "add" : "remove"},
                            {"sessionid", change.sessionId},
                            {"userid", change.userId}};
  if (!change.user.is_null()) {
    session["user"] = change.user;
  }
  return {{"type", "session"}, {"session", std::move(session)}};
}

void NextcloudClient::send(std::shared_ptr<const Backend> backend, const std::string& url, std::string body,
                           std::function<void(Result<nlohmann::json>)> done)
{
  std::string random = makeBackendRandom();
  http::HttpRequest request;
  request.method = http::Method::Post;
  request.url = url;
  request.headers = {
    {"Content-Type", "application/json"},
    {"Accept", "application/json"},
    {"OCS-APIRequest", "true"},
    {"User-Agent", "nextcloud-spreed-signaling/" + d_options.version},
    {"Spreed-Signaling-Checksum", backendChecksum(backend->secret, random, body)},
    {"Spreed-Signaling-Random", random},
  };
  if (!d_options.features.empty()) {
    request.headers.push_back({"X-Spreed-Signaling-Features", d_options.features});
  }
  request.body = std::move(body);
  std::weak_ptr<bool> alive = d_alive;
  d_client.request(std::move(request), [alive, url, done = std::move(done)](http::HttpResponse&& response) {
    auto flag = alive.lock();
    if (!flag || !*flag) {
      return;
    }
    if (!response.ok()) {
      TLOG_WARN("backend request url=%s failed: %s: %s", url.c_str(), http::errorKindName(response.errorKind),
                response.error.c_str());
      done(makeError(codes::InternalError, std::string("Nextcloud request failed: ") +
                                               http::errorKindName(response.errorKind) + ": " + response.error));
      return;
    }
    const std::string* contentType = response.header("content-type");
    Result<nlohmann::json> data = parseOcsResponse(response.status, contentType ? *contentType : "", response.body);
    if (!data) {
      TLOG_WARN("backend request url=%s status=%ld: %s", url.c_str(), response.status, data.error().message.c_str());
      done(data.error());
      return;
    }
    if (std::optional<ClientError> error = nextcloudError(data.value())) {
      done(std::move(*error));
      return;
    }
    done(std::move(data.value()));
  });
}

void NextcloudClient::post(std::shared_ptr<const Backend> backend, std::string baseUrl, nlohmann::json body,
                           Callback<nlohmann::json> done)
{
  std::weak_ptr<bool> alive = d_alive;
  std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  d_capabilities.get(baseUrl, [this, alive, backend = std::move(backend), baseUrl, text = std::move(text),
                               done = std::move(done)](Result<std::shared_ptr<const Capabilities>> caps,
                                                       bool /*fromCache*/) mutable {
    auto flag = alive.lock();
    if (!flag || !*flag) {
      return;
    }
    // Without capabilities (Nextcloud unreachable) the v1 URL is tried: its error tells more.
    bool v3 = caps.ok() && caps.value()->hasFeature(FeatureSignalingV3);
    send(std::move(backend), backendUrl(baseUrl, v3), std::move(text), std::move(done));
  });
}

void NextcloudClient::auth(std::shared_ptr<const Backend> backend, std::string baseUrl, nlohmann::json params,
                           Callback<AuthResult> done)
{
  post(std::move(backend), std::move(baseUrl), authBody(params), [done = std::move(done)](Result<nlohmann::json> data) {
    if (!data) {
      done(data.error());
      return;
    }
    const nlohmann::json* auth = typedAnswer(data.value(), "auth");
    if (auth == nullptr) {
      done(makeError(codes::AuthFailed, "Nextcloud's answer to the authentication request is neither auth nor error."));
      return;
    }
    AuthResult result;
    result.userId = optionalString(*auth, "userid");
    if (auto user = auth->find("user"); user != auth->end()) {
      result.user = *user;
    }
    done(std::move(result));
  });
}

void NextcloudClient::joinRoom(std::shared_ptr<const Backend> backend, std::string baseUrl, RoomJoin join,
                               Callback<RoomJoinResult> done)
{
  post(std::move(backend), std::move(baseUrl), roomBody(join, false),
       [done = std::move(done)](Result<nlohmann::json> data) {
         if (!data) {
           done(data.error());
           return;
         }
         const nlohmann::json* room = typedAnswer(data.value(), "room");
         if (room == nullptr) {
           done(makeError(codes::RoomJoinFailed, "Nextcloud's answer to the join request is neither room nor error."));
           return;
         }
         RoomJoinResult result;
         result.roomId = optionalString(*room, "roomid");
         if (auto properties = room->find("properties"); properties != room->end()) {
           result.properties = *properties;
         }
         if (auto permissions = room->find("permissions"); permissions != room->end() && permissions->is_array()) {
           std::vector<std::string> list;
           for (const nlohmann::json& item : *permissions) {
             if (item.is_string()) {
               list.push_back(item.get<std::string>());
             }
           }
           result.permissions = std::move(list);
         }
         if (auto session = room->find("session"); session != room->end() && session->is_object()) {
           if (auto userId = session->find("userid"); userId != session->end() && userId->is_string()) {
             result.sessionUserId = userId->get<std::string>();
           }
         }
         done(std::move(result));
       });
}

void NextcloudClient::leaveRoom(std::shared_ptr<const Backend> backend, std::string baseUrl, RoomJoin leave,
                                Callback<Done> done)
{
  post(std::move(backend), std::move(baseUrl), roomBody(leave, true), [done = std::move(done)](Result<nlohmann::json> data) {
    if (!data) {
      done(data.error());
      return;
    }
    done(Done{});
  });
}

void NextcloudClient::session(std::shared_ptr<const Backend> backend, std::string baseUrl, SessionChange change,
                              Callback<Done> done)
{
  post(std::move(backend), std::move(baseUrl), sessionBody(change), [done = std::move(done)](Result<nlohmann::json> data) {
    if (!data) {
      done(data.error());
      return;
    }
    done(Done{});
  });
}

void NextcloudClient::ping(std::shared_ptr<const Backend> backend, std::string baseUrl, std::vector<RoomPing> rooms,
                           Callback<Done> done)
{
  size_t total = 0;
  for (const RoomPing& room : rooms) {
    total += room.entries.size();
  }
  if (total == 0) {
    done(Done{});
    return;
  }
  std::weak_ptr<bool> alive = d_alive;
  d_capabilities.get(baseUrl, [this, alive, backend = std::move(backend), baseUrl, rooms = std::move(rooms),
                               done = std::move(done)](Result<std::shared_ptr<const Capabilities>> caps,
                                                       bool /*fromCache*/) mutable {
    auto flag = alive.lock();
    if (!flag || !*flag) {
      return;
    }
    bool v3 = caps.ok() && caps.value()->hasFeature(FeatureSignalingV3);
    int64_t limit = caps.ok() ? caps.value()->sessionPingLimit : 0;
    std::vector<std::string> bodies;
    if (limit > 0) {
      std::vector<PingEntry> batch;
      for (RoomPing& room : rooms) {
        for (PingEntry& entry : room.entries) {
          batch.push_back(std::move(entry));
          if (static_cast<int64_t>(batch.size()) == limit) {
            bodies.push_back(pingBody("", batch).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
            batch.clear();
          }
        }
      }
      if (!batch.empty()) {
        bodies.push_back(pingBody("", batch).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      }
    }
    else {
      for (const RoomPing& room : rooms) {
        if (!room.entries.empty()) {
          bodies.push_back(pingBody(room.roomId, room.entries).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        }
      }
    }
    struct Join
    {
      size_t left;
      std::optional<ClientError> error;
      Callback<Done> done;
    };
    auto join = std::make_shared<Join>(Join{bodies.size(), std::nullopt, std::move(done)});
    std::string url = backendUrl(baseUrl, v3);
    for (std::string& body : bodies) {
      send(backend, url, std::move(body), [join](Result<nlohmann::json> data) {
        if (!data && !join->error) {
          join->error = data.error();
        }
        if (--join->left == 0) {
          if (join->error) {
            join->done(std::move(*join->error));
          }
          else {
            join->done(Done{});
          }
        }
      });
    }
  });
}

}
