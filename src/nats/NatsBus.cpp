#define TLOG_COMPONENT "nats"
#include "nats/NatsBus.hpp"

#include "common/log/Logger.hpp"
#include "nats/BusError.hpp"
#include "nats/Subject.hpp"

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <cstdint>
#include <mutex>
#include <unistd.h>
#include <utility>

namespace talk::nats {

namespace {

// Maps a bus id to its inbox while the bus lives. cnats callbacks get the id as their
// closure and look it up under the lock, so they can never reach a destroyed bus.
class CallbackGate
{
public:
  using Inbox = ev::AsyncInbox<detail::NatsEvent>;

  static void open(uint64_t id, Inbox* inbox)
  {
    std::lock_guard lock(mutex());
    inboxes()[id] = inbox;
  }

  static void close(uint64_t id)
  {
    std::lock_guard lock(mutex());
    inboxes().erase(id);
  }

  // Any thread; never throws (it runs inside cnats callbacks).
  static void post(void* closure, detail::NatsEvent&& event) noexcept
  {
    try {
      auto id = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(closure));
      std::lock_guard lock(mutex());
      auto it = inboxes().find(id);
      if (it != inboxes().end()) {
        it->second->post(std::move(event));
      }
    }
    catch (...) {
      // Out of memory: dropping one message is all we can do on a foreign thread.
    }
  }

private:
  static std::mutex& mutex()
  {
    static std::mutex s_mutex;
    return s_mutex;
  }
  static std::unordered_map<uint64_t, Inbox*>& inboxes()
  {
    static std::unordered_map<uint64_t, Inbox*> s_inboxes;
    return s_inboxes;
  }
};

uint64_t nextBusId()
{
  static std::atomic<uint64_t> s_next{1};
  return s_next++;
}

// nats://user:secret@host → nats://***@host, for messages and logs.
std::string redactUrl(const std::string& urls)
{
  std::string out;
  size_t start = 0;
  while (start <= urls.size()) {
    size_t comma = urls.find(',', start);
    std::string one = urls.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t scheme = one.find("://");
    size_t hostStart = scheme == std::string::npos ? 0 : scheme + 3;
    size_t at = one.find('@', hostStart);
    if (at != std::string::npos) {
      one = one.substr(0, hostStart) + "***" + one.substr(at);
    }
    out += out.empty() ? one : "," + one;
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

// Removes every "(name.c:123): " from text.
std::string stripSourceLocations(const std::string& text)
{
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '(') {
      size_t close = text.find("): ", i);
      size_t colon = text.find(".c:", i);
      if (close != std::string::npos && colon != std::string::npos && colon < close &&
          text.find_first_not_of("0123456789", colon + 3) == close) {
        i = close + 3;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

std::string lastErrorText(natsStatus status)
{
  std::string out = natsStatus_GetText(status);
  const char* raw = nats_GetLastError(nullptr);
  if (raw == nullptr) {
    return out;
  }
  // cnats puts source locations into its text, "(conn.c:2088): "; users need not see them.
  std::string text = stripSourceLocations(raw);
  if (text.rfind("Error: ", 0) == 0) {
    text = text.substr(7);
  }
  if (!text.empty() && text != out) {
    out += ": ";
    out += text;
  }
  return out;
}

BusErrorCode codeForStatus(natsStatus status)
{
  switch (status) {
  case NATS_CONNECTION_AUTH_FAILED:
  case NATS_NOT_PERMITTED:
    return BusErrorCode::AuthFailed;
  case NATS_TIMEOUT:
    return BusErrorCode::ConnectTimeout;
  case NATS_SSL_ERROR:
  case NATS_SECURE_CONNECTION_REQUIRED:
  case NATS_SECURE_CONNECTION_WANTED:
    return BusErrorCode::TlsFailed;
  case NATS_INVALID_SUBJECT:
    return BusErrorCode::InvalidSubject;
  case NATS_MAX_PAYLOAD:
    return BusErrorCode::PayloadTooLarge;
  case NATS_INSUFFICIENT_BUFFER:
    return BusErrorCode::BufferFull;
  case NATS_CONNECTION_CLOSED:
    return BusErrorCode::NotConnected;
  default:
    return BusErrorCode::Internal;
  }
}

void check(natsStatus status, const char* what)
{
  if (status != NATS_OK) {
    throw BusError(codeForStatus(status), std::string("nats: ") + what + ": " + lastErrorText(status));
  }
}

}

NatsBus::NatsBus(ev::EventLoop& loop, const BusConfig& config) :
  d_loop(loop),
  d_id(nextBusId()),
  d_displayUrl(redactUrl(config.url)),
  d_adapter(loop, this),
  d_events(loop, [this](detail::NatsEvent&& event) { onEvent(std::move(event)); }),
  d_canceller(std::make_shared<Subscription::Canceller>([this](uint64_t id) { unsubscribe(id); }))
{
  CallbackGate::open(d_id, &d_events);
  try {
    configure(config);
    connect(config);
  }
  catch (...) {
    CallbackGate::close(d_id);
    throw;
  }
}

void* NatsBus::closure() const
{
  return reinterpret_cast<void*>(static_cast<uintptr_t>(d_id));
}

void NatsBus::configure(const BusConfig& config)
{
  int methods = (config.token.empty() ? 0 : 1) + (config.user.empty() && config.password.empty() ? 0 : 1) +
    (config.credentialsFile.empty() ? 0 : 1);
  if (methods > 1) {
    throw BusError(BusErrorCode::InvalidConfig, "nats: use only one of token, user/password and credentials file");
  }
  if (config.user.empty() != config.password.empty()) {
    throw BusError(BusErrorCode::InvalidConfig, "nats: user and password must be given together");
  }
  if (config.url.empty()) {
    throw BusError(BusErrorCode::InvalidConfig, "nats: empty server URL");
  }
  if (config.connectTimeout.count() <= 0) {
    throw BusError(BusErrorCode::InvalidConfig, "nats: connect timeout must be positive");
  }

  natsOptions* raw = nullptr;
  check(natsOptions_Create(&raw), "cannot create options");
  d_options.reset(raw);
  natsOptions* opts = d_options.get();

  natsStatus s = natsOptions_SetURL(opts, config.url.c_str());
  if (s != NATS_OK) {
    throw BusError(BusErrorCode::InvalidConfig, "nats: invalid server URL '" + d_displayUrl + "': " + lastErrorText(s));
  }
  if (!config.name.empty()) {
    check(natsOptions_SetName(opts, config.name.c_str()), "name");
  }
  if (!config.token.empty()) {
    check(natsOptions_SetToken(opts, config.token.c_str()), "token");
  }
  if (!config.user.empty()) {
    check(natsOptions_SetUserInfo(opts, config.user.c_str(), config.password.c_str()), "user/password");
  }
  if (!config.credentialsFile.empty()) {
    // cnats reads the file only when connecting; say early and plainly what is wrong.
    if (::access(config.credentialsFile.c_str(), R_OK) != 0) {
      throw BusError(BusErrorCode::InvalidConfig,
        "nats: cannot read credentials file '" + config.credentialsFile + "': " + std::strerror(errno));
    }
    s = natsOptions_SetUserCredentialsFromFiles(opts, config.credentialsFile.c_str(), nullptr);
    if (s != NATS_OK) {
      throw BusError(BusErrorCode::InvalidConfig,
        "nats: credentials file '" + config.credentialsFile + "': " + lastErrorText(s));
    }
  }
  if (config.tls || !config.tlsCa.empty()) {
    s = natsOptions_SetSecure(opts, true);
    if (s != NATS_OK) {
      throw BusError(BusErrorCode::TlsFailed, "nats: TLS is not available: " + lastErrorText(s));
    }
  }
  if (!config.tlsCa.empty()) {
    s = natsOptions_LoadCATrustedCertificates(opts, config.tlsCa.c_str());
    if (s != NATS_OK) {
      throw BusError(BusErrorCode::TlsFailed, "nats: cannot load CA file '" + config.tlsCa + "': " + lastErrorText(s));
    }
  }
  check(natsOptions_SetTimeout(opts, config.connectTimeout.count()), "timeout");
  check(natsOptions_SetAllowReconnect(opts, true), "reconnect");
  // Reconnect forever: the bus is infrastructure, a daemon must ride out any outage.
  check(natsOptions_SetMaxReconnect(opts, -1), "max reconnect");
  check(natsOptions_SetReconnectWait(opts, config.reconnectWait.count()), "reconnect wait");
  check(natsOptions_SetReconnectJitter(opts, config.reconnectJitter.count(), config.reconnectJitter.count()),
    "reconnect jitter");
  check(natsOptions_SetReconnectBufSize(opts, config.reconnectBufferBytes), "reconnect buffer");
  check(natsOptions_SetPingInterval(opts, config.pingInterval.count()), "ping interval");
  // Publishes go straight into the write buffer and arm the write watcher from the loop
  // thread; the loop coalesces them into one write. No flusher thread is needed.
  check(natsOptions_SetSendAsap(opts, true), "send asap");
  // One shared delivery thread instead of one thread per subscription.
  check(natsOptions_UseGlobalMessageDelivery(opts, true), "global delivery");
  check(natsOptions_SetDisconnectedCB(opts, &NatsBus::onDisconnected, closure()), "disconnected callback");
  check(natsOptions_SetReconnectedCB(opts, &NatsBus::onReconnected, closure()), "reconnected callback");
  check(natsOptions_SetClosedCB(opts, &NatsBus::onClosed, closure()), "closed callback");
  check(natsOptions_SetErrorHandler(opts, &NatsBus::onAsyncError, closure()), "error handler");
  check(d_adapter.install(opts), "event loop");
}

void NatsBus::connect(const BusConfig& config)
{
  natsConnection* raw = nullptr;
  natsStatus s = natsConnection_Connect(&raw, d_options.get());
  if (s != NATS_OK) {
    std::string detail = lastErrorText(s);
    BusErrorCode code = codeForStatus(s);
    if (code == BusErrorCode::Internal) {
      code = BusErrorCode::ConnectFailed;
    }
    // cnats reports some authentication failures only through the error text.
    if (detail.find("Authorization") != std::string::npos || detail.find("authorization") != std::string::npos ||
        detail.find("Authentication") != std::string::npos) {
      code = BusErrorCode::AuthFailed;
    }
    std::string what;
    switch (code) {
    case BusErrorCode::AuthFailed:
      what = "server rejected the credentials";
      break;
    case BusErrorCode::ConnectTimeout:
      what = "no answer within " + std::to_string(config.connectTimeout.count()) + " ms";
      break;
    case BusErrorCode::TlsFailed:
      what = "TLS handshake failed";
      break;
    default:
      what = "cannot connect";
      break;
    }
    throw BusError(code, "nats: " + what + " (" + d_displayUrl + "): " + detail);
  }
  d_conn.reset(raw);

  natsInbox* inbox = nullptr;
  check(natsInbox_Create(&inbox), "inbox");
  CHandle<natsInbox, natsInbox_Destroy> ownedInbox(inbox);
  d_requests = std::make_unique<RequestTracker>(d_loop, std::string(inbox) + ".");

  natsSubscription* sub = nullptr;
  std::string inboxSubject = d_requests->inboxSubject();
  check(natsConnection_Subscribe(&sub, d_conn.get(), inboxSubject.c_str(), &NatsBus::onMessage, closure()),
    "inbox subscription");
  CHandle<natsSubscription, natsSubscription_Destroy> ownedSub(sub);
  // Replies must never be dropped for being "slow": lift the per-subscription limits.
  natsSubscription_SetPendingLimits(sub, -1, -1);
  d_inboxSid = natsSubscription_GetID(sub);
  d_subs.emplace(d_inboxSid, SubEntry{std::move(ownedSub), nullptr});

  d_events.post(detail::NatsStateEvent{ConnectionState::Connected, d_displayUrl});
}

NatsBus::~NatsBus()
{
  d_canceller.reset();
  CallbackGate::close(d_id);
  d_subs.clear();
  if (d_conn) {
    // Closing from the loop thread: cnats would wait up to 500 ms for a flush that only
    // this (blocked) loop could serve, so write out what is buffered first.
    if (d_adapter.attached() && natsConnection_Buffered(d_conn.get()) > 0) {
      natsConnection_ProcessWriteEvent(d_conn.get());
    }
    d_conn.reset();
  }
  d_requests.reset();
}

void NatsBus::checkPayload(size_t size) const
{
  size_t max = maxPayload();
  if (size > max) {
    throw BusError(BusErrorCode::PayloadTooLarge,
      "payload of " + std::to_string(size) + " bytes exceeds the server's maximum of " + std::to_string(max));
  }
}

size_t NatsBus::maxPayload() const
{
  int64_t max = d_conn ? natsConnection_GetMaxPayload(d_conn.get()) : 0;
  if (max <= 0) {
    return DefaultMaxPayload;
  }
  return static_cast<size_t>(std::min<int64_t>(max, INT_MAX));
}

bool NatsBus::connected() const
{
  return d_conn && natsConnection_Status(d_conn.get()) == NATS_CONN_STATUS_CONNECTED;
}

void NatsBus::publish(std::string_view subject, std::string_view payload, std::string_view reply)
{
  Subject::validatePublish(subject);
  if (!reply.empty()) {
    Subject::validatePublish(reply);
  }
  checkPayload(payload.size());
  // cnats wants NUL-terminated strings; the member buffers keep their capacity, so the
  // hot path does not allocate. publish() never nests (cnats does not call back into it).
  d_subjectBuffer.assign(subject);
  natsStatus s;
  if (reply.empty()) {
    s = natsConnection_Publish(d_conn.get(), d_subjectBuffer.c_str(), payload.data(), static_cast<int>(payload.size()));
  }
  else {
    d_replyBuffer.assign(reply);
    s = natsConnection_PublishRequest(d_conn.get(), d_subjectBuffer.c_str(), d_replyBuffer.c_str(), payload.data(),
      static_cast<int>(payload.size()));
  }
  check(s, "publish");
}

Subscription NatsBus::subscribe(std::string_view subject, std::string_view queueGroup, MessageHandler handler)
{
  Subject::validateSubscribe(subject);
  Subject::validateQueueGroup(queueGroup);
  std::string subjectCopy(subject);
  natsSubscription* raw = nullptr;
  natsStatus s;
  // Synchronous: drained on the loop thread after each read event (see the header).
  if (queueGroup.empty()) {
    s = natsConnection_SubscribeSync(&raw, d_conn.get(), subjectCopy.c_str());
  }
  else {
    std::string group(queueGroup);
    s = natsConnection_QueueSubscribeSync(&raw, d_conn.get(), subjectCopy.c_str(), group.c_str());
  }
  check(s, "subscribe");
  CHandle<natsSubscription, natsSubscription_Destroy> sub(raw);
  int64_t sid = natsSubscription_GetID(raw);
  d_subs.emplace(sid, SubEntry{std::move(sub), std::make_shared<MessageHandler>(std::move(handler))});
  TLOG_DEBUG("nats", "subscribed subject=%s sid=%lld", subjectCopy.c_str(), static_cast<long long>(sid));
  return Subscription(d_canceller, static_cast<uint64_t>(sid));
}

void NatsBus::unsubscribe(uint64_t id)
{
  // Destroying the handle unsubscribes at the server; events already queued for this sid
  // find no entry and are dropped.
  auto sid = static_cast<int64_t>(id);
  if (sid != d_inboxSid) {
    d_subs.erase(sid);
  }
}

void NatsBus::request(std::string_view subject, std::string_view payload, std::chrono::milliseconds timeout,
  RequestCallback callback)
{
  Subject::validatePublish(subject);
  checkPayload(payload.size());
  std::string reply = d_requests->add(timeout, std::move(callback));
  try {
    publish(subject, payload, reply);
  }
  catch (...) {
    d_requests->cancel(reply);
    throw;
  }
}

void NatsBus::flush(std::chrono::milliseconds timeout, FlushCallback callback)
{
  // A message to our own inbox comes back only after the server has processed everything
  // we sent before it: a non-blocking natsConnection_Flush.
  std::string reply = d_requests->add(timeout, [callback = std::move(callback)](RequestResult&& result) {
    callback(result.ok());
  });
  try {
    check(natsConnection_Publish(d_conn.get(), reply.c_str(), nullptr, 0), "flush");
  }
  catch (...) {
    d_requests->cancel(reply);
    throw;
  }
}

void NatsBus::onEvent(detail::NatsEvent&& event)
{
  try {
    if (auto* state = std::get_if<detail::NatsStateEvent>(&event)) {
      d_state = state->state;
      if (state->state == ConnectionState::Connected || state->state == ConnectionState::Reconnected) {
        TLOG_NOTICE("nats %s url=%s", connectionStateName(state->state), d_displayUrl.c_str());
      }
      else {
        TLOG_WARN("nats %s url=%s detail=%s", connectionStateName(state->state), d_displayUrl.c_str(),
          state->detail.c_str());
      }
      if (d_listener != nullptr) {
        d_listener->onBusState(state->state, state->detail);
      }
      return;
    }
    auto& msgEvent = std::get<detail::NatsMessageEvent>(event);
    deliver(msgEvent.sid, msgEvent.msg.get());
  }
  catch (const std::exception& e) {
    TLOG_ERROR("nats event handling failed: %s", e.what());
  }
  catch (...) {
    TLOG_ERROR("nats event handling failed with a non-standard exception");
  }
}

void NatsBus::onReadProcessed()
{
  // Only this thread parses, so nothing is added to the queues while we drain them.
  // Collect first: a handler may unsubscribe (erase from d_subs) or subscribe. The
  // vector's capacity is kept between reads (taken out while in use).
  std::vector<std::pair<int64_t, int>> ready;
  ready.swap(d_ready);
  ready.clear();
  for (auto& [sid, entry] : d_subs) {
    int msgs = 0;
    if (sid != d_inboxSid && natsSubscription_GetPending(entry.sub.get(), &msgs, nullptr) == NATS_OK && msgs > 0) {
      ready.emplace_back(sid, msgs);
    }
  }
  for (auto [sid, msgs] : ready) {
    for (int i = 0; i < msgs; ++i) {
      auto it = d_subs.find(sid);
      if (it == d_subs.end()) {
        break;  // unsubscribed by a handler: the rest is dropped, as cnats would
      }
      natsMsg* raw = nullptr;
      if (natsSubscription_NextMsg(&raw, it->second.sub.get(), 0) != NATS_OK) {
        break;
      }
      CHandle<natsMsg, natsMsg_Destroy> msg(raw);
      deliver(sid, msg.get());
    }
  }
  d_ready.swap(ready);
}

void NatsBus::deliver(int64_t sid, natsMsg* msg)
{
  try {
    auto it = d_subs.find(sid);
    if (it == d_subs.end()) {
      return;  // unsubscribed meanwhile
    }
    // Reused between deliveries (no allocation once warm): handlers get a const reference
    // that is valid during the call, and deliveries never nest.
    Message& message = d_scratch;
    message.subject.assign(natsMsg_GetSubject(msg));
    const char* reply = natsMsg_GetReply(msg);
    message.reply.assign(reply != nullptr ? reply : "");
    const char* data = natsMsg_GetData(msg);
    message.payload.assign(data != nullptr ? data : "", data != nullptr ? static_cast<size_t>(natsMsg_GetDataLength(msg)) : 0);
    if (sid == d_inboxSid) {
      d_requests->onReply(message, natsMsg_IsNoResponders(msg));
      return;
    }
    // Keep the handler alive even if it unsubscribes itself.
    std::shared_ptr<MessageHandler> handler = it->second.handler;
    (*handler)(message);
  }
  catch (const std::exception& e) {
    // One failing handler must not lose the rest of the batch.
    TLOG_ERROR("nats handler failed: %s", e.what());
  }
  catch (...) {
    TLOG_ERROR("nats handler failed with a non-standard exception");
  }
}

void NatsBus::onMessage(natsConnection* /*nc*/, natsSubscription* sub, natsMsg* msg, void* closure)
{
  CHandle<natsMsg, natsMsg_Destroy> owned(msg);
  int64_t sid = natsSubscription_GetID(sub);
  CallbackGate::post(closure, detail::NatsMessageEvent{sid, std::move(owned)});
}

void NatsBus::onDisconnected(natsConnection* nc, void* closure)
{
  const char* text = nullptr;
  natsConnection_GetLastError(nc, &text);
  try {
    CallbackGate::post(closure, detail::NatsStateEvent{ConnectionState::Disconnected, text != nullptr ? text : ""});
  }
  catch (...) {
  }
}

void NatsBus::onReconnected(natsConnection* /*nc*/, void* closure)
{
  try {
    CallbackGate::post(closure, detail::NatsStateEvent{ConnectionState::Reconnected, {}});
  }
  catch (...) {
  }
}

void NatsBus::onClosed(natsConnection* nc, void* closure)
{
  const char* text = nullptr;
  natsConnection_GetLastError(nc, &text);
  try {
    CallbackGate::post(closure, detail::NatsStateEvent{ConnectionState::Closed, text != nullptr ? text : ""});
  }
  catch (...) {
  }
}

void NatsBus::onAsyncError(natsConnection* /*nc*/, natsSubscription* sub, natsStatus err, void* /*closure*/)
{
  // Runs on a cnats thread; the logger is thread-safe. Typically "slow consumer".
  TLOG_WARN("nats async error sid=%lld status=%s", sub != nullptr ? static_cast<long long>(natsSubscription_GetID(sub)) : 0LL,
    natsStatus_GetText(err));
}

}
