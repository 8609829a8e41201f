#pragma once
// The single door into a loop thread: any thread posts items, the loop thread handles
// them in order. Posting never blocks on the loop; the queue is swapped out under the lock
// so handlers run without holding it.
#include "common/ev/Watchers.hpp"

#include <deque>
#include <functional>
#include <mutex>
#include <utility>

namespace talk::ev {

template <typename T>
class AsyncInbox : private AsyncWatcher::Listener
{
public:
  using Handler = std::function<void(T&&)>;

  AsyncInbox(EventLoop& loop, Handler handler) :
    d_handler(std::move(handler)), d_watcher(loop, this)
  {
  }

  // Thread-safe.
  void post(T item)
  {
    {
      std::lock_guard lock(d_mutex);
      d_queue.push_back(std::move(item));
    }
    d_watcher.send();
  }

  // Handles what is queued now; for tests and for draining at shutdown (loop thread only).
  void drain() { onAsync(d_watcher); }

private:
  void onAsync(AsyncWatcher& /*watcher*/) override
  {
    std::deque<T> batch;
    {
      std::lock_guard lock(d_mutex);
      batch.swap(d_queue);
    }
    for (auto& item : batch) {
      d_handler(std::move(item));
    }
  }

  Handler d_handler;
  std::mutex d_mutex;
  std::deque<T> d_queue;
  AsyncWatcher d_watcher;
};

}
