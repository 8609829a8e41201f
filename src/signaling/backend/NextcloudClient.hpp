#pragma once
// Typed requests from talk-signaling to Nextcloud (signaling-protocol.md §12): auth (hello
// 1.0), room join/leave (also for virtual sessions), ping, session. Each request is a JSON
// POST to <base>ocs/v2.php/apps/spreed/api/v1/signaling/backend (v3 when the capability
// `signaling-v3` is present), with the headers of §12.1 and the checksum of §15.1 made with
// the backend's secret. Results map onto client-facing errors (§16):
//   Nextcloud {"type":"error","error":{code,message}}  → that code and message
//   OCS statuscode 429 / HTTP 429                      → too_many_requests
//   auth answer neither auth nor error                 → auth_failed
//   room answer neither room nor error                 → room_join_failed
//   transport failure, bad content type, bad OCS       → internal_error (message says why)
// There are no automatic retries: a hello or join that fails is reported to the client,
// which retries itself, and pings repeat every 10 s anyway.
//
// Callbacks run on the loop, exactly once, never inside the call that started them; if
// the NextcloudClient (or its HttpClient) is destroyed first they are dropped.
#include "common/http/HttpClient.hpp"
#include "signaling/backend/BackendRegistry.hpp"
#include "signaling/backend/Capabilities.hpp"
#include "signaling/backend/Result.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace talk::signaling::backend {

struct AuthResult
{
  std::string userId;     // "" = guest
  nlohmann::json user;    // auth.user (null if absent)
};

struct RoomJoin
{
  std::string roomId;
  std::string userId;     // "" for guests; always sent
  std::string sessionId;  // Talk room session id (virtual sessions: their public id)
  // Federated sessions (from the JWT userdata) and virtual sessions (from options).
  std::string actorId;
  std::string actorType;
  std::optional<int> inCall; // virtual sessions
};

struct RoomJoinResult
{
  std::string roomId;
  nlohmann::json properties;                       // passed through to clients
  std::optional<std::vector<std::string>> permissions; // absent = keep defaults (§7.3)
  std::optional<std::string> sessionUserId;        // room.session.userid (guests)
};

struct PingEntry
{
  std::string userId;    // omitted from the request when empty
  std::string sessionId; // Talk room session id (virtual sessions: public id)
};

struct RoomPing
{
  std::string roomId;
  std::vector<PingEntry> entries;
};

struct SessionChange
{
  std::string roomId;
  bool add{true};          // "add" or "remove"
  std::string sessionId;   // the virtual session's public id
  std::string userId;
  nlohmann::json user;     // null = omitted
};

struct Done
{
};

class NextcloudClient
{
public:
  struct Options
  {
    // Sent as "User-Agent: nextcloud-spreed-signaling/<version>" (Talk checks the prefix).
    std::string version{"2.1.1"};
    // Value of X-Spreed-Signaling-Features (ids joined by ", ").
    std::string features;
  };

  template <typename T>
  using Callback = std::function<void(Result<T>)>;

  NextcloudClient(http::HttpClient& client, CapabilitiesCache& capabilities, Options options);
  ~NextcloudClient();
  NextcloudClient(const NextcloudClient&) = delete;
  NextcloudClient& operator=(const NextcloudClient&) = delete;

  // baseUrl everywhere: the session's normalised Nextcloud base URL (normalizeBackendUrl).

  // §12.3. params are the client's hello auth.params, forwarded unchanged.
  void auth(std::shared_ptr<const Backend> backend, std::string baseUrl, nlohmann::json params,
            Callback<AuthResult> done);
  // §12.4 join.
  void joinRoom(std::shared_ptr<const Backend> backend, std::string baseUrl, RoomJoin join,
                Callback<RoomJoinResult> done);
  // §12.4 with action "leave"; Nextcloud's answer is ignored beyond transport/OCS errors.
  void leaveRoom(std::shared_ptr<const Backend> backend, std::string baseUrl, RoomJoin leave, Callback<Done> done);
  // §12.5: the sessions of all rooms of one Nextcloud (one backend + base URL). Without the
  // capability session-ping-limit: one request per room. With it: entries of all rooms
  // combined into requests with "roomid":"" of at most that many entries each. done runs
  // once after every request finished, with the first error if any failed (at once when
  // there is no entry to report).
  void ping(std::shared_ptr<const Backend> backend, std::string baseUrl, std::vector<RoomPing> rooms,
            Callback<Done> done);
  // §12.7 add/remove a virtual session without actor options.
  void session(std::shared_ptr<const Backend> backend, std::string baseUrl, SessionChange change,
               Callback<Done> done);

  // The generic call underneath: POSTs body and returns the OCS data (or the error object
  // Nextcloud sent, as ClientError). For tests and future request types.
  void post(std::shared_ptr<const Backend> backend, std::string baseUrl, nlohmann::json body,
            Callback<nlohmann::json> done);

  // Options for the HttpClient that serves Nextcloud requests, from backend.* settings:
  // timeout, connections per host, TLS verification (backend.skip_verify), and the
  // "nextcloud-spreed-signaling/<version>" user agent for capability requests.
  static http::HttpClientOptions httpOptions(const BackendOptions& backend, std::string_view version);

  // <base>ocs/v2.php/apps/spreed/api/v1|v3/signaling/backend.
  static std::string backendUrl(std::string_view baseUrl, bool v3);

  // Request bodies (exposed so tests and the fake Nextcloud can compare them).
  static nlohmann::json authBody(const nlohmann::json& params);
  static nlohmann::json roomBody(const RoomJoin& join, bool leave);
  static nlohmann::json pingBody(std::string_view roomId, const std::vector<PingEntry>& entries);
  static nlohmann::json sessionBody(const SessionChange& change);

private:
  struct Pending;
  void send(std::shared_ptr<const Backend> backend, const std::string& url, std::string body,
            std::function<void(Result<nlohmann::json>)> done);

  // Passed by argument (not owned)
  http::HttpClient& d_client;
  CapabilitiesCache& d_capabilities;
  // State
  Options d_options;
  // Cleared in the destructor so callbacks of capability lookups still queued are dropped.
  std::shared_ptr<bool> d_alive;
};

}
