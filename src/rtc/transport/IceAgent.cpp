#define TLOG_COMPONENT "ice"
#include "rtc/transport/IceAgent.hpp"

#include "common/log/Logger.hpp"
#include "common/util/Error.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <nice/agent.h>

namespace talk::rtc {

namespace {

constexpr guint Component = 1;
// Trickled candidates waiting for the remote credentials; a browser sends a handful.
constexpr size_t MaxQueuedCandidates = 64;

template <typename Fn>
void guarded(const char* what, Fn&& fn) noexcept
{
  try {
    fn();
  }
  catch (const std::exception& e) {
    TLOG_ERROR("uncaught exception in libnice %s callback: %s", what, e.what());
  }
  catch (...) {
    TLOG_ERROR("uncaught exception in libnice %s callback", what);
  }
}

NiceRelayType relayType(TurnServer::Transport transport)
{
  switch (transport) {
  case TurnServer::Transport::Tcp:
    return NICE_RELAY_TYPE_TURN_TCP;
  case TurnServer::Transport::Tls:
    return NICE_RELAY_TYPE_TURN_TLS;
  case TurnServer::Transport::Udp:
    break;
  }
  return NICE_RELAY_TYPE_TURN_UDP;
}

std::string withoutAttributePrefix(std::string_view line)
{
  if (line.substr(0, 2) == "a=") {
    line.remove_prefix(2);
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' ')) {
    line.remove_suffix(1);
  }
  return std::string(line);
}

// The connection address is the fifth field: "candidate:<foundation> <component>
// <transport> <priority> <address> <port> typ …".
std::string_view candidateField(std::string_view line, int index)
{
  for (int i = 0; i < index; ++i) {
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) {
      return {};
    }
    line.remove_prefix(space + 1);
  }
  return line.substr(0, line.find(' '));
}

std::string addressString(const NiceAddress& address)
{
  std::array<gchar, NICE_ADDRESS_STRING_LEN> text{};
  nice_address_to_string(&address, text.data());
  return text.data();
}

}

// libnice signal and receive trampolines (glib calls them from the bridge's dispatch).
struct IceAgent::Callbacks
{
  static void newCandidate(NiceAgent* /*agent*/, NiceCandidate* candidate, gpointer data)
  {
    auto* self = static_cast<IceAgent*>(data);
    guarded("new-candidate", [&] { self->onLocalCandidate(candidate); });
  }

  static void gatheringDone(NiceAgent* /*agent*/, guint streamId, gpointer data)
  {
    auto* self = static_cast<IceAgent*>(data);
    if (streamId != self->d_streamId) {
      return;
    }
    guarded("gathering-done", [&] {
      self->d_gathering = false;
      TLOG_DEBUG("ice", "ICE gathering done candidates=%zu", self->d_localCandidates.size());
      self->d_listener->onIceGatheringDone(*self);
    });
  }

  static void componentState(NiceAgent* /*agent*/, guint streamId, guint componentId, guint state, gpointer data)
  {
    auto* self = static_cast<IceAgent*>(data);
    if (streamId != self->d_streamId || componentId != Component) {
      return;
    }
    guarded("component-state", [&] { self->onComponentState(state); });
  }

  static void selectedPair(NiceAgent* /*agent*/, guint streamId, guint componentId, NiceCandidate* /*local*/,
                           NiceCandidate* /*remote*/, gpointer data)
  {
    auto* self = static_cast<IceAgent*>(data);
    if (streamId != self->d_streamId || componentId != Component) {
      return;
    }
    guarded("selected-pair", [&] {
      TLOG_DEBUG("ice", "ICE selected pair %s", self->selectedPairDescription().c_str());
    });
  }

  static void receive(NiceAgent* /*agent*/, guint /*streamId*/, guint /*componentId*/, guint length, gchar* buffer,
                      gpointer data)
  {
    auto* self = static_cast<IceAgent*>(data);
    if (length == 0 || buffer == nullptr) {
      return;
    }
    guarded("receive", [&] {
      self->d_listener->onIcePacket(*self, std::span<uint8_t>(reinterpret_cast<uint8_t*>(buffer), length));
    });
  }
};

void IceAgent::AgentDeleter::operator()(NiceAgent* agent) const noexcept
{
  // Let libnice release TURN allocations and sockets asynchronously on the context; the
  // close operation holds its own reference until it is done.
  nice_agent_close_async(agent, nullptr, nullptr);
  g_object_unref(agent);
}

