#include "ssh/send_budget.h"

#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>

namespace ssh {

size_t SendBudget::Grant(size_t wanted) {
  size_t room = Room();
  size_t n = std::min(wanted, room);
  if (room < wanted) {
    waiting_for_room_ = true;
    if (n < kMinSendChunk && !writable_credit_) n = 0;
  }
  return n;
}

size_t SendBudget::Room() {
  if (room_) return *room_;
  std::optional<Reading> reading = reader_();
  if (!reading) return kMinSendChunk;  // Unknown: allow a modest write.
  if (reading->unsent) {
    room_ = 0;
    return 0;
  }
  // The kernel reports twice the payload it accepts (bookkeeping overhead);
  // stay under the payload estimate so that what we write goes to the
  // kernel at once instead of waiting in libssh's buffer.
  long sndbuf = reading->sndbuf;
  long room = sndbuf / 2 - reading->queued;
  // At EPOLLOUT the kernel had a third of the buffer free.
  if (writable_credit_) room = std::max(room, sndbuf / 4);
  room_ = room > 0 ? static_cast<size_t>(room) : 0;
  return *room_;
}

void SendBudget::Consume(size_t bytes) {
  if (bytes > 0) writable_credit_ = false;
  if (!room_) return;
  // libssh adds a header, padding and a MAC to every packet of <= 32 KiB.
  size_t cost = bytes + (bytes / kMinSendChunk + 1) * 128;
  *room_ = *room_ > cost ? *room_ - cost : 0;
}

void SendBudget::NewEvent(bool writable) {
  room_.reset();
  if (writable) {
    writable_credit_ = true;
    waiting_for_room_ = false;
  }
}

std::optional<SendBudget::Reading> ReadSendQueue(int fd, int fixed_sndbuf) {
  SendBudget::Reading reading;
  reading.sndbuf = fixed_sndbuf;
  socklen_t len = sizeof(reading.sndbuf);
  if (fd < 0 ||
      (fixed_sndbuf == 0 && getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &reading.sndbuf, &len) != 0) ||
      ioctl(fd, SIOCOUTQ, &reading.queued) != 0) {
    return std::nullopt;
  }
  return reading;
}

int FixSendBuffer(int fd, int bytes) {
  int granted = 0;
  socklen_t len = sizeof(granted);
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes)) != 0 ||
      getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &granted, &len) != 0) {
    return 0;
  }
  return granted;
}

}  // namespace ssh
