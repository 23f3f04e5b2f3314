// How many bytes one connection's socket can take now, so that bulk channel
// writes go to the kernel at once instead of piling up in libssh's own
// (unbounded) output buffer.
//
// Contract:
//  * One SendBudget per established Session, shared by its channels. The
//    session reports each readiness event (NewEvent) and forgets the answer
//    after it pumped libssh (Forget); channels ask Grant() before a write
//    and report what the write took (Consume).
//  * The kernel is asked (through the Reader) at most once per readiness
//    event; writes in between consume that answer, which can only err on
//    the low side. Unknown readings allow one modest write (kMinSendChunk).
//  * After EPOLLOUT, and until the next write, at least a quarter of the
//    send buffer is granted (the kernel signals writability with a third
//    free): the kernel's writability and our payload estimate disagree on a
//    socket whose queue sits in a qdisc, and a channel that waited for
//    EPOLLOUT must then get to write, or it asks for EPOLLOUT again at once,
//    forever.
//  * A write limited by the socket (not by the data or the peer's window)
//    marks the budget waiting: the session then asks for EPOLLOUT.
//  * Pure bookkeeping: no I/O except through the Reader, so it is
//    unit-tested with given readings. Single-threaded.
#ifndef ORGALORG_SSH_SEND_BUDGET_H_
#define ORGALORG_SSH_SEND_BUDGET_H_

#include <cstddef>
#include <functional>
#include <optional>

namespace ssh {

// Smallest bulk write worth making (one SSH packet with OpenSSH's sshd).
inline constexpr size_t kMinSendChunk = 32758;

class SendBudget {
 public:
  // The socket as the kernel (and libssh) see it at one moment.
  struct Reading {
    bool unsent = false;  // libssh still holds bytes: nothing more fits.
    int sndbuf = 0;       // SO_SNDBUF: twice the payload the kernel accepts.
    int queued = 0;       // SIOCOUTQ: bytes in the kernel's send queue.
  };
  // Returns the current reading, or nullopt when the kernel can't tell.
  using Reader = std::function<std::optional<Reading>()>;

  explicit SendBudget(Reader reader) : reader_(std::move(reader)) {}
  SendBudget(const SendBudget&) = delete;
  SendBudget& operator=(const SendBudget&) = delete;

  // For channels. Of `wanted` bytes (what the data and the peer's window
  // allow), how many to write now; 0 means wait for on_writable. A nearly
  // full socket would take a small packet that costs as much overhead
  // (padding, MAC, a send) as a full one, so below kMinSendChunk nothing is
  // granted until the kernel's writable signal; after it, whatever fits
  // (so that a small send buffer can't stall the channel).
  size_t Grant(size_t wanted);
  // Bytes the socket can take now (0: none).
  size_t Room();
  // A write took `bytes`: they (and libssh's packet overhead) use up room.
  void Consume(size_t bytes);

  // For the session. A readiness event: the kernel may have sent data, and
  // `writable` (EPOLLOUT) grants the credit above and ends the waiting.
  void NewEvent(bool writable);
  // The kernel may have sent data since the last reading: ask again.
  void Forget() { room_.reset(); }
  // A channel waits for socket space: the session wants EPOLLOUT.
  bool waiting_for_room() const { return waiting_for_room_; }

 private:
  Reader reader_;
  std::optional<size_t> room_;     // This event's answer, minus writes.
  bool writable_credit_ = false;   // EPOLLOUT seen, nothing written since.
  bool waiting_for_room_ = false;  // A write was limited by the socket.
};

// The kernel side of a Reader: SO_SNDBUF (unless `fixed_sndbuf` > 0, a size
// set by hand, which no longer moves) and SIOCOUTQ of `fd`; nullopt when
// either can't be read.
std::optional<SendBudget::Reading> ReadSendQueue(int fd, int fixed_sndbuf);
// Sets SO_SNDBUF of `fd` to `bytes` and returns the size the kernel chose,
// or 0 when it can't be set or read back.
int FixSendBuffer(int fd, int bytes);

}  // namespace ssh

#endif  // ORGALORG_SSH_SEND_BUDGET_H_