IceAgent::IceAgent(ev::GlibContextBridge& bridge, const IceConfig& config, Listener* listener) :
  d_bridge(bridge), d_listener(listener), d_config(config)
{
  guint flags = NICE_AGENT_OPTION_ICE_TRICKLE;
  if (config.lite) {
    flags |= NICE_AGENT_OPTION_LITE_MODE;
  }
  else {
    // RFC 7675: checks on the selected pair every few seconds; no answer for ~30 s and the
    // component fails (reported as Failed).
    flags |= NICE_AGENT_OPTION_CONSENT_FRESHNESS;
  }
  d_agent.reset(nice_agent_new_full(bridge.context(), NICE_COMPATIBILITY_RFC5245, static_cast<NiceAgentOption>(flags)));
  if (!d_agent) {
    throw Error("nice_agent_new_full failed");
  }
  NiceAgent* agent = d_agent.get();
  g_object_set(agent, "controlling-mode", config.controlling ? TRUE : FALSE, "ice-udp", config.udp ? TRUE : FALSE,
               "ice-tcp", config.tcp ? TRUE : FALSE, "upnp", FALSE, "force-relay", config.forceRelay ? TRUE : FALSE,
               nullptr);

  for (const auto& text : config.bindAddresses) {
    NiceAddress address;
    nice_address_init(&address);
    if (nice_address_set_from_string(&address, text.c_str()) == 0) {
      throw Error("ICE bind address is not an IP address: " + text);
    }
    if (nice_agent_add_local_address(agent, &address) == 0) {
      throw Error("libnice refused ICE bind address " + text);
    }
  }
  if (!config.publicAddress.empty()) {
    NiceAddress address;
    nice_address_init(&address);
    if (nice_address_set_from_string(&address, config.publicAddress.c_str()) == 0) {
      throw Error("ICE public address is not an IP address: " + config.publicAddress);
    }
  }

  d_streamId = nice_agent_add_stream(agent, 1);
  if (d_streamId == 0) {
    throw Error("nice_agent_add_stream failed");
  }
  if (config.portMin != 0 || config.portMax != 0) {
    nice_agent_set_port_range(agent, d_streamId, Component, config.portMin, config.portMax);
  }
  for (const auto& turn : config.turnServers) {
    if (nice_agent_set_relay_info(agent, d_streamId, Component, turn.ip.c_str(), turn.port, turn.username.c_str(),
                                  turn.password.c_str(), relayType(turn.transport)) == 0) {
      throw Error("libnice refused TURN server " + turn.ip);
    }
  }

  g_signal_connect(agent, "new-candidate-full", G_CALLBACK(&Callbacks::newCandidate), this);
  g_signal_connect(agent, "candidate-gathering-done", G_CALLBACK(&Callbacks::gatheringDone), this);
  g_signal_connect(agent, "component-state-changed", G_CALLBACK(&Callbacks::componentState), this);
  g_signal_connect(agent, "new-selected-pair-full", G_CALLBACK(&Callbacks::selectedPair), this);
  nice_agent_attach_recv(agent, d_streamId, Component, bridge.context(), &Callbacks::receive, this);
  readLocalCredentials();
}

IceAgent::~IceAgent()
{
  NiceAgent* agent = d_agent.get();
  // No signal or packet may reach this object once it is gone.
  g_signal_handlers_disconnect_by_data(agent, this);
  nice_agent_attach_recv(agent, d_streamId, Component, d_bridge.context(), nullptr, nullptr);
}

void IceAgent::readLocalCredentials()
{
  gchar* ufrag = nullptr;
  gchar* pwd = nullptr;
  if (nice_agent_get_local_credentials(d_agent.get(), d_streamId, &ufrag, &pwd) == 0) {
    throw Error("nice_agent_get_local_credentials failed");
  }
  d_localCredentials.ufrag = ufrag;
  d_localCredentials.pwd = pwd;
  g_free(ufrag);
  g_free(pwd);
}

void IceAgent::setControlling(bool controlling)
{
  d_config.controlling = controlling;
  g_object_set(d_agent.get(), "controlling-mode", controlling ? TRUE : FALSE, nullptr);
}

void IceAgent::gatherCandidates()
{
  if (d_gathering) {
    return;
  }
  d_gathering = true;
  if (nice_agent_gather_candidates(d_agent.get(), d_streamId) == 0) {
    d_gathering = false;
    throw Error("ICE cannot gather candidates (no usable local address)");
  }
}

