#define TLOG_COMPONENT "nats"
#include "nats/LoopbackBus.hpp"

#include "common/log/Logger.hpp"
#include "nats/BusError.hpp"
#include "nats/Subject.hpp"

#include <atomic>
#include <utility>

namespace talk::nats {

namespace {

std::string loopbackInboxPrefix()
{
  // Unique per bus so two loopback buses in one process never see each other's replies.
  static std::atomic<uint64_t> s_counter{0};
  return "_INBOX.loopback" + std::to_string(++s_counter) + ".";
}

}

LoopbackBus::LoopbackBus(ev::EventLoop& loop, size_t maxPayload) :
  d_loop(loop),
  d_requests(loop, loopbackInboxPrefix()),
  d_canceller(std::make_shared<Subscription::Canceller>([this](uint64_t id) { unsubscribe(id); })),
  d_work(loop, [this](Work&& work) { onWork(std::move(work)); }),
  d_maxPayload(maxPayload)
{
  uint64_t id = d_nextId++;
  d_entries.emplace(id, Entry{d_requests.inboxSubject(), {}, nullptr, true});
  Work connected{Work::Kind::State, 0, {}, {}};
  d_work.post(std::move(connected));
}

LoopbackBus::~LoopbackBus()
{
  d_canceller.reset();
}

void LoopbackBus::publish(std::string_view subject, std::string_view payload, std::string_view reply)
{
  Subject::validatePublish(subject);
  if (!reply.empty()) {
    Subject::validatePublish(reply);
  }
  if (payload.size() > d_maxPayload) {
    throw BusError(BusErrorCode::PayloadTooLarge, "payload of " + std::to_string(payload.size()) +
        " bytes exceeds the maximum of " + std::to_string(d_maxPayload));
  }
  enqueue(Message{std::string(subject), std::string(reply), std::string(payload)});
}

void LoopbackBus::enqueue(const Message& message)
{
  // Interest is decided now, as a server decides it when the message arrives.
  std::vector<uint64_t> plain;
  std::map<std::string, std::vector<uint64_t>> groups;
  for (const auto& [id, entry] : d_entries) {
    if (!Subject::matches(entry.pattern, message.subject)) {
      continue;
    }
    if (entry.queueGroup.empty()) {
      plain.push_back(id);
    }
    else {
      groups[entry.queueGroup].push_back(id);
    }
  }
  for (const auto& [name, members] : groups) {
    plain.push_back(members[d_roundRobin++ % members.size()]);
  }
  if (plain.empty()) {
    if (!message.reply.empty()) {
      // What nats-server does for a request nobody listens to.
      d_work.post(Work{Work::Kind::NoResponders, 0, Message{message.reply, {}, {}}, {}});
    }
    return;
  }
  for (uint64_t id : plain) {
    d_work.post(Work{Work::Kind::Deliver, id, message, {}});
  }
}

Subscription LoopbackBus::subscribe(std::string_view subject, std::string_view queueGroup, MessageHandler handler)
{
  Subject::validateSubscribe(subject);
  Subject::validateQueueGroup(queueGroup);
  uint64_t id = d_nextId++;
  d_entries.emplace(id, Entry{std::string(subject), std::string(queueGroup),
                          std::make_shared<MessageHandler>(std::move(handler)), false});
  return Subscription(d_canceller, id);
}

void LoopbackBus::unsubscribe(uint64_t id)
{
  d_entries.erase(id);
}

void LoopbackBus::request(std::string_view subject, std::string_view payload, std::chrono::milliseconds timeout,
  RequestCallback callback)
{
  Subject::validatePublish(subject);
  std::string reply = d_requests.add(timeout, std::move(callback));
  try {
    publish(subject, payload, reply);
  }
  catch (...) {
    d_requests.cancel(reply);
    throw;
  }
}

void LoopbackBus::flush(std::chrono::milliseconds /*timeout*/, FlushCallback callback)
{
  // Queued behind every delivery already posted, so it completes after them.
  d_work.post(Work{Work::Kind::Flush, 0, {}, std::move(callback)});
}

void LoopbackBus::onWork(Work&& work)
{
  switch (work.kind) {
  case Work::Kind::Deliver: {
    auto it = d_entries.find(work.target);
    if (it == d_entries.end()) {
      return;  // unsubscribed since the publish
    }
    if (it->second.inbox) {
      d_requests.onReply(work.message, false);
      return;
    }
    std::shared_ptr<MessageHandler> handler = it->second.handler;
    (*handler)(work.message);
    return;
  }
  case Work::Kind::NoResponders:
    d_requests.onReply(work.message, true);
    return;
  case Work::Kind::Flush:
    if (work.flushed) {
      work.flushed(true);
    }
    return;
  case Work::Kind::State:
    if (d_listener != nullptr) {
      d_listener->onBusState(ConnectionState::Connected, "loopback");
    }
    return;
  }
}

}
