// Runs one short housekeeping command on each of several hosts at once and
// waits a bounded time for them all: the cleanup after a stop
// (remote_cleanup.h) and the removal of a killed relay receiver's directory
// (relay_cleanup.h). No output is read; only exit statuses are kept.
#ifndef ORGALORG_CLUSTER_QUICK_COMMANDS_H_
#define ORGALORG_CLUSTER_QUICK_COMMANDS_H_

#include <span>
#include <string>
#include <vector>

#include "cluster/node.h"
#include "loop/event_loop.h"
#include "util/status.h"

namespace cluster {

struct QuickCommand {
  size_t node;          // Index into the run's nodes.
  std::string command;  // The full remote command line.
};

// The status each command ended with, in the order given: its exit status,
// or kQuickNotRun when its host was not connected, the exec request failed
// or it had not ended by the deadline. `waited` is an error only when the
// event loop itself failed: a wait that ran out is not one (the commands
// still running show as kQuickNotRun).
inline constexpr int kQuickNotRun = -1;
struct QuickResult {
  std::vector<int> statuses;
  util::Status waited;
};

// Starts every command on its node's connection (skipping nodes no longer
// connected), runs the loop until all have ended or `wait` has passed, then
// closes every channel.
QuickResult RunQuickCommands(loop::EventLoop* loop, std::span<Node> nodes, const std::vector<QuickCommand>& commands,
                             loop::Milliseconds wait);

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_QUICK_COMMANDS_H_
