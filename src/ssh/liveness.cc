#include "ssh/liveness.h"

#include <netinet/in.h>
#include <linux/tcp.h>  // struct tcp_info with tcpi_bytes_received
#include <sys/socket.h>

#include <algorithm>
#include <cstddef>

namespace ssh {

void Liveness::Start(TimePoint now, std::optional<uint64_t> kernel_count) {
  last_receive_ = last_keep_alive_ = now;
  if (kernel_count) NoteKernelCount(*kernel_count, now);
}

void Liveness::NoteReceived(TimePoint now) { last_receive_ = now; }

void Liveness::NoteKernelCount(uint64_t bytes_received, TimePoint now) {
  if (bytes_received == bytes_received_) return;
  bytes_received_ = bytes_received;
  last_receive_ = std::max(last_receive_, now);
}

Liveness::Decision Liveness::Check(TimePoint now) {
  Decision decision;
  if (dead_after_.count() > 0 && now - last_receive_ >= dead_after_) {
    decision.dead = true;
    return decision;
  }
  if (keep_alive_.count() > 0) {
    TimePoint idle_since = std::max(last_receive_, last_keep_alive_);
    if (now - idle_since >= keep_alive_) {
      decision.send_keep_alive = true;
      last_keep_alive_ = idle_since = now;
    }
    decision.next = idle_since + keep_alive_;
  }
  if (dead_after_.count() > 0) {
    decision.next = std::min(decision.next, last_receive_ + dead_after_);
  }
  return decision;
}

std::optional<uint64_t> KernelBytesReceived(int fd) {
  tcp_info info{};
  socklen_t length = sizeof info;
  if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0 ||
      length < offsetof(tcp_info, tcpi_bytes_received) + sizeof info.tcpi_bytes_received) {
    return std::nullopt;
  }
  return info.tcpi_bytes_received;
}

}  // namespace ssh
