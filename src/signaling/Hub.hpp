#pragma once
// The signaling domain: connections, sessions, rooms, message routing and the application
// of Nextcloud's backend requests (spec §3–§9, §13). All delivery from one session to
// others goes through the Bus (subjects session.<id>, user.<b64>, room.<b64> of spec
// Appendix A), so the LoopbackBus of a single node and a real NATS cluster use the same
// path. Runs on one loop thread; no I/O of its own (ClientLink, BackendGateway, Bus and
// Scheduler are its ports).
#include "nats/Bus.hpp"
#include "signaling/BackendGateway.hpp"
#include "signaling/ClientLink.hpp"
#include "signaling/Room.hpp"
#include "signaling/Scheduler.hpp"
#include "signaling/Session.hpp"
#include "signaling/SessionIdCodec.hpp"
#include "signaling/backend/BackendApi.hpp"
#include "signaling/backend/Throttler.hpp"
#include "signaling/protocol/Messages.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace talk::signaling {

struct HubConfig
{
  std::string version{"0"};
  double helloTimeout{2.0};
  double roomJoinTimeout{10.0};
  double resumeWindow{30.0};
  double pingInterval{10.0};
  std::string internalSecret; // "" = internal clients refused
  std::string hashKey;        // "" = random
  std::string blockKey;
};

struct HubStats
{
  size_t connections{0};
  size_t sessions{0};
  size_t rooms{0};
  uint64_t messagesRelayed{0};
};

class Hub
{
public:
  Hub(HubConfig config, BackendGateway& gateway, nats::Bus& bus, Scheduler& scheduler);
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // Feature lists of spec §4: HTTP header and hello of normal clients, hello of internal
  // clients, welcome message.
  std::vector<std::string> clientFeatures() const;
  std::vector<std::string> internalFeatures() const;
  std::vector<std::string> welcomeFeatures() const;

  // Transport events. connect() sends the welcome and returns the connection's id.
  // clientIp (after trusted proxies) keys the brute-force throttle.
  uint64_t connect(ClientLink* link, std::string clientIp = {});
  void receive(uint64_t connection, std::string_view text);
  void disconnect(uint64_t connection);

  // A validated request of Nextcloud for room `roomId` of `backend` (spec §13).
  void applyBackendRequest(const BackendInfo& backend, const std::string& roomId, const backend::BackendRoomPayload& request);

  // Dial-out request of Nextcloud (spec §9.5): asks the connected SIP bridges (internal
  // sessions with feature start-dialout, not in a room) in turn; done gets the HTTP
  // answer: 200 + call id, or status + error code/message.
  struct DialoutResult
  {
    int status{200};
    std::string callId;
    std::string code;
    std::string message;
  };
  void dialout(const BackendInfo& backend, const std::string& roomId, const backend::DialoutRequest& request,
    std::function<void(DialoutResult)> done);

  // Replaces the keys/timeouts taken from configuration (SIGHUP); ids stay valid only
  // when the keys did not change.
  void reconfigure(const HubConfig& config);
  // Counts failed internal hellos and resumes per client address (spec §3.2, §3.4); not
  // owned, nullptr = no throttling.
  void setThrottler(backend::Throttler* throttler) { d_throttler = throttler; }
  // SIGTERM: closes every connection with 1001 going away.
  void shutdown();

  HubStats stats() const;
  // Room members in join order (tests, stats).
  const Room* findRoom(const std::string& backendId, const std::string& roomId) const;
  const Session* findSession(const std::string& publicId) const;

  // Subject helpers of spec Appendix A.
  static std::string userSubject(const std::string& userId, const std::string& backendId);
  static std::string roomSubject(const std::string& roomId, const std::string& backendId);

private:
  struct Connection
  {
    ClientLink* link{nullptr};
    Session* session{nullptr};
    Scheduler::Id helloTimer{0};
    bool authenticating{false};
    std::string clientIp;
  };

