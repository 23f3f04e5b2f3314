// Tasks handed to an event loop from other threads.
//
// Contract:
//  * Construct before the loop runs or on its thread; destroy on its thread
//    (or once it no longer runs). The Inbox must outlive every Push().
//  * Push() may be called from any thread. Each task runs once, on the
//    loop's thread, in the order pushed, never inside Push().
//  * The inbox's watch does not keep Run() going (keeps_loop_alive false),
//    but it counts as a watch for RunUntil(), so a phase waiting for pushed
//    work sleeps until it arrives.
//  * Tasks still queued when the Inbox is destroyed are destroyed unrun.
#ifndef ORGALORG_LOOP_INBOX_H_
#define ORGALORG_LOOP_INBOX_H_

#include <mutex>
#include <vector>

#include "loop/event_loop.h"
#include "util/status.h"

namespace loop {

class Inbox {
 public:
  explicit Inbox(EventLoop* loop);
  ~Inbox();
  Inbox(const Inbox&) = delete;
  Inbox& operator=(const Inbox&) = delete;

  // OK when the eventfd and its watch could be set up.
  const util::Status& status() const { return status_; }
  void Push(EventLoop::Task task);

 private:
  void Drain();  // Loop thread: runs what was pushed so far.

  EventLoop* loop_;
  util::Status status_;
  int event_fd_ = -1;
  EventLoop::WatchId watch_ = 0;
  std::mutex mutex_;
  std::vector<EventLoop::Task> queued_;  // Guarded by mutex_.
};

}  // namespace loop

#endif  // ORGALORG_LOOP_INBOX_H_
