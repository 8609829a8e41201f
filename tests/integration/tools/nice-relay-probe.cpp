// nice-relay-probe: libnice (the ICE library Janus uses) against a TURN server.
//
//   nice-relay-probe --server 127.0.0.1 --port N --user U --password P [--transport udp|tcp]
//                    [--connect] [--packets N] [--timeout S]
//
// Sets the TURN relay with nice_agent_set_relay_info, gathers candidates on 127.0.0.1 only,
// and prints every RELAYED candidate ("relayed 127.0.0.1:61234"). With --connect, a second
// agent (host candidates only, on 127.0.0.1) is paired with the first, which is forced to
// relay (libnice's "force-relay"): ICE must reach READY through the TURN server and
// --packets messages must arrive in both directions. Exit 0 on success, 1 on failure or
// timeout, 2 on usage errors.
#include <agent.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

namespace {

struct Options
{
  std::string server = "127.0.0.1";
  unsigned port = 3478;
  std::string user;
  std::string password;
  NiceRelayType relayType = NICE_RELAY_TYPE_TURN_UDP;
  bool connect = false;
  int packets = 50;
  unsigned timeoutSeconds = 15;
};

struct GObjectDeleter
{
  void operator()(gpointer p) const { g_object_unref(p); }
};
struct MainLoopDeleter
{
  void operator()(GMainLoop* p) const { g_main_loop_unref(p); }
};
using AgentPtr = std::unique_ptr<NiceAgent, GObjectDeleter>;

struct Peer
{
  AgentPtr agent;
  guint stream = 0;
  bool gathered = false;
  bool ready = false;
  bool failed = false;
  int received = 0;
};

struct State
{
  Options options;
  GMainLoop* loop = nullptr;
  Peer relayed; // uses the TURN server
  Peer host;    // only a host candidate (the "peer" behind the relay)
  int relayedCandidates = 0;
  bool timedOut = false;
  bool sendingStarted = false;
};

State* s_state = nullptr;

void quitIfDone()
{
  State& st = *s_state;
  if (!st.options.connect) {
    if (st.relayed.gathered) {
      g_main_loop_quit(st.loop);
    }
    return;
  }
  if (st.relayed.failed || st.host.failed) {
    g_main_loop_quit(st.loop);
    return;
  }
  if (st.relayed.received >= st.options.packets && st.host.received >= st.options.packets) {
    g_main_loop_quit(st.loop);
  }
}

AgentPtr makeAgent(GMainContext* ctx, bool forceRelay)
{
  AgentPtr agent(nice_agent_new(ctx, NICE_COMPATIBILITY_RFC5245));
  g_object_set(agent.get(), "upnp", FALSE, "ice-tcp", FALSE, "force-relay", forceRelay, NULL);
  NiceAddress local;
  nice_address_init(&local);
  nice_address_set_from_string(&local, "127.0.0.1");
  nice_agent_add_local_address(agent.get(), &local);
  return agent;
}

Peer& peerOf(NiceAgent* agent)
{
  return agent == s_state->relayed.agent.get() ? s_state->relayed : s_state->host;
}

void onGatheringDone(NiceAgent* agent, guint stream, gpointer)
{
  Peer& p = peerOf(agent);
  p.gathered = true;
  if (&p == &s_state->relayed) {
    GSList* cands = nice_agent_get_local_candidates(agent, stream, 1);
    for (GSList* i = cands; i != nullptr; i = i->next) {
      auto* c = static_cast<NiceCandidate*>(i->data);
      char addr[NICE_ADDRESS_STRING_LEN];
      nice_address_to_string(&c->addr, addr);
      if (c->type == NICE_CANDIDATE_TYPE_RELAYED) {
        ++s_state->relayedCandidates;
        std::printf("relayed %s:%u\n", addr, nice_address_get_port(&c->addr));
      } else {
        std::printf("candidate type=%d %s:%u\n", static_cast<int>(c->type), addr, nice_address_get_port(&c->addr));
      }
    }
    g_slist_free_full(cands, reinterpret_cast<GDestroyNotify>(nice_candidate_free));
    std::fflush(stdout);
  }
  if (s_state->options.connect && s_state->relayed.gathered && s_state->host.gathered) {
    // Exchange credentials and candidates in-process (what signaling would carry).
    for (auto [from, to] : {std::pair{&s_state->relayed, &s_state->host}, std::pair{&s_state->host, &s_state->relayed}}) {
      gchar* ufrag = nullptr;
      gchar* pwd = nullptr;
      nice_agent_get_local_credentials(from->agent.get(), from->stream, &ufrag, &pwd);
      nice_agent_set_remote_credentials(to->agent.get(), to->stream, ufrag, pwd);
      g_free(ufrag);
      g_free(pwd);
      GSList* cands = nice_agent_get_local_candidates(from->agent.get(), from->stream, 1);
      nice_agent_set_remote_candidates(to->agent.get(), to->stream, 1, cands);
      g_slist_free_full(cands, reinterpret_cast<GDestroyNotify>(nice_candidate_free));
    }
  }
  quitIfDone();
}

gboolean sendBurst(gpointer)
{
  State& st = *s_state;
  static int sent = 0;
  for (int i = 0; i < 5 && sent < st.options.packets; ++i, ++sent) {
    std::string msg = "talk-turn-probe " + std::to_string(sent);
    nice_agent_send(st.relayed.agent.get(), st.relayed.stream, 1, static_cast<guint>(msg.size()), msg.c_str());
    nice_agent_send(st.host.agent.get(), st.host.stream, 1, static_cast<guint>(msg.size()), msg.c_str());
  }
  return sent < st.options.packets ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

void onStateChanged(NiceAgent* agent, guint, guint, guint state, gpointer)
{
  Peer& p = peerOf(agent);
  std::printf("%s: state %s\n", &p == &s_state->relayed ? "relayed agent" : "host agent", nice_component_state_to_string(static_cast<NiceComponentState>(state)));
  if (state == NICE_COMPONENT_STATE_READY) {
    p.ready = true;
  } else if (state == NICE_COMPONENT_STATE_FAILED) {
    p.failed = true;
  }
  if (s_state->relayed.ready && s_state->host.ready && !s_state->sendingStarted) {
    s_state->sendingStarted = true;
    g_timeout_add(20, sendBurst, nullptr);
  }
  quitIfDone();
}

void onSelectedPair(NiceAgent* agent, guint stream, guint component, NiceCandidate* local, NiceCandidate* remote, gpointer)
{
  (void)stream;
  (void)component;
  char l[NICE_ADDRESS_STRING_LEN];
  char r[NICE_ADDRESS_STRING_LEN];
  nice_address_to_string(&local->addr, l);
  nice_address_to_string(&remote->addr, r);
  std::printf("%s: selected pair local type=%d %s:%u remote type=%d %s:%u\n",
              agent == s_state->relayed.agent.get() ? "relayed agent" : "host agent", static_cast<int>(local->type), l,
              nice_address_get_port(&local->addr), static_cast<int>(remote->type), r, nice_address_get_port(&remote->addr));
}

void onReceive(NiceAgent* agent, guint, guint, guint len, gchar* buf, gpointer)
{
  if (len >= 15 && std::memcmp(buf, "talk-turn-probe", 15) == 0) {
    ++peerOf(agent).received;
  }
  quitIfDone();
}

gboolean onTimeout(gpointer)
{
  s_state->timedOut = true;
  g_main_loop_quit(s_state->loop);
  return G_SOURCE_REMOVE;
}

void usage()
{
  std::fprintf(stderr, "usage: nice-relay-probe --server IP --port N --user U --password P [--transport udp|tcp]\n"
                       "                        [--connect] [--packets N] [--timeout S]\n");
  std::exit(2);
}

bool setup(Peer& p, GMainContext* ctx, bool relay)
{
  const Options& o = s_state->options;
  p.agent = makeAgent(ctx, relay);
  g_object_set(p.agent.get(), "controlling-mode", relay, NULL);
  p.stream = nice_agent_add_stream(p.agent.get(), 1);
  if (p.stream == 0) {
    return false;
  }
  if (relay &&
      !nice_agent_set_relay_info(p.agent.get(), p.stream, 1, o.server.c_str(), o.port, o.user.c_str(), o.password.c_str(), o.relayType)) {
    std::fprintf(stderr, "nice_agent_set_relay_info failed\n");
    return false;
  }
  g_signal_connect(p.agent.get(), "candidate-gathering-done", G_CALLBACK(onGatheringDone), nullptr);
  g_signal_connect(p.agent.get(), "component-state-changed", G_CALLBACK(onStateChanged), nullptr);
  g_signal_connect(p.agent.get(), "new-selected-pair-full", G_CALLBACK(onSelectedPair), nullptr);
  nice_agent_attach_recv(p.agent.get(), p.stream, 1, ctx, onReceive, nullptr);
  return nice_agent_gather_candidates(p.agent.get(), p.stream);
}

}

int main(int argc, char** argv)
{
  State st;
  s_state = &st;
  Options& o = st.options;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        usage();
      }
      return argv[++i];
    };
    if (a == "--server") {
      o.server = next();
    } else if (a == "--port") {
      o.port = static_cast<unsigned>(std::atoi(next().c_str()));
    } else if (a == "--user") {
      o.user = next();
    } else if (a == "--password") {
      o.password = next();
    } else if (a == "--transport") {
      std::string t = next();
      if (t == "udp") {
        o.relayType = NICE_RELAY_TYPE_TURN_UDP;
      } else if (t == "tcp") {
        o.relayType = NICE_RELAY_TYPE_TURN_TCP;
      } else if (t == "tls") {
        o.relayType = NICE_RELAY_TYPE_TURN_TLS;
      } else {
        usage();
      }
    } else if (a == "--connect") {
      o.connect = true;
    } else if (a == "--packets") {
      o.packets = std::atoi(next().c_str());
    } else if (a == "--timeout") {
      o.timeoutSeconds = static_cast<unsigned>(std::atoi(next().c_str()));
    } else {
      usage();
    }
  }
  if (o.user.empty()) {
    usage();
  }
  std::unique_ptr<GMainLoop, MainLoopDeleter> loop(g_main_loop_new(nullptr, FALSE));
  st.loop = loop.get();
  GMainContext* ctx = g_main_loop_get_context(st.loop);
  if (!setup(st.relayed, ctx, true) || (o.connect && !setup(st.host, ctx, false))) {
    std::fprintf(stderr, "agent setup failed\n");
    return 1;
  }
  g_timeout_add_seconds(o.timeoutSeconds, onTimeout, nullptr);
  g_main_loop_run(st.loop);

  int rc = 0;
  if (st.relayedCandidates == 0) {
    std::printf("FAIL: no relayed candidate gathered%s\n", st.timedOut ? " (timeout)" : "");
    rc = 1;
  }
  if (o.connect) {
    std::printf("received through the relay: relayed agent %d/%d, host agent %d/%d\n", st.relayed.received, o.packets,
                st.host.received, o.packets);
    if (!st.relayed.ready || !st.host.ready || st.relayed.received < o.packets || st.host.received < o.packets) {
      std::printf("FAIL: ICE did not complete through the relay or packets were missing%s\n", st.timedOut ? " (timeout)" : "");
      rc = 1;
    }
  }
  // Agents must go before the loop's context (libnice closes sockets on unref).
  st.relayed.agent.reset();
  st.host.agent.reset();
  return rc;
}
