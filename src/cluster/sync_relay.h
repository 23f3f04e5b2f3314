// The orgalorg side of the sync protocol (doc/protocol.md) for one run.
//
// Owns what is written to every sync tool's stdin: the opening (HELLO, one
// NODE per host with CURRENT on the receiver's own line, START) and every
// SYNC relayed from any tool to all tools, the sender included, in the one
// order in which orgalorg received them. Lines a tool's window can't take
// yet wait and go out on its next on_writable; a tool that has exited is
// dropped. Pure bookkeeping plus Channel::Write; single-threaded like the
// event loop.
//
// Memory and writes stay linear in the host count although every tool gets
// N NODE lines and every SYNC goes to N tools (N * N lines in all): the
// opening is rendered from the host list a few KiB at a time as the tool's
// window takes it, and the relayed lines are one shared log with an offset
// per tool. With `defer` (the event loop's Post, or a timer for a delay),
// relayed lines are written to the tools in one write per tool per flush.
// A flush that took t starts the next one no sooner than max(t, gap) after
// it ends, with gap = 0.5 ms per tool (at most 2 s): at most half the
// loop's time goes to relaying, and lines that trickle in (tools answer as
// their processes start) go out together instead of one SSH packet per
// line per tool, N * N writes in all. A line that comes after a quiet
// spell goes out at once; the others wait at most the gap (5 ms for 10
// tools, 0.5 s for 1,000). Without `defer`, at once.
#ifndef ORGALORG_CLUSTER_SYNC_RELAY_H_
#define ORGALORG_CLUSTER_SYNC_RELAY_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "output/output.h"
#include "cluster/exec.h"

namespace cluster {

class SyncRelay {
 public:
  // `identities` are the hosts' `[user@host:port]`, in host order.
  // Runs the task later (never inside the call), after `delay` if not 0.
  using Defer = std::function<void(std::chrono::microseconds delay, std::function<void()>)>;
  SyncRelay(std::string prefix, std::vector<std::string> identities, output::Output* out,
            std::vector<output::HostRef> refs, Defer defer = nullptr);
  ~SyncRelay() { *alive_ = false; }
  SyncRelay(const SyncRelay&) = delete;
  SyncRelay& operator=(const SyncRelay&) = delete;

  const std::string& prefix() const { return prefix_; }

  // The tool of host `index` runs on `channel` (the opening and any SYNC
  // relayed so far are already queued for it).
  void Attach(size_t index, ExecChannel* channel);
  // Sends what the window takes (call from on_writable).
  void Flush(size_t index);
  // The tool of host `index` has exited (or failed): forget it.
  void Detach(size_t index);
  // Sends EOF to every tool still attached (after a tool failed).
  void CloseAll();

  // Handles one complete stdout line of host `index`'s tool. Returns true
  // when it was a protocol line (consumed), false for user output.
  bool OnToolLine(size_t index, std::string_view line);

  // Bytes waiting for host `index`'s tool (for tests).
  std::string queued(size_t index) const;

 private:
  struct Tool {
    ExecChannel* channel = nullptr;  // Null until the tool's channel exists.
    bool gone = false;                // Exited: nothing more is sent.
    size_t next = 0;         // Next opening line: 0 HELLO, 1..N NODE, N+1 START.
    std::string pending;     // Opening bytes rendered, not yet taken.
    size_t log_offset = 0;   // Bytes of log_ taken.
  };
  std::string OpeningLine(size_t index, size_t line) const;
  void Render(size_t index);
  void FlushAll();
  // Defers a FlushAll, no sooner than next_flush_ (see the top).
  void ScheduleFlush();
  // The least time between two flushes: 0.5 ms per tool, at most 2 s.
  std::chrono::steady_clock::duration FlushGap() const;

  std::string prefix_;
  std::vector<std::string> identities_;
  output::Output* out_;
  std::vector<output::HostRef> refs_;
  std::vector<Tool> tools_;
  std::string log_;  // Every relayed SYNC line, in order.
  Defer defer_;
  bool flush_queued_ = false;
  std::chrono::steady_clock::time_point next_flush_{};  // Not before this.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_SYNC_RELAY_H_
