#include "loop/event_loop.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

namespace loop {
namespace {

// Upper bound of one epoll_wait batch; more ready fds are served next round.
constexpr int kMaxEventsPerWait = 256;

uint32_t ToEpoll(uint32_t interest) {
  uint32_t events = 0;
  if (interest & kReadable) events |= EPOLLIN;
  if (interest & kWritable) events |= EPOLLOUT;
  return events;
}

uint32_t FromEpoll(uint32_t events) {
  uint32_t out = 0;
  if (events & EPOLLIN) out |= kReadable;
  if (events & EPOLLOUT) out |= kWritable;
  if (events & (EPOLLERR | EPOLLHUP)) out |= kReadable | kWritable | kFdError;
  return out;
}

}  // namespace

EventLoop::EventLoop() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) {
    status_ = util::Status::Error(std::string("can't create epoll set: ") +
                                       std::strerror(errno));
  }
}

EventLoop::~EventLoop() {
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

EventLoop::WatchId EventLoop::Watch(int fd, uint32_t interest,
                                    FdCallback callback, bool keeps_loop_alive,
                                    util::Status* error) {
  WatchId id = next_watch_id_++;
  epoll_event ev{};
  ev.events = ToEpoll(interest);
  ev.data.u64 = id;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    if (error != nullptr) {
      *error = util::Status::Error("can't watch fd " + std::to_string(fd) +
                                   ": " + std::strerror(errno));
    }
    return 0;
  }
  watches_.emplace(id, WatchEntry{fd, interest, keeps_loop_alive,
                             std::make_shared<FdCallback>(std::move(callback))});
  if (keeps_loop_alive) ++alive_watches_;
  return id;
}

void EventLoop::Modify(WatchId id, uint32_t interest) {
  auto it = watches_.find(id);
  if (it == watches_.end() || it->second.interest == interest) return;
  epoll_event ev{};
  ev.events = ToEpoll(interest);
  ev.data.u64 = id;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, it->second.fd, &ev) == 0) {
    it->second.interest = interest;
  }
}

void EventLoop::Unwatch(WatchId id) {
  auto it = watches_.find(id);
  if (it == watches_.end()) return;
  // The fd may already be closed by its owner; then the kernel dropped it.
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->second.fd, nullptr);
  if (it->second.keeps_loop_alive) --alive_watches_;
  watches_.erase(it);
}

EventLoop::TimerId EventLoop::AddTimer(TimePoint when, TimerCallback callback) {
  TimerId id = next_timer_id_++;
  auto it = timers_.emplace(when, std::make_pair(id, std::move(callback)));
  timer_index_.emplace(id, it);
  return id;
}

void EventLoop::CancelTimer(TimerId id) {
  auto it = timer_index_.find(id);
  if (it == timer_index_.end()) return;
  timers_.erase(it->second);
  timer_index_.erase(it);
}

void EventLoop::Post(Task task) { tasks_.push_back(std::move(task)); }

bool EventLoop::HasWork() const {
  return alive_watches_ > 0 || !timers_.empty() || !tasks_.empty();
}

int EventLoop::PollTimeoutMs(Milliseconds max_wait) const {
  if (!tasks_.empty()) return 0;
  Milliseconds wait = max_wait;
  if (!timers_.empty()) {
    auto until = std::chrono::ceil<Milliseconds>(timers_.begin()->first -
                                                 Clock::now());
    if (until < wait) wait = until;
  }
  if (wait.count() < 0) return 0;
  return wait.count() > INT_MAX ? INT_MAX : static_cast<int>(wait.count());
}

bool EventLoop::RunOnce(Milliseconds timeout) {
  if (Idle()) return false;
  epoll_event events[kMaxEventsPerWait];
  int ready = epoll_wait(epoll_fd_, events, kMaxEventsPerWait,
                         PollTimeoutMs(timeout));
  if (ready < 0 && errno != EINTR) {
    status_ = util::Status::Error(std::string("epoll_wait failed: ") +
                                       std::strerror(errno));
    return false;
  }
  ready_ids_.clear();
  ready_events_.clear();
  for (int i = 0; i < ready; ++i) {
    ready_ids_.push_back(events[i].data.u64);
    ready_events_.push_back(FromEpoll(events[i].events));
  }
  DispatchFds(ready < 0 ? 0 : ready);
  DispatchTimers();
  DispatchTasks();
  return HasWork();
}

void EventLoop::DispatchFds(int ready) {
  // Copy the batch: callbacks may re-enter RunOnce-free APIs that touch the
  // vectors (Watch/Unwatch do not, but be safe against nested loops).
  std::vector<uint64_t> ids(ready_ids_.begin(), ready_ids_.begin() + ready);
  std::vector<uint32_t> evs(ready_events_.begin(),
                            ready_events_.begin() + ready);
  for (int i = 0; i < ready; ++i) {
    auto it = watches_.find(ids[i]);
    if (it == watches_.end()) continue;  // Removed by an earlier callback.
    std::shared_ptr<FdCallback> callback = it->second.callback;
    (*callback)(evs[i]);
  }
}

void EventLoop::DispatchTimers() {
  TimePoint now = Clock::now();
  while (!timers_.empty() && timers_.begin()->first <= now) {
    auto it = timers_.begin();
    TimerCallback callback = std::move(it->second.second);
    timer_index_.erase(it->second.first);
    timers_.erase(it);
    callback();
  }
}

void EventLoop::DispatchTasks() {
  std::vector<Task> tasks;
  tasks.swap(tasks_);
  for (Task& task : tasks) task();
}

void EventLoop::Run() {
  stopped_ = false;
  RunUntil([this] { return stopped_ || !HasWork(); });
}

util::Status EventLoop::RunUntil(const std::function<bool()>& done, TimePoint deadline) {
  while (status_.ok() && !done() && !Idle()) {
    TimePoint now = Clock::now();
    if (now >= deadline) break;
    RunOnce(std::chrono::ceil<Milliseconds>(deadline - now));
  }
  return status_;
}

}  // namespace loop
