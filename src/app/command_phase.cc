// The last phase of command and sync mode (declared in setup.h): the
// command on every node at once, or batch by batch (--batch).
#include <memory>

#include "app/batches.h"
#include "app/setup.h"
#include "cluster/fold_report.h"

namespace app {
namespace {

// RunOnAll on `nodes`, with its own --fold buffer and report when asked.
cluster::RunResult RunPhase(RunContext& context, const cli::Options& options, std::span<cluster::Node> nodes,
                            cluster::RunSpec spec) {
  std::unique_ptr<output::FoldBuffer> fold;
  if (options.fold) {
    fold = std::make_unique<output::FoldBuffer>(nodes.size());
    spec.fold = fold.get();
  }
  cluster::RunResult result = cluster::RunOnAll(&context.loop(), nodes, spec, context.out(), context.stop());
  if (fold) {
    util::Status written = cluster::WriteFoldReport(context.out(), *fold, result.outcomes);
    if (!written.ok() && result.error.ok()) result.error = written.Wrap("--fold lost output");
  }
  return result;
}

}  // namespace

int RunAndConclude(RunContext& context, const cli::Options& options, cluster::RunSpec spec) {
  if (options.batch_sizes.empty()) return context.Conclude(RunPhase(context, options, context.nodes(), spec));
  BatchPlan plan{options.batch_sizes, options.max_fail, loop::Milliseconds(options.batch_wait_ms)};
  Rollout rollout = RunInBatches(&context.loop(), &context.nodes(), spec, plan, context.out(), context.stop(),
                                 [&](std::span<cluster::Node> batch, const cluster::RunSpec& batch_spec) {
                                   return RunPhase(context, options, batch, batch_spec);
                                 });
  return context.Conclude(rollout.run, rollout.halted);
}

}  // namespace app
