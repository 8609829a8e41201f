#pragma once
// In-process bus with NATS semantics, for single-node setups and tests: `*`/`>`
// wildcards, one delivery per queue group, request/reply with timeout, no-responders
// when nothing subscribes, max payload. Delivery is always asynchronous: publish() only
// queues, the loop delivers on a later iteration, so handlers never run inside publish().
#include "common/ev/AsyncInbox.hpp"
#include "nats/Bus.hpp"
#include "nats/RequestTracker.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace talk::nats {

class LoopbackBus final : public Bus
{
public:
  explicit LoopbackBus(ev::EventLoop& loop, size_t maxPayload = DefaultMaxPayload);
  ~LoopbackBus() override;

  void publish(std::string_view subject, std::string_view payload, std::string_view reply = {}) override;
  using Bus::subscribe;
  Subscription subscribe(std::string_view subject, std::string_view queueGroup, MessageHandler handler) override;
  void request(std::string_view subject, std::string_view payload, std::chrono::milliseconds timeout,
    RequestCallback callback) override;
  void flush(std::chrono::milliseconds timeout, FlushCallback callback) override;
  size_t maxPayload() const override { return d_maxPayload; }
  bool connected() const override { return true; }
  void setListener(Listener* listener) override { d_listener = listener; }

private:
  struct Entry
  {
    std::string pattern;
    std::string queueGroup;
    // shared so a handler that unsubscribes itself keeps running safely
    std::shared_ptr<MessageHandler> handler;
    bool inbox{false};
  };
  // One queued unit of work for the loop.
  struct Work
  {
    enum class Kind
    {
      Deliver,
      NoResponders,
      Flush,
      State,
    } kind;
    uint64_t target{0};
    Message message;
    FlushCallback flushed;
  };

  void enqueue(const Message& message);
  void onWork(Work&& work);
  void unsubscribe(uint64_t id);

  // Passed by argument (not owned)
  ev::EventLoop& d_loop;
  Listener* d_listener{nullptr};
  // Owned
  RequestTracker d_requests;
  std::shared_ptr<Subscription::Canceller> d_canceller;
  ev::AsyncInbox<Work> d_work;
  // State
  size_t d_maxPayload;
  uint64_t d_nextId{1};
  std::map<uint64_t, Entry> d_entries;
  uint64_t d_roundRobin{0};
};

}
