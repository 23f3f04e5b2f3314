// One epoll set plus a timer queue, driving every session of a run.
//
// Contract:
//  * Single-threaded: every method must be called from the thread that runs
//    the loop (or before it runs). Callbacks run on that thread.
//  * Fd watches are level-triggered. A callback may add, change or remove any
//    watch or timer, including its own, and may destroy the object that owns
//    it; removed watches and cancelled timers never fire afterwards.
//  * Timers are one-shot; components keep at most one timer for their next
//    deadline and re-arm it when it fires (mosh-style), so the cost of a
//    deadline change is O(log n) and the loop never scans all components.
//  * Run() returns when Stop() was called or when no "work" is left: no
//    watch created with keeps_loop_alive, no timer and no posted task.
//    Watches for long-lived helpers (a signal self-pipe) should pass
//    keeps_loop_alive = false so that they do not keep the loop running.
//  * RunUntil(done, deadline) is how a phase waits: it sleeps until the next
//    event, timer or the deadline (never a polling slice), so `done` must be
//    made true by a callback of this loop (a signal reaches the loop through
//    a watched self-pipe, a timeout through a timer).
//  * The loop does not own the watched fds; the caller closes them after
//    Unwatch().
#ifndef ORGALORG_LOOP_EVENT_LOOP_H_
#define ORGALORG_LOOP_EVENT_LOOP_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "loop/clock.h"
#include "util/status.h"

namespace loop {

// Interest and readiness bits of an fd watch.
enum FdEvent : uint32_t {
  kReadable = 1u << 0,
  kWritable = 1u << 1,
  kFdError = 1u << 2,  // Error or hang-up; reported together with both of the above.
};

class EventLoop {
 public:
  using WatchId = uint64_t;
  using TimerId = uint64_t;
  using FdCallback = std::function<void(uint32_t events)>;
  using TimerCallback = std::function<void()>;
  using Task = std::function<void()>;

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // OK when the epoll instance could be created (check before use) and no
  // epoll_wait has failed since.
  const util::Status& status() const { return status_; }

  // Starts watching `fd` for `interest` (kReadable|kWritable). Returns 0 and
  // sets *error on failure (e.g. the fd is already watched).
  WatchId Watch(int fd, uint32_t interest, FdCallback callback,
                bool keeps_loop_alive = true, util::Status* error = nullptr);
  // Changes the interest set; a no-op if it is unchanged.
  void Modify(WatchId id, uint32_t interest);
  void Unwatch(WatchId id);

  // Calls `callback` once at or after `when`.
  TimerId AddTimer(TimePoint when, TimerCallback callback);
  TimerId AddTimerAfter(Milliseconds delay, TimerCallback callback) {
    return AddTimer(Clock::now() + delay, std::move(callback));
  }
  void CancelTimer(TimerId id);

  // Runs `task` on the next iteration (never inside the caller's frame).
  void Post(Task task);

  // Waits at most `timeout` for events, then dispatches ready fds, due
  // timers and posted tasks. Returns false when there is no work left.
  bool RunOnce(Milliseconds timeout);
  // Loops until Stop() or no work is left.
  void Run();
  // Runs the loop until `done()` holds (checked first, then after every
  // round of callbacks), `deadline` passes, or nothing is left that could
  // change anything (no watch of any kind, no timer, no task). Returns an
  // error only when the loop itself failed (epoll_wait); the caller tells
  // the other ends apart by asking `done()` again.
  util::Status RunUntil(const std::function<bool()>& done, TimePoint deadline = TimePoint::max());
  // Makes Run() return after the current iteration. Safe from callbacks.
  void Stop() { stopped_ = true; }

  size_t watch_count() const { return watches_.size(); }
  size_t timer_count() const { return timers_.size(); }

 private:
  struct WatchEntry {
    int fd;
    uint32_t interest;
    bool keeps_loop_alive;
    std::shared_ptr<FdCallback> callback;
  };
  using TimerQueue = std::multimap<TimePoint, std::pair<TimerId, TimerCallback>>;

  bool HasWork() const;
  int PollTimeoutMs(Milliseconds max_wait) const;
  bool Idle() const { return !HasWork() && watches_.empty(); }
  void DispatchFds(int ready);
  void DispatchTimers();
  void DispatchTasks();

  int epoll_fd_ = -1;
  util::Status status_;
  bool stopped_ = false;
  WatchId next_watch_id_ = 1;
  TimerId next_timer_id_ = 1;
  size_t alive_watches_ = 0;
  std::unordered_map<WatchId, WatchEntry> watches_;
  TimerQueue timers_;
  std::unordered_map<TimerId, TimerQueue::iterator> timer_index_;
  std::vector<Task> tasks_;
  std::vector<uint64_t> ready_ids_;
  std::vector<uint32_t> ready_events_;
};

}  // namespace loop

#endif  // ORGALORG_LOOP_EVENT_LOOP_H_
