#pragma once
// The cluster bus seen by the daemons: publish, subscribe (wildcards, queue groups),
// request with timeout, connection state events. Two implementations: NatsBus (a real
// nats-server through cnats) and LoopbackBus (in-process). Every method is called on the
// thread that owns the bus's EventLoop, and every handler/callback runs on that thread,
// never re-entrantly from inside publish()/request().
#include "nats/Subscription.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace talk::nats {

struct Message
{
  std::string subject;
  std::string reply;
  std::string payload;
};

enum class ConnectionState
{
  Connected,
  Disconnected,
  Reconnected,
  Closed,
};

const char* connectionStateName(ConnectionState state);

enum class RequestStatus
{
  Ok,
  Timeout,
  NoResponders,
};

const char* requestStatusName(RequestStatus status);

struct RequestResult
{
  RequestStatus status{RequestStatus::Timeout};
  // The reply; meaningful only when ok().
  Message reply;

  bool ok() const { return status == RequestStatus::Ok; }
};

using MessageHandler = std::function<void(const Message& message)>;
// Called exactly once per request (unless the bus is destroyed first: then never).
using RequestCallback = std::function<void(RequestResult&& result)>;
// true when everything published before flush() has been processed by the server.
using FlushCallback = std::function<void(bool ok)>;

class Bus
{
public:
  class Listener
  {
  public:
    virtual ~Listener() = default;
    // detail is a human-readable reason (may be empty); never contains secrets.
    virtual void onBusState(ConnectionState state, const std::string& detail) = 0;
  };

  // nats-server's default max_payload; LoopbackBus enforces the same limit.
  static constexpr size_t DefaultMaxPayload = 1024 * 1024;

  virtual ~Bus() = default;

  // Throws BusError: InvalidSubject (empty, whitespace, empty token, wildcard),
  // PayloadTooLarge, NotConnected (closed), BufferFull (reconnect buffer exhausted).
  // While reconnecting, messages are buffered and sent after the reconnect.
  virtual void publish(std::string_view subject, std::string_view payload,
    std::string_view reply = {}) = 0;

  // subject may contain `*` (one token) and `>` (last token: one or more tokens).
  // With a queue group, each message goes to one member of the group.
  virtual Subscription subscribe(std::string_view subject, std::string_view queueGroup,
    MessageHandler handler) = 0;
  Subscription subscribe(std::string_view subject, MessageHandler handler)
  {
    return subscribe(subject, {}, std::move(handler));
  }

  // Sends payload with a unique reply subject; the callback gets the first reply, or
  // Timeout after `timeout`, or NoResponders when nobody subscribes to `subject`.
  // Throws BusError like publish() (then the callback is never called).
  virtual void request(std::string_view subject, std::string_view payload,
    std::chrono::milliseconds timeout, RequestCallback callback) = 0;

  // Calls back once what was published before has reached the server (or false on timeout).
  virtual void flush(std::chrono::milliseconds timeout, FlushCallback callback) = 0;

  virtual size_t maxPayload() const = 0;
  virtual bool connected() const = 0;
  // Not owned; nullptr to stop. The first event after construction is Connected.
  virtual void setListener(Listener* listener) = 0;
};

}
