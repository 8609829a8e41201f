#pragma once
// One ICE stream with one component (BUNDLE + rtcp-mux: everything of a PeerConnection
// shares it) over libnice, on the GMainContext of a GlibContextBridge: libnice's sockets,
// timers and signals run on the owning libev loop thread, no GMainLoop thread per agent.
//
// Full or lite mode, controlling or controlled; trickle both ways (local candidates are
// reported as libnice finds them, remote ones may arrive at any time, even before the
// remote credentials: they are queued); UDP host candidates, passive ICE-TCP host
// candidates, TURN relays (client side); ICE restart; RFC 7675 consent freshness (a path
// whose consent expires turns the agent Failed).
//
// Candidates travel as SDP attribute values without "a=" ("candidate:1 1 UDP 2015363327
// 10.0.0.1 40000 typ host"), the form of RTCIceCandidate.candidate and of Janus trickle.
//
// All methods run on the loop thread; a Listener must not destroy the IceAgent from inside
// a callback (defer it).
#include "common/ev/GlibContextBridge.hpp"
#include "common/net/SocketAddress.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

typedef struct _NiceAgent NiceAgent;
typedef struct _NiceCandidate NiceCandidate;

namespace talk::rtc {

struct IceCredentials
{
  std::string ufrag;
  std::string pwd;
};

struct TurnServer
{
  enum class Transport : uint8_t
  {
    Udp,
    Tcp,
    Tls,
  };
  std::string ip; // literal address (resolve names before)
  uint16_t port{3478};
  std::string username;
  std::string password;
  Transport transport{Transport::Udp};
};

struct IceConfig
{
  bool lite{false};        // ICE-lite (answers checks only; RFC 8445 §2.5)
  bool controlling{false}; // default: full, controlled (the answerer's usual role)
  bool udp{true};
  bool tcp{false}; // gather ICE-TCP; we signal only passive host TCP candidates
  // Local addresses to gather host candidates on ("10.0.0.1", "::1"); empty = every
  // interface libnice finds.
  std::vector<std::string> bindAddresses;
  // NAT 1:1: the public address signalled in place of host candidate addresses (ports
  // stay); empty = signal the real ones.
  std::string publicAddress;
  // Local port range for host candidates; 0/0 = any.
  uint16_t portMin{0};
  uint16_t portMax{0};
  // TURN relays to allocate on (client side: load tools, recorder behind NAT).
  std::vector<TurnServer> turnServers;
  // Send only through relays (tests of the TURN path).
  bool forceRelay{false};
};

class IceAgent
{
public:
  enum class State : uint8_t
  {
    New,          // nothing gathered or checked yet
    Checking,     // connectivity checks running
    Connected,    // a pair is usable (selected or nominated)
    Disconnected, // libnice lost the pair; may recover (component back to connecting)
    Failed,       // checks failed or consent expired; needs an ICE restart
    Closed,
  };

  class Listener
  {
  public:
    virtual ~Listener() = default;
    // A local candidate ready to signal ("candidate:…", without "a=").
    virtual void onIceLocalCandidate(IceAgent& agent, const std::string& candidate) = 0;
    virtual void onIceGatheringDone(IceAgent& agent) = 0;
    virtual void onIceStateChanged(IceAgent& agent, State state) = 0;
    // A datagram (or a framed ICE-TCP message) from the selected path. The buffer belongs to
    // libnice's receive path and is writable (decrypt in place); valid during the call only.
    virtual void onIcePacket(IceAgent& agent, std::span<uint8_t> packet) = 0;
  };

  // Throws talk::Error if libnice refuses the configuration (e.g. a bad bind address).
  IceAgent(ev::GlibContextBridge& bridge, const IceConfig& config, Listener* listener);
  ~IceAgent();
  IceAgent(const IceAgent&) = delete;
  IceAgent& operator=(const IceAgent&) = delete;

  const IceCredentials& localCredentials() const { return d_localCredentials; }
  bool lite() const { return d_config.lite; }
  bool controlling() const { return d_config.controlling; }
  // Usually decided by the offer/answer roles; only before checks start.
  void setControlling(bool controlling);

  // Starts gathering; candidates arrive through onIceLocalCandidate, then onIceGatheringDone.
  // Throws talk::Error if libnice cannot gather (no usable address).
  void gatherCandidates();
  // Local candidates found so far (e.g. to put them straight into an SDP).
  const std::vector<std::string>& localCandidates() const { return d_localCandidates; }

  // The peer's `a=ice-ufrag`/`a=ice-pwd`; a change from earlier values is an ICE restart
  // by the peer, and we restart too (an answer must carry new credentials: read
  // localCredentials() afterwards). Queued candidates are applied now. Throws talk::Error
  // for empty or refused credentials.
  void setRemoteCredentials(const IceCredentials& credentials);
  // "candidate:…" (an "a=" prefix is accepted). Returns false for lines libnice cannot
  // parse; mDNS (".local") and unsupported candidates are ignored and return true.
  bool addRemoteCandidate(std::string_view candidate);
  // The peer's end-of-candidates (lets a full agent fail without waiting for more).
  void remoteGatheringDone();

  // ICE restart: new local credentials, remote ones and remote candidates forgotten; the
  // caller signals the new credentials (local candidates stay valid), then sets the peer's
  // new ones.
  void restart();

  // Sends on the selected pair; false if there is none or the socket would block. Cheap:
  // one libnice call, no copy.
  bool send(std::span<const uint8_t> packet) noexcept;
  // Sends several packets in one libnice call (sendmmsg-friendly); returns how many were
  // taken.
  size_t sendBatch(std::span<const std::span<const uint8_t>> packets) noexcept;

  State state() const { return d_state; }
  // "local-address:port -> remote-address:port (udp host/srflx/relay)" of the selected pair.
  std::string selectedPairDescription() const;

  static const char* stateName(State state) noexcept;

private:
  struct Callbacks;
  struct AgentDeleter
  {
    void operator()(NiceAgent* agent) const noexcept;
  };

  void readLocalCredentials();
  void onLocalCandidate(NiceCandidate* candidate);
  void onComponentState(unsigned state);
  bool applyRemoteCandidate(const std::string& line);
  void applyRemoteCandidates();
  void setState(State state);

  // Passed by argument (not owned)
  ev::GlibContextBridge& d_bridge;
  Listener* d_listener;
  // Owned
  std::unique_ptr<NiceAgent, AgentDeleter> d_agent;
  // State
  IceConfig d_config;
  unsigned d_streamId{0};
  IceCredentials d_localCredentials;
  std::optional<IceCredentials> d_remoteCredentials;
  std::vector<std::string> d_pendingRemoteCandidates;
  std::vector<std::string> d_localCandidates;
  bool d_remoteGatheringDone{false};
  bool d_gathering{false};
  State d_state{State::New};
};

}
