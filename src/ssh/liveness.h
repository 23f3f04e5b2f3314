// When an established connection needs a keep-alive, and when a silent host
// counts as dead.
//
// Contract:
//  * Anything received proves the host alive: a readable event, or a growth
//    of the kernel's count of bytes received on the connection (TCP_INFO).
//    libssh reads the socket inside some calls (ssh_send_keepalive waits
//    for the answers), so a reply can arrive with no readable event for the
//    session: the kernel's count is the truth.
//  * After keep_alive of receive silence (counted from the last keep-alive
//    too) a keep-alive is due; the server's answer is what proves it alive.
//    After dead_after of receive silence the host is dead. Zero disables
//    either.
//  * Pure decisions on given times and counters (no clock, no I/O), so it
//    is unit-tested directly; KernelBytesReceived() is the kernel reading.
#ifndef ORGALORG_SSH_LIVENESS_H_
#define ORGALORG_SSH_LIVENESS_H_

#include <cstdint>
#include <optional>

#include "ssh/loop_names.h"

namespace ssh {

class Liveness {
 public:
  struct Decision {
    bool dead = false;             // Silent for dead_after: give up.
    bool send_keep_alive = false;  // Due now (already counted as sent).
    TimePoint next = TimePoint::max();  // When to check again.
  };

  Liveness(Milliseconds keep_alive, Milliseconds dead_after)
      : keep_alive_(keep_alive), dead_after_(dead_after) {}

  // The connection is established at `now`; `kernel_count` is the current
  // TCP_INFO count (the handshake's bytes are not news), if known.
  void Start(TimePoint now, std::optional<uint64_t> kernel_count);
  // Bytes arrived at `now` (a readable event).
  void NoteReceived(TimePoint now);
  // The kernel's count of bytes received, read at `now`.
  void NoteKernelCount(uint64_t bytes_received, TimePoint now);
  // What to do at `now`; a keep-alive it asks for counts as sent at `now`.
  Decision Check(TimePoint now);

  TimePoint last_receive() const { return last_receive_; }
  Milliseconds dead_after() const { return dead_after_; }

 private:
  Milliseconds keep_alive_;
  Milliseconds dead_after_;
  TimePoint last_receive_{};
  TimePoint last_keep_alive_{};
  uint64_t bytes_received_ = 0;  // The kernel's count at the last look.
};

// TCP_INFO's tcpi_bytes_received of `fd`, or nullopt when unavailable.
std::optional<uint64_t> KernelBytesReceived(int fd);

}  // namespace ssh

#endif  // ORGALORG_SSH_LIVENESS_H_
