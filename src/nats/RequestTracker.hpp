#pragma once
// Request/reply bookkeeping shared by both buses: one wildcard inbox subscription
// (<prefix>*) serves every request; each request gets <prefix><token> as its reply
// subject and an ev timer. Whatever comes first (reply, no-responders, timeout) completes
// the request; the others find nothing to complete. Loop thread only.
#include "common/ev/Watchers.hpp"
#include "nats/Bus.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace talk::nats {

class RequestTracker
{
public:
  RequestTracker(ev::EventLoop& loop, std::string inboxPrefix);
  ~RequestTracker();
  RequestTracker(const RequestTracker&) = delete;
  RequestTracker& operator=(const RequestTracker&) = delete;

  // The subject the owning bus subscribes to once.
  std::string inboxSubject() const { return d_prefix + "*"; }
  bool isInbox(std::string_view subject) const;

  // Registers a request; returns its reply subject. The timer starts now.
  std::string add(std::chrono::milliseconds timeout, RequestCallback callback);
  // Forgets a request without calling back (its publish failed and the caller got the error).
  void cancel(const std::string& replySubject);
  // A message arrived on the inbox.
  void onReply(const Message& message, bool noResponders);
  size_t pending() const { return d_pending.size(); }

private:
  struct Pending;
  void complete(uint64_t token, RequestResult&& result);

  // Passed by argument (not owned)
  ev::EventLoop& d_loop;
  // State
  std::string d_prefix;
  uint64_t d_nextToken{1};
  std::map<uint64_t, std::unique_ptr<Pending>> d_pending;
};

}