  // Sending
  void sendToConnection(uint64_t connection, const Json& message);
  void sendToSession(Session& session, const Json& message);
  void closeConnection(uint64_t connection, uint16_t code, const std::string& reason);
  void publish(const std::string& subject, const Json& envelope);
  void deliver(Session& session, const Json& envelope);
  void onRoomBusMessage(const std::string& roomKey, const std::string& payload);

  // Hello
  void handleHello(uint64_t connection, const std::string& id, const protocol::HelloRequest& hello);
  void resume(uint64_t connection, const std::string& id, const protocol::HelloRequest& hello);
  void helloInternal(uint64_t connection, const std::string& id, const protocol::HelloRequest& hello);
  void finishHello(uint64_t connection, const std::string& id, const BackendInfo& backend, ClientType type,
    const protocol::HelloRequest& hello, AuthResult&& auth);
  Session& createSession(const BackendInfo& backend, ClientType type, std::string userId, Json user,
    std::vector<std::string> features);
  void sendHelloResponse(uint64_t connection, const std::string& id, const Session& session);
  void armJoinTimer(Session& session);
  void destroySession(Session& session, bool notifyBackend);

  // Rooms
  void handleRoom(Session& session, const std::string& id, const protocol::RoomRequest& request);
  void finishJoin(Session& session, const std::string& id, const std::string& roomId, const std::string& roomSessionId,
    RoomJoinResult&& result);
  Room& roomFor(const BackendInfo& backend, const std::string& roomId);
  void addMember(Room& room, Session& session);
  void leaveRoom(Session& session, bool notifyBackend);
  Json joinEntry(const Session& session) const;
  Json participantsUpdate(Room& room, const Json& changed, const Json& users);
  void publishParticipants(Room& room, const Json& changed, const Json& users);
  void removeTransient(Room& room, const std::string& key);
  void pingRooms();

  // Messages
  void handleMessage(Session& session, const protocol::MessageRequest& request);
  void handleTransient(Session& session, const std::string& id, const protocol::TransientRequest& request);
  void handleInternal(Session& session, const std::string& id, const protocol::InternalRequest& request);
  void addVirtual(Session& owner, const std::string& id, const protocol::AddSession& add);
  void removeVirtual(Session& owner, const std::string& id, Session& virt, bool notifyBackend);
  Session* findVirtual(Session& owner, const std::string& virtualId);
  void handleDialoutReport(Session& session, const std::string& id, const protocol::DialoutReport& report);
  struct PendingDialout;
  void askNextBridge(const std::string& id);
  void finishDialout(const std::string& id, DialoutResult result);

  // Backend requests
  void roomlistToUsers(const BackendInfo& backend, const std::vector<std::string>& users, const Json& event);
  void applyInCall(Room& room, const backend::InCallRequest& request);
  void applyParticipants(Room& room, const backend::ParticipantsRequest& request);
  Session* byRoomSessionId(const std::string& backendId, const std::string& roomSessionId) const;

  bool isAnonymous(const Session& session) const;
  // Brute-force protection: false (and too_many_requests sent) when blocked.
  bool throttleAllows(uint64_t connection, const std::string& id, const char* action);
  void throttleFailure(uint64_t connection, const char* action);

  // Passed by argument (not owned)
  BackendGateway& d_gateway;
  nats::Bus& d_bus;
  Scheduler& d_scheduler;
  backend::Throttler* d_throttler{nullptr};
  // Owned
  HubConfig d_config;
  std::unique_ptr<SessionIdCodec> d_ids;
  std::map<uint64_t, Connection> d_connections;
  std::map<uint64_t, std::unique_ptr<Session>> d_sessions;
  std::unordered_map<std::string, Session*> d_byPublicId;
  std::unordered_map<std::string, Session*> d_byRoomSession; // "<backend>|<talk sid>"
  std::map<std::string, std::unique_ptr<Room>> d_rooms;       // by Room::key
  std::map<std::string, std::unique_ptr<PendingDialout>> d_dialouts; // by message id
  // State
  uint64_t d_nextConnection{1};
  uint64_t d_nextSession{1};
  uint64_t d_messagesRelayed{0};
  Scheduler::Id d_pingTimer{0};
};

}
