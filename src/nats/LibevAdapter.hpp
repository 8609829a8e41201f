#pragma once
// Plugs a cnats connection into our libev loop (natsOptions_SetEventLoop): the socket is
// watched by an IoWatcher on the loop thread, which calls natsConnection_Process*Event.
//
// Threads: cnats calls the four callbacks from whichever thread is working on the
// connection: the loop thread (connect, reads, writes, close), its reconnect thread
// (attach to the new socket, write to flush the reconnect buffer), its ping timer thread
// (write) or a closing thread (detach). cnats holds the connection lock during
// attach/read/write, so a callback must never wait for the loop thread. Every operation
// therefore becomes an Op: applied at once when we already are on the loop thread (after
// applying any Op queued earlier, so order is kept), queued through an AsyncInbox
// otherwise. Ops are posted under the connection lock, so queue order is cnats's order.
// The adapter's state (watcher, fd, connection pointer) is touched on the loop thread only.
#include "common/ev/AsyncInbox.hpp"
#include "common/ev/Watchers.hpp"

#include <nats/nats.h>

#include <atomic>
#include <cstdint>
#include <thread>

namespace talk::nats {

class LibevAdapter : private ev::IoWatcher::Listener, private ev::Timer::Listener
{
public:
  class ReadListener
  {
  public:
    virtual ~ReadListener() = default;
    // cnats has parsed what one read event brought in (loop thread). Messages for
    // synchronous subscriptions are now queued in them.
    virtual void onReadProcessed() = 0;
  };

  // Must be constructed on the loop's thread. listener may be nullptr (not owned).
  LibevAdapter(ev::EventLoop& loop, ReadListener* listener);
  ~LibevAdapter() override;
  LibevAdapter(const LibevAdapter&) = delete;
  LibevAdapter& operator=(const LibevAdapter&) = delete;

  // Registers the callbacks in opts; the adapter must outlive the connection.
  natsStatus install(natsOptions* options);

  bool attached() const { return d_conn != nullptr; }
  int fd() const { return d_fd; }
  // Number of ops that arrived from other threads (for tests and diagnostics).
  uint64_t crossThreadOps() const { return d_crossThreadOps.load(); }

private:
  enum class OpKind
  {
    Attach,
    Read,
    Write,
    Detach,
  };
  struct Op
  {
    OpKind kind;
    bool add;
    natsConnection* conn;
    int fd;
  };

  static natsStatus onAttach(void** userData, void* loop, natsConnection* nc, natsSock socket);
  static natsStatus onRead(void* userData, bool add);
  static natsStatus onWrite(void* userData, bool add);
  static natsStatus onDetach(void* userData);

  natsStatus submit(const Op& op) noexcept;
  void apply(const Op& op);
  void updateWatcher();
  void onIo(ev::IoWatcher& watcher, int events) override;
  void onTimer(ev::Timer& timer) override;

  // Passed by argument (not owned)
  ev::EventLoop& d_loop;
  ReadListener* d_listener;
  natsConnection* d_conn{nullptr};
  // Owned
  ev::IoWatcher d_io;
  // Keeps the loop alive while cnats reconnects: the io watcher is stopped then, and a
  // program whose only work is the bus would otherwise see ev_run return.
  ev::Timer d_keepAlive;
  ev::AsyncInbox<Op> d_ops;
  // State
  std::thread::id d_loopThread;
  int d_fd{-1};
  bool d_wantRead{false};
  bool d_wantWrite{false};
  std::atomic<uint64_t> d_crossThreadOps{0};
};

}
