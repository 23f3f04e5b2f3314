// The bytes a client sends on a channel, on their way into the command's
// stdin pipe (non-blocking), window-bounded.
//
// Two sources feed the pipe, in this order of the stream: the bytes queued
// here (at most `cap`), then what the SSH library still holds for the
// channel (its buffer, beyond what the data callback took). Offer() is the
// data callback's half: with nothing queued it writes straight to the pipe,
// then queues what fits under the cap and returns how much it took (the
// rest stays with the library, whose window then stops the client). Drain()
// is the pipe-writable half: it flushes the queue, then pulls from the
// library (`pull`) and flushes again, until the pipe is full, the pull has
// nothing, or the pipe is gone.
//
// The pull may call Offer() re-entrantly (libssh's ssh_channel_read_* runs
// the session's pending packets, hence the data callback, when its buffer
// is empty): whatever Offer() queues or writes there stays in stream order
// and is flushed before Drain() returns kIdle. kIdle therefore means every
// byte offered or pulled is in the pipe.
//
// The pump does not own the descriptor: it reads `*fd` at each step (the
// owner sets it to -1 when it closes the pipe, also from a callback run
// inside `pull`).
#ifndef ORGALORG_TESTS_FLEET_STDIN_PUMP_H_
#define ORGALORG_TESTS_FLEET_STDIN_PUMP_H_

#include <cstddef>
#include <functional>
#include <string>

namespace fleet {

class StdinPump {
 public:
  enum class Result {
    kIdle,     // Nothing queued, nothing more to pull now.
    kBlocked,  // The pipe is full: call Drain() again when it is writable.
    kBroken,   // The pipe is closed or failed (EPIPE): stdin is over.
  };
  // Pulls at most `size` bytes into `buffer`: > 0 bytes, otherwise nothing
  // now (0) or no more ever (< 0).
  using Pull = std::function<int(char* buffer, size_t size)>;

  StdinPump(const int* fd, size_t cap) : fd_(fd), cap_(cap) {}

  // Takes what it can of `data`; returns the bytes taken (all of them when
  // the pipe is broken: they are dropped, as a closed pipe would).
  size_t Offer(const char* data, size_t len);
  Result Drain(const Pull& pull);

  bool queued() const { return !queue_.empty(); }
  bool broken() const { return broken_; }
  void Clear() { queue_.clear(); }

 private:
  Result Flush();

  const int* fd_;
  size_t cap_;
  std::string queue_;
  bool broken_ = false;
};

}  // namespace fleet

#endif  // ORGALORG_TESTS_FLEET_STDIN_PUMP_H_
