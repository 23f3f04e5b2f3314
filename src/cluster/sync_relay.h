// The orgalorg side of the sync protocol (doc/protocol.md) for one run.
//
// Owns what is written to every sync tool's stdin: the opening (HELLO, one
// NODE per host with CURRENT on the receiver's own line, START) and every
// SYNC relayed from any tool to all tools, the sender included, in the one
// order in which orgalorg received them. Lines a tool's window can't take
// yet wait in that tool's queue and go out on its next on_writable; a tool
// that has exited is dropped with its queue. Pure bookkeeping plus
// Channel::Write; single-threaded like the event loop.
#ifndef ORGALORG_CLUSTER_SYNC_RELAY_H_
#define ORGALORG_CLUSTER_SYNC_RELAY_H_

#include <string>
#include <string_view>
#include <vector>

#include "output/output.h"
#include "cluster/exec.h"

namespace cluster {

class SyncRelay {
 public:
  // `identities` are the hosts' `[user@host:port]`, in host order.
  SyncRelay(std::string prefix, std::vector<std::string> identities, output::Output* out,
            std::vector<output::HostRef> refs);

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
  const std::string& queued(size_t index) const { return tools_[index].queue; }

 private:
  struct Tool {
    ExecChannel* channel = nullptr;  // Null until the tool's channel exists.
    std::string queue;                // Bytes not yet taken by the channel.
    bool gone = false;                // Exited: nothing more is queued.
  };
  void Send(size_t index, std::string_view line);

  std::string prefix_;
  std::vector<std::string> identities_;
  output::Output* out_;
  std::vector<output::HostRef> refs_;
  std::vector<Tool> tools_;
};

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_SYNC_RELAY_H_
