#define TLOG_COMPONENT "nats"
#include "nats/RequestTracker.hpp"

#include "common/log/Logger.hpp"

#include <charconv>
#include <utility>

namespace talk::nats {

struct RequestTracker::Pending : ev::Timer::Listener
{
  Pending(RequestTracker& tracker, uint64_t token, RequestCallback callback) :
    d_tracker(tracker), d_token(token), d_callback(std::move(callback)), d_timer(tracker.d_loop, this)
  {
  }

  void onTimer(ev::Timer& /*timer*/) override
  {
    RequestResult result;
    result.status = RequestStatus::Timeout;
    d_tracker.complete(d_token, std::move(result));
  }

  RequestTracker& d_tracker;
  uint64_t d_token;
  RequestCallback d_callback;
  ev::Timer d_timer;
};

RequestTracker::RequestTracker(ev::EventLoop& loop, std::string inboxPrefix) :
  d_loop(loop), d_prefix(std::move(inboxPrefix))
{
}

RequestTracker::~RequestTracker() = default;

bool RequestTracker::isInbox(std::string_view subject) const
{
  return subject.size() > d_prefix.size() && subject.substr(0, d_prefix.size()) == d_prefix;
}

std::string RequestTracker::add(std::chrono::milliseconds timeout, RequestCallback callback)
{
  uint64_t token = d_nextToken++;
  auto pending = std::make_unique<Pending>(*this, token, std::move(callback));
  pending->d_timer.start(static_cast<double>(timeout.count()) / 1000.0);
  d_pending.emplace(token, std::move(pending));
  return d_prefix + std::to_string(token);
}

void RequestTracker::cancel(const std::string& replySubject)
{
  if (!isInbox(replySubject)) {
    return;
  }
  std::string_view tail = std::string_view(replySubject).substr(d_prefix.size());
  uint64_t token = 0;
  auto [end, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), token);
  if (ec == std::errc() && end == tail.data() + tail.size()) {
    d_pending.erase(token);
  }
}

void RequestTracker::onReply(const Message& message, bool noResponders)
{
  if (!isInbox(message.subject)) {
    return;
  }
  std::string_view tail = std::string_view(message.subject).substr(d_prefix.size());
  uint64_t token = 0;
  auto [end, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), token);
  if (ec != std::errc() || end != tail.data() + tail.size()) {
    TLOG_DEBUG("nats", "ignoring reply on malformed inbox subject=%s", message.subject.c_str());
    return;
  }
  RequestResult result;
  if (noResponders) {
    result.status = RequestStatus::NoResponders;
  }
  else {
    result.status = RequestStatus::Ok;
    result.reply = message;
  }
  complete(token, std::move(result));
}

void RequestTracker::complete(uint64_t token, RequestResult&& result)
{
  auto it = d_pending.find(token);
  if (it == d_pending.end()) {
    // Late reply after a timeout, or a second reply: the request is already complete.
    return;
  }
  // Take the request out before calling back: the callback may start new requests, and
  // this may run inside the request's own timer callback (destroying it there is fine).
  std::unique_ptr<Pending> pending = std::move(it->second);
  d_pending.erase(it);
  pending->d_timer.stop();
  RequestCallback callback = std::move(pending->d_callback);
  pending.reset();
  callback(std::move(result));
}

}
