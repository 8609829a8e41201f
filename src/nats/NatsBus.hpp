#pragma once
// Bus over a real nats-server through cnats, driven by our libev loop (LibevAdapter).
//
// Threads (style.md rule 7): with our event loop, cnats parses incoming data on the loop
// thread (LibevAdapter calls natsConnection_ProcessReadEvent). User subscriptions are
// synchronous cnats subscriptions, drained on the loop thread right after each read
// event: no thread hop, no lock contention per message. Only the request inbox stays an
// asynchronous subscription, because cnats's synchronous API swallows the no-responders
// status together with the subject that says which request it belongs to; its messages,
// like connection events (cnats callback thread), are posted into d_events (an
// AsyncInbox) through a registry keyed by bus id, so a callback racing with ~NatsBus finds
// no bus and drops the event instead of touching freed memory. Handlers run on the loop
// thread. Cost of the synchronous path: each read event checks every subscription's
// pending count (one uncontended lock each).
// Nothing here calls a blocking cnats function on the loop thread once connected: requests
// are publishes with a reply subject on one shared inbox subscription plus an ev timer,
// and flush() is a round trip to our own inbox.
//
// The constructor connects synchronously (bounded by BusConfig::connectTimeout); it is
// meant to run at startup, before the loop runs, and throws BusError on failure.
// Reconnects then happen in the background forever, with back-off and jitter; what is
// published meanwhile is buffered (BusConfig::reconnectBufferBytes) and sent after.
#include "common/ev/AsyncInbox.hpp"
#include "common/util/CHandle.hpp"
#include "nats/Bus.hpp"
#include "nats/BusConfig.hpp"
#include "nats/LibevAdapter.hpp"
#include "nats/RequestTracker.hpp"

#include <nats/nats.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace talk::nats {

namespace detail {

// What cnats threads hand to the loop thread.
struct NatsMessageEvent
{
  int64_t sid;
  CHandle<natsMsg, natsMsg_Destroy> msg;
};
struct NatsStateEvent
{
  ConnectionState state;
  std::string detail;
};
using NatsEvent = std::variant<NatsMessageEvent, NatsStateEvent>;

}

class NatsBus final : public Bus, private LibevAdapter::ReadListener
{
public:
  NatsBus(ev::EventLoop& loop, const BusConfig& config);
  ~NatsBus() override;
  NatsBus(const NatsBus&) = delete;
  NatsBus& operator=(const NatsBus&) = delete;

  void publish(std::string_view subject, std::string_view payload, std::string_view reply = {}) override;
  using Bus::subscribe;
  Subscription subscribe(std::string_view subject, std::string_view queueGroup, MessageHandler handler) override;
  void request(std::string_view subject, std::string_view payload, std::chrono::milliseconds timeout,
    RequestCallback callback) override;
  void flush(std::chrono::milliseconds timeout, FlushCallback callback) override;
  size_t maxPayload() const override;
  bool connected() const override;
  void setListener(Listener* listener) override { d_listener = listener; }

  // Diagnostics.
  const LibevAdapter& adapter() const { return d_adapter; }
  // The configured URL with any user:password@ removed, safe to log.
  const std::string& displayUrl() const { return d_displayUrl; }

private:
  struct SubEntry
  {
    CHandle<natsSubscription, natsSubscription_Destroy> sub;
    std::shared_ptr<MessageHandler> handler;
  };

  static void onMessage(natsConnection* nc, natsSubscription* sub, natsMsg* msg, void* closure);
  static void onDisconnected(natsConnection* nc, void* closure);
  static void onReconnected(natsConnection* nc, void* closure);
  static void onClosed(natsConnection* nc, void* closure);
  static void onAsyncError(natsConnection* nc, natsSubscription* sub, natsStatus err, void* closure);

  void configure(const BusConfig& config);
  void connect(const BusConfig& config);
  void onEvent(detail::NatsEvent&& event);
  void onReadProcessed() override;
  void deliver(int64_t sid, natsMsg* msg);
  void unsubscribe(uint64_t id);
  void checkPayload(size_t size) const;
  void* closure() const;

  // Passed by argument (not owned)
  ev::EventLoop& d_loop;
  Listener* d_listener{nullptr};
  // Owned (the destructor tears these down in an explicit order)
  uint64_t d_id;
  std::string d_displayUrl;
  LibevAdapter d_adapter;
  ev::AsyncInbox<detail::NatsEvent> d_events;
  CHandle<natsOptions, natsOptions_Destroy> d_options;
  CHandle<natsConnection, natsConnection_Destroy> d_conn;
  std::unique_ptr<RequestTracker> d_requests;
  std::shared_ptr<Subscription::Canceller> d_canceller;
  std::unordered_map<int64_t, SubEntry> d_subs;
  // State
  std::vector<std::pair<int64_t, int>> d_ready;
  Message d_scratch;
  std::string d_subjectBuffer;
  std::string d_replyBuffer;
  int64_t d_inboxSid{0};
  ConnectionState d_state{ConnectionState::Connected};
};

}
