#include "loop/inbox.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

namespace loop {

Inbox::Inbox(EventLoop* loop) : loop_(loop) {
  event_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (event_fd_ < 0) {
    status_ = util::Status::Error(std::string("can't create an eventfd: ") + std::strerror(errno));
    return;
  }
  watch_ = loop_->Watch(event_fd_, kReadable, [this](uint32_t) { Drain(); }, false, &status_);
}

Inbox::~Inbox() {
  if (watch_ != 0) loop_->Unwatch(watch_);
  if (event_fd_ >= 0) close(event_fd_);
}

void Inbox::Push(EventLoop::Task task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queued_.push_back(std::move(task));
  }
  uint64_t one = 1;
  // Fails only when the counter is saturated, which still wakes the loop.
  [[maybe_unused]] ssize_t written = write(event_fd_, &one, sizeof one);
}

void Inbox::Drain() {
  uint64_t count = 0;
  [[maybe_unused]] ssize_t got = read(event_fd_, &count, sizeof count);
  std::vector<EventLoop::Task> tasks;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks.swap(queued_);
  }
  for (EventLoop::Task& task : tasks) task();
}

}  // namespace loop