void IceAgent::onLocalCandidate(NiceCandidate* candidate)
{
  if (candidate->stream_id != d_streamId || candidate->component_id != Component) {
    return;
  }
  // Active TCP candidates are signalled with the discard port and only matter to a peer
  // that accepts connections; our peers connect to our passive ones. Simultaneous-open
  // needs NAT help we do not offer.
  if (candidate->transport == NICE_CANDIDATE_TRANSPORT_TCP_ACTIVE ||
      candidate->transport == NICE_CANDIDATE_TRANSPORT_TCP_SO) {
    return;
  }
  NiceCandidate* signalled = candidate;
  CHandle<NiceCandidate, nice_candidate_free> rewritten;
  if (!d_config.publicAddress.empty() && candidate->type == NICE_CANDIDATE_TYPE_HOST) {
    // NAT 1:1: peers reach our public address; the NAT maps it to this socket.
    rewritten.reset(nice_candidate_copy(candidate));
    const guint port = nice_address_get_port(&candidate->addr);
    nice_address_set_from_string(&rewritten->addr, d_config.publicAddress.c_str());
    nice_address_set_port(&rewritten->addr, port);
    // Otherwise the private base address would be signalled as "raddr".
    rewritten->base_addr = rewritten->addr;
    signalled = rewritten.get();
  }
  gchar* sdp = nice_agent_generate_local_candidate_sdp(d_agent.get(), signalled);
  if (sdp == nullptr) {
    return;
  }
  std::string line = withoutAttributePrefix(sdp);
  g_free(sdp);
  d_localCandidates.push_back(line);
  TLOG_DEBUG("ice", "ICE local candidate %s", line.c_str());
  d_listener->onIceLocalCandidate(*this, line);
}

void IceAgent::onComponentState(guint state)
{
  switch (state) {
  case NICE_COMPONENT_STATE_CONNECTING:
    setState(d_state == State::Connected || d_state == State::Disconnected ? State::Disconnected : State::Checking);
    return;
  case NICE_COMPONENT_STATE_CONNECTED:
  case NICE_COMPONENT_STATE_READY:
    setState(State::Connected);
    return;
  case NICE_COMPONENT_STATE_FAILED:
    setState(State::Failed);
    return;
  case NICE_COMPONENT_STATE_DISCONNECTED:
    if (d_state == State::Connected) {
      setState(State::Disconnected);
    }
    return;
  default:
    return;
  }
}

void IceAgent::setState(State state)
{
  if (state == d_state) {
    return;
  }
  d_state = state;
  TLOG_DEBUG("ice", "ICE state %s", stateName(state));
  d_listener->onIceStateChanged(*this, state);
}

void IceAgent::setRemoteCredentials(const IceCredentials& credentials)
{
  if (credentials.ufrag.empty() || credentials.pwd.empty()) {
    throw Error("remote ICE credentials are empty");
  }
  if (d_remoteCredentials && (d_remoteCredentials->ufrag != credentials.ufrag || d_remoteCredentials->pwd != credentials.pwd)) {
    // The peer restarted ICE: we must answer with new credentials too (RFC 8839 §4.4.1.1.1).
    TLOG_DEBUG("ice", "ICE restart by the peer");
    restart();
  }
  if (nice_agent_set_remote_credentials(d_agent.get(), d_streamId, credentials.ufrag.c_str(), credentials.pwd.c_str()) ==
      0) {
    throw Error("libnice refused the remote ICE credentials");
  }
  d_remoteCredentials = credentials;
  applyRemoteCandidates();
}

bool IceAgent::addRemoteCandidate(std::string_view candidate)
{
  std::string line = withoutAttributePrefix(candidate);
  if (line.empty()) {
    return false;
  }
  if (line.rfind("candidate:", 0) != 0) {
    return false;
  }
  const std::string_view address = candidateField(line, 4);
  if (address.size() > 6 && address.substr(address.size() - 6) == ".local") {
    // mDNS names hide browser addresses; the browser's checks reveal them as peer-reflexive.
    TLOG_DEBUG("ice", "ICE ignoring mDNS candidate");
    return true;
  }
  if (candidateField(line, 1) != "1") {
    // rtcp-mux: component 2 (RTCP) candidates are never used.
    return true;
  }
  if (!d_remoteCredentials) {
    if (d_pendingRemoteCandidates.size() >= MaxQueuedCandidates) {
      return false;
    }
    d_pendingRemoteCandidates.push_back(std::move(line));
    return true;
  }
  return applyRemoteCandidate(line);
}

