// The command phase of a rollout (--batch): the run's nodes, already
// connected and locked, are run batch by batch under the one lock.
//
// RunInBatches() cuts the nodes, in host-list order, into batches of the
// sizes cli::BatchCounts() gives, and runs each with `run_batch` once the
// previous one has ended, after a pause of `wait` (a loop timer, cut short
// by the stop). Before each batch it says so on stderr
// (`batch 2/4: 10 hosts`), and the status line carries the batch. After a
// batch, when cli::TooManyFailed(max_fail, hosts failed so far, hosts
// started so far) holds, no further batch starts and `halted` says why
// (which batch, how many failed, the limit). A requested stop (Ctrl-C, a
// lost lock) or a local error ends the rollout the same way, without
// `halted`. Every host that was never started ends with the error
// "not started" (and its --json exit record).
#ifndef ORGALORG_APP_BATCHES_H_
#define ORGALORG_APP_BATCHES_H_

#include <functional>
#include <span>
#include <vector>

#include "cli/batch_spec.h"
#include "cluster/node.h"
#include "cluster/run_on_all.h"
#include "cluster/stop.h"
#include "loop/event_loop.h"
#include "output/output.h"
#include "util/status.h"

namespace app {

struct BatchPlan {
  std::vector<cli::Amount> sizes;
  cli::Amount max_fail;
  loop::Milliseconds wait{0};
};

// Runs one batch: its nodes, and the run's spec with the batch's status label.
using BatchRunner = std::function<cluster::RunResult(std::span<cluster::Node>, const cluster::RunSpec&)>;

struct Rollout {
  cluster::RunResult run;  // One outcome per node, in node order.
  util::Status halted;     // Set when --max-fail stopped the rollout.
  size_t started = 0;      // Nodes [0, started) were started.
};

Rollout RunInBatches(loop::EventLoop* loop, cluster::Nodes* nodes, const cluster::RunSpec& spec,
                     const BatchPlan& plan, output::Output* out, const cluster::Stop& stop,
                     const BatchRunner& run_batch);

}  // namespace app

#endif  // ORGALORG_APP_BATCHES_H_
