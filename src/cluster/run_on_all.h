// Runs one remote command line on every connected node of `nodes` at once
// (all of a run's nodes, or one batch of them).
//
// Starts one exec channel per node on its existing session, streams output
// through HostOutput, feeds stdin from StdinFeeder (-i, or empty), and waits
// until every command has ended, every connection has died, or `stop` is
// requested. On interruption every running command is sent
// SIGTERM and its channel closed, so nothing keeps running remotely.
// With a timeout, a command still running that long after it started is
// stopped the same way on its host alone (the cleanup command, then SIGTERM
// and close), and the host fails with "timed out after N ms" while the
// others go on.
// Returns one outcome per node, in node order.
#ifndef ORGALORG_CLUSTER_RUN_ON_ALL_H_
#define ORGALORG_CLUSTER_RUN_ON_ALL_H_

#include <span>
#include <string>
#include <vector>

#include "cluster/exit_summary.h"
#include "cluster/node.h"
#include "cluster/stop.h"
#include "cluster/sync_relay.h"
#include "loop/event_loop.h"
#include "output/fold_buffer.h"
#include "output/output.h"

namespace cluster {

struct RunSpec {
  std::string command;     // The full remote command line.
  std::string stdin_file;  // -i; empty: the remote stdin is empty.
  bool serial = false;     // -l
  // Run on the busy nodes when interrupted (see remote_cleanup.h).
  std::string cleanup_command;
  // Sync mode with the protocol: the relay owns every tool's stdin (so
  // stdin_file must be empty). A tool that fails makes the relay send EOF
  // to every other tool, so none waits forever for its SYNC.
  SyncRelay* relay = nullptr;
  // --fold: host output goes here instead of to the terminal.
  output::FoldBuffer* fold = nullptr;
  // --timeout: the longest a command may run on a host; 0: no limit.
  loop::Milliseconds timeout{0};
  // The status line's first word(s): "exec", or "batch 2/4: exec".
  std::string status_label = "exec";
  // False: no end record per host (--json "exit"), for a housekeeping step
  // on hosts whose end was already reported.
  bool report_ends = true;
};

// When `stop` was requested, the hosts still running end with "interrupted".
struct RunResult {
  std::vector<HostOutcome> outcomes;
  util::Status error;  // A local failure (e.g. the stdin file can't be read).
};

RunResult RunOnAll(loop::EventLoop* loop, std::span<Node> nodes, const RunSpec& spec,
                   output::Output* out, const Stop& stop);

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_RUN_ON_ALL_H_