bool IceAgent::applyRemoteCandidate(const std::string& line)
{
  const std::string sdp = "a=" + line;
  CHandle<NiceCandidate, nice_candidate_free> parsed(
      nice_agent_parse_remote_candidate_sdp(d_agent.get(), d_streamId, sdp.c_str()));
  if (!parsed) {
    TLOG_DEBUG("ice", "ICE unparsable remote candidate");
    return false;
  }
  GSList list{};
  list.data = parsed.get();
  list.next = nullptr;
  if (nice_agent_set_remote_candidates(d_agent.get(), d_streamId, Component, &list) < 0) {
    return false;
  }
  TLOG_DEBUG("ice", "ICE remote candidate %s", line.c_str());
  return true;
}

void IceAgent::applyRemoteCandidates()
{
  std::vector<std::string> pending;
  pending.swap(d_pendingRemoteCandidates);
  for (const auto& line : pending) {
    applyRemoteCandidate(line);
  }
  if (d_remoteGatheringDone) {
    nice_agent_peer_candidate_gathering_done(d_agent.get(), d_streamId);
  }
}

void IceAgent::remoteGatheringDone()
{
  d_remoteGatheringDone = true;
  if (d_remoteCredentials) {
    nice_agent_peer_candidate_gathering_done(d_agent.get(), d_streamId);
  }
}

void IceAgent::restart()
{
  if (nice_agent_restart_stream(d_agent.get(), d_streamId) == 0) {
    throw Error("nice_agent_restart_stream failed");
  }
  readLocalCredentials();
  d_remoteCredentials.reset();
  d_pendingRemoteCandidates.clear();
  d_remoteGatheringDone = false;
  if (d_state == State::Failed || d_state == State::Connected || d_state == State::Disconnected) {
    setState(State::Checking);
  }
}

bool IceAgent::send(std::span<const uint8_t> packet) noexcept
{
  if (packet.empty() || packet.size() > 65535) {
    return false;
  }
  const gint sent = nice_agent_send(d_agent.get(), d_streamId, Component, static_cast<guint>(packet.size()),
                                    reinterpret_cast<const gchar*>(packet.data()));
  return sent == static_cast<gint>(packet.size());
}

size_t IceAgent::sendBatch(std::span<const std::span<const uint8_t>> packets) noexcept
{
  constexpr size_t MaxBatch = 64;
  std::array<GOutputVector, MaxBatch> vectors{};
  std::array<NiceOutputMessage, MaxBatch> messages{};
  size_t total = 0;
  while (total < packets.size()) {
    const size_t count = std::min(MaxBatch, packets.size() - total);
    for (size_t i = 0; i < count; ++i) {
      vectors[i].buffer = packets[total + i].data();
      vectors[i].size = packets[total + i].size();
      messages[i].buffers = &vectors[i];
      messages[i].n_buffers = 1;
    }
    GError* error = nullptr;
    const gint sent = nice_agent_send_messages_nonblocking(d_agent.get(), d_streamId, Component, messages.data(),
                                                           static_cast<guint>(count), nullptr, &error);
    if (error != nullptr) {
      g_error_free(error);
    }
    if (sent <= 0) {
      break;
    }
    total += static_cast<size_t>(sent);
    if (static_cast<size_t>(sent) < count) {
      break;
    }
  }
  return total;
}

std::string IceAgent::selectedPairDescription() const
{
  NiceCandidate* local = nullptr;
  NiceCandidate* remote = nullptr;
  if (nice_agent_get_selected_pair(d_agent.get(), d_streamId, Component, &local, &remote) == 0 || local == nullptr ||
      remote == nullptr) {
    return "none";
  }
  return addressString(local->addr) + ":" + std::to_string(nice_address_get_port(&local->addr)) + " -> " +
         addressString(remote->addr) + ":" + std::to_string(nice_address_get_port(&remote->addr)) + " (" +
         nice_candidate_transport_to_string(local->transport) + " " + nice_candidate_type_to_string(local->type) + "/" +
         nice_candidate_type_to_string(remote->type) + ")";
}

const char* IceAgent::stateName(State state) noexcept
{
  switch (state) {
  case State::New:
    return "new";
  case State::Checking:
    return "checking";
  case State::Connected:
    return "connected";
  case State::Disconnected:
    return "disconnected";
  case State::Failed:
    return "failed";
  case State::Closed:
    return "closed";
  }
  return "?";
}

}
