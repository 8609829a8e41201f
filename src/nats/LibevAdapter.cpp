#define TLOG_COMPONENT "nats"
#include "nats/LibevAdapter.hpp"

#include "common/log/Logger.hpp"

namespace talk::nats {

namespace {
// Long enough never to fire in practice; it only holds a reference on the loop.
constexpr double KeepAliveSeconds = 86400.0;
}

LibevAdapter::LibevAdapter(ev::EventLoop& loop, ReadListener* listener) :
  d_loop(loop),
  d_listener(listener),
  d_io(loop, this),
  d_keepAlive(loop, this),
  d_ops(loop, [this](Op&& op) { apply(op); }),
  d_loopThread(std::this_thread::get_id())
{
}

LibevAdapter::~LibevAdapter() = default;

natsStatus LibevAdapter::install(natsOptions* options)
{
  return natsOptions_SetEventLoop(options, this, &LibevAdapter::onAttach, &LibevAdapter::onRead,
    &LibevAdapter::onWrite, &LibevAdapter::onDetach);
}

natsStatus LibevAdapter::onAttach(void** userData, void* loop, natsConnection* nc, natsSock socket)
{
  auto* self = static_cast<LibevAdapter*>(loop);
  // userData is what cnats hands to the other callbacks: the adapter itself.
  *userData = self;
  return self->submit(Op{OpKind::Attach, true, nc, static_cast<int>(socket)});
}

natsStatus LibevAdapter::onRead(void* userData, bool add)
{
  return static_cast<LibevAdapter*>(userData)->submit(Op{OpKind::Read, add, nullptr, -1});
}

natsStatus LibevAdapter::onWrite(void* userData, bool add)
{
  return static_cast<LibevAdapter*>(userData)->submit(Op{OpKind::Write, add, nullptr, -1});
}

natsStatus LibevAdapter::onDetach(void* userData)
{
  return static_cast<LibevAdapter*>(userData)->submit(Op{OpKind::Detach, false, nullptr, -1});
}

natsStatus LibevAdapter::submit(const Op& op) noexcept
{
  try {
    if (std::this_thread::get_id() == d_loopThread) {
      // Ops queued by other threads happened before this one (they were posted under
      // the connection lock this thread now holds): apply them first.
      d_ops.drain();
      apply(op);
    }
    else {
      ++d_crossThreadOps;
      d_ops.post(op);
    }
    return NATS_OK;
  }
  catch (...) {
    // Only allocation can fail here; cnats treats the error as a connection failure.
    return NATS_NO_MEMORY;
  }
}

void LibevAdapter::apply(const Op& op)
{
  switch (op.kind) {
  case OpKind::Attach:
    // First connect, or a reconnect on a new socket (which may reuse the old fd number;
    // IoWatcher::set re-registers it with the backend either way).
    d_conn = op.conn;
    d_fd = op.fd;
    d_wantRead = true;
    d_wantWrite = false;
    d_io.stop();
    updateWatcher();
    if (!d_keepAlive.active()) {
      d_keepAlive.start(KeepAliveSeconds, KeepAliveSeconds);
    }
    TLOG_DEBUG("nats", "event loop attached fd=%d", d_fd);
    return;
  case OpKind::Read:
    d_wantRead = op.add;
    updateWatcher();
    return;
  case OpKind::Write:
    d_wantWrite = op.add;
    updateWatcher();
    return;
  case OpKind::Detach:
    TLOG_DEBUG("nats", "event loop detached fd=%d", d_fd);
    d_io.stop();
    d_keepAlive.stop();
    d_conn = nullptr;
    d_fd = -1;
    d_wantRead = false;
    d_wantWrite = false;
    return;
  }
}

void LibevAdapter::updateWatcher()
{
  if (d_conn == nullptr || d_fd < 0) {
    return;
  }
  int events = (d_wantRead ? EV_READ : 0) | (d_wantWrite ? EV_WRITE : 0);
  d_io.set(d_fd, events);
}

void LibevAdapter::onIo(ev::IoWatcher& /*watcher*/, int events)
{
  // The read may detach us (connection closed for good); check again before writing.
  if ((events & EV_READ) != 0 && d_conn != nullptr) {
    natsConnection_ProcessReadEvent(d_conn);
    if (d_listener != nullptr) {
      d_listener->onReadProcessed();
    }
  }
  if ((events & EV_WRITE) != 0 && d_conn != nullptr) {
    natsConnection_ProcessWriteEvent(d_conn);
  }
}

void LibevAdapter::onTimer(ev::Timer& /*timer*/)
{
}

}
