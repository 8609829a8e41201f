#pragma once
// Incoming Nextcloud requests: POST /api/v1/room/{roomid} (signaling-protocol.md §13).
// A parser/validator with no I/O: the HTTP server hands over method, path, headers and
// body, and gets back either a typed BackendRoomRequest to act on or the exact HTTP error
// response to send. Validation order (§13.1):
//   1. method POST (405), path /api/v1/room/<roomid> (404)
//   2. Content-Length present (411) and ≤ maxBodySize (413)
//   3. Content-Type starts with application/json (400)
//   4. Spreed-Signaling-Random and -Checksum present (403); random 32..256 chars (403)
//   5. brute-force check per client IP (429 "Too many requests")
//   6. backend from Spreed-Signaling-Backend (403), else compat, else the first backend
//      whose secret validates the checksum
//   7. checksum over the raw body (403 "Authentication check failed")
//   8. JSON shape (400); unknown type → 400 "Unsupported request type: <type>";
//      transient (§13.11) → 400
// Failures of steps 6 and 7 are counted by the Throttler and their answer carries the
// delay the server should wait before sending it. Never throws.
//
// After acting on a request the server answers with okResponse(), a dialout response, or
// processingError() (500).
#include "common/http/HttpClient.hpp"
#include "signaling/backend/BackendRegistry.hpp"
#include "signaling/backend/Throttler.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace talk::signaling::backend {

struct InviteRequest // §13.2
{
  std::vector<std::string> userIds;
  std::vector<std::string> allUserIds;
  nlohmann::json properties;
};

struct DisinviteRequest // §13.3
{
  std::vector<std::string> userIds;
  std::vector<std::string> sessionIds; // Talk room session ids
  std::vector<std::string> allUserIds;
  nlohmann::json properties;
};

struct UpdateRequest // §13.4
{
  std::vector<std::string> userIds;
  nlohmann::json properties;
};

struct DeleteRequest // §13.5
{
  std::vector<std::string> userIds;
};

struct InCallRequest // §13.6
{
  int inCall{0};          // flags; a boolean true/false is read as 1/0
  bool all{false};        // the "all" form: apply inCall to everybody
  nlohmann::json changed; // array of objects (Talk session ids under sessionId/sessionid)
  nlohmann::json users;   // array of objects
};

struct ParticipantsRequest // §13.7
{
  nlohmann::json changed; // array of objects, may carry "permissions"
  nlohmann::json users;   // array of objects
};

struct MessageRequest // §13.8
{
  nlohmann::json data; // object, e.g. {"type":"chat","chat":{"refresh":true}}
};

struct SwitchToTarget
{
  std::string sessionId;  // Talk room session id
  nlohmann::json details; // null when none (list form, or null in the map form)
};

struct SwitchToRequest // §13.9
{
  std::string roomId; // target room
  std::vector<SwitchToTarget> sessions;
};

struct DialoutRequest // §13.10, already validated (§9.5 step 1)
{
  std::string number;
  nlohmann::json options; // object or null
};

using BackendRoomPayload = std::variant<InviteRequest, DisinviteRequest, UpdateRequest, DeleteRequest, InCallRequest,
                                        ParticipantsRequest, MessageRequest, SwitchToRequest, DialoutRequest>;

struct BackendRoomRequest
{
  std::string roomId;                      // from the path
  std::shared_ptr<const Backend> backend;  // the backend whose secret validated it
  std::string type;                        // "invite", "disinvite", …
  BackendRoomPayload payload;
  nlohmann::json raw;                      // the whole parsed body (for NATS forwarding)
};

struct HttpResponse
{
  int status{200};
  std::string contentType;
  std::string body;
  // Wait this long before answering (brute-force throttling); 0 = at once.
  int64_t delayMs{0};
};

using BackendApiResult = std::variant<BackendRoomRequest, HttpResponse>;

class BackendApi
{
public:
  struct Options
  {
    size_t maxBodySize{256 * 1024};
  };

  // Path prefix handled here; the room id follows it.
  static constexpr std::string_view PathPrefix = "/api/v1/room/";

  // registry is a snapshot; after a reload call setRegistry (the daemon's SIGHUP path).
  BackendApi(std::shared_ptr<const BackendRegistry> registry, Throttler& throttler, Options options);
  BackendApi(std::shared_ptr<const BackendRegistry> registry, Throttler& throttler) :
    BackendApi(std::move(registry), throttler, Options{}) {}
  void setRegistry(std::shared_ptr<const BackendRegistry> registry) { d_registry = std::move(registry); }

  // Steps 1–3 only, for servers that want to refuse before reading the body. nullopt = go on.
  std::optional<HttpResponse> checkHead(std::string_view method, std::string_view path,
                                        const http::Headers& headers) const;
  // All steps. Header names are compared case-insensitively.
  BackendApiResult parse(std::string_view method, std::string_view path, const http::Headers& headers,
                         std::string_view body, std::string_view clientIp);

  // 200 application/json; charset=utf-8 "{}".
  static HttpResponse okResponse();
  // 500 with the error text (processing failed after validation).
  static HttpResponse processingError(std::string_view message);
  // §13.10: 200 {"type":"dialout","dialout":{"callid":…}}.
  static HttpResponse dialoutSuccess(std::string_view callId);
  // §13.10: status 400/404/502 with {"type":"dialout","dialout":{"error":{code,message}}}.
  static HttpResponse dialoutError(int status, std::string_view code, std::string_view message);

private:
  // Passed by argument (not owned)
  Throttler& d_throttler;
  // State
  std::shared_ptr<const BackendRegistry> d_registry;
  Options d_options;
};

// The JSON-shape step on its own (no headers, no checksum): for the fuzz target and the
// NATS path (backend requests forwarded between nodes). On error: status 400 + body.
std::variant<BackendRoomPayload, HttpResponse> parseBackendRoomBody(std::string_view roomId, std::string_view body,
                                                                    std::string* typeOut = nullptr,
                                                                    nlohmann::json* rawOut = nullptr);

}
