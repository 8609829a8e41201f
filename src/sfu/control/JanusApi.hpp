#pragma once
// The Janus core of the API subset (janus-api.md §2–§7): sessions and handles, the core
// verbs, session timeouts, API secret / token checks, and the envelope of every reply and
// event. Plugin requests go to the VideoRoom. Transport-independent: frames come in through
// onFrame() and leave through ClientConnection::sendText(), so unit tests drive it without
// sockets and the daemon plugs in its WebSocket server.
#include "sfu/control/JanusRequest.hpp"
#include "sfu/control/VideoRoom.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace talk::sfu::control {

// One client connection (a WebSocket). sendText must only queue: it may not close the
// connection or call back into JanusApi synchronously.
class ClientConnection
{
public:
  virtual ~ClientConnection() = default;
  virtual void sendText(std::string text) = 0;
};

struct JanusApiOptions
{
  std::string serverName{"talk-sfu"};
  std::string versionString{"0.1.0"};
  int64_t version{1000}; // ≥1000: multistream subscriber joins; <1100: no remote publishers (§10)
  std::string author{"talk-hpb"};
  // Empty = not required (the signaling server never sends them, §1.4).
  std::string apiSecret;
  std::vector<std::string> tokens;
  int64_t sessionTimeoutSeconds{60}; // 0 = sessions never expire
};

class JanusApi final : private VideoRoom::Listener
{
public:
  struct Stats
  {
    size_t sessions{0};
    size_t handles{0};
    uint64_t requests{0};
    uint64_t errors{0};
  };

  // nowMs: monotonic milliseconds (session expiry); randomId: ids in [1, 2^53).
  JanusApi(JanusApiOptions options, MediaEngine& engine, VideoRoomLimits limits, std::function<int64_t()> nowMs,
           std::function<uint64_t()> randomId);
  ~JanusApi() override;
  JanusApi(const JanusApi&) = delete;
  JanusApi& operator=(const JanusApi&) = delete;

  // One text frame from `connection`: one or more requests, each answered.
  void onFrame(ClientConnection& connection, std::string_view frame);
  // The connection is gone: its sessions, their handles and the rooms created through
  // them are destroyed (§1.6).
  void onConnectionClosed(ClientConnection& connection);
  // Expires sessions idle longer than the timeout (§6.1); call every few seconds.
  void expireSessions();
  // Draining: `create` answers 472 while false.
  void setAcceptingSessions(bool accepting) { d_accepting = accepting; }
  // SIGHUP: new secrets, tokens, timeout and limits.
  void updateOptions(const JanusApiOptions& options, const VideoRoomLimits& limits);

  Stats stats() const;
  VideoRoom::Stats roomStats() const { return d_videoRoom.stats(); }

private:
  struct Session
  {
    uint64_t id{0};
    ClientConnection* connection{nullptr}; // events go here (not owned)
    int64_t lastActivityMs{0};
    std::set<uint64_t> handles;
  };

  void handle(ClientConnection& connection, JanusRequest& request);
  bool authorized(const nlohmann::json& message) const;
  void handleMessage(ClientConnection& connection, const JanusRequest& request);
  void handleTrickle(ClientConnection& connection, const JanusRequest& request);
  void destroySession(uint64_t sessionId);
  uint64_t newId();

  void reply(ClientConnection& connection, nlohmann::json message);
  void replyError(ClientConnection& connection, const std::string* transaction, uint64_t sessionId, int code,
                  const std::string& reason);
  nlohmann::json serverInfo(const std::string& transaction) const;

  // VideoRoom::Listener
  void deliver(uint64_t sessionId, uint64_t handleId, nlohmann::json message) override;

  // Passed by argument (not owned)
  MediaEngine& d_engine;
  // State
  JanusApiOptions d_options;
  std::function<int64_t()> d_nowMs;
  std::function<uint64_t()> d_randomId;
  bool d_accepting{true};
  uint64_t d_requests{0};
  uint64_t d_errors{0};
  std::map<uint64_t, Session> d_sessions;
  std::map<uint64_t, uint64_t> d_handleSession; // handle id → session id
  // Owned; declared last: its destructor may still deliver nothing, but it must go first.
  VideoRoom d_videoRoom;
};

// Serialises a reply; invalid UTF-8 (which the parser never lets in) would be replaced.
std::string toText(const nlohmann::json& message);

}
