#include "stdin_pump.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace fleet {

size_t StdinPump::Offer(const char* data, size_t len) {
  if (*fd_ < 0 || broken_) return len;
  size_t used = 0;
  if (queue_.empty()) {
    ssize_t n = write(*fd_, data, len);
    if (n > 0) used = n;
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      broken_ = true;
      queue_.clear();
      return len;
    }
  }
  size_t room = cap_ - std::min(cap_, queue_.size());
  size_t take = std::min(len - used, room);
  queue_.append(data + used, take);
  return used + take;
}

StdinPump::Result StdinPump::Flush() {
  while (!queue_.empty()) {
    if (*fd_ < 0 || broken_) return Result::kBroken;
    ssize_t n = write(*fd_, queue_.data(), queue_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return Result::kBlocked;
    if (n < 0) {
      broken_ = true;
      queue_.clear();
      return Result::kBroken;
    }
    queue_.erase(0, n);
  }
  return Result::kIdle;
}

StdinPump::Result StdinPump::Drain(const Pull& pull) {
  char buffer[32768];
  for (;;) {
    Result flushed = Flush();
    if (flushed != Result::kIdle) return flushed;
    if (*fd_ < 0 || broken_) return Result::kBroken;
    int n = pull(buffer, sizeof buffer);  // May Offer() (queue or write) before it returns.
    if (*fd_ < 0 || broken_) return Result::kBroken;
    if (n > 0) {
      queue_.append(buffer, n);  // After anything Offer() queued: those bytes came first.
    } else if (queue_.empty()) {
      return Result::kIdle;
    }
  }
}

}  // namespace fleet
