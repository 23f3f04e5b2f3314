// The last phase of command and sync mode (declared in setup.h): the
// command or sync tool on every node at once, or batch by batch (--batch).
#include <fmt/format.h>

#include <memory>

#include "app/batches.h"
#include "app/setup.h"
#include "cluster/fold_report.h"

namespace app {
namespace {

// RunOnAll on `nodes`, with their own relay and --fold buffer and report
// when asked.
cluster::RunResult RunPhase(RunContext& context, const cli::Options& options, const PhaseHooks& hooks,
                            std::span<cluster::Node> nodes, cluster::RunSpec spec) {
  std::unique_ptr<cluster::SyncRelay> relay;
  if (hooks.make_relay) {
    relay = hooks.make_relay(nodes);
    spec.relay = relay.get();
  }
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

// How long the cleanup may take when the run was stopped (Ctrl-C between
// batches, a lost heartbeat): it then runs on a stop flag of its own.
constexpr loop::Milliseconds kStoppedCleanupMs{5000};

// The hooks' cleanup on the nodes from `first` on; failures are warnings.
void CleanUpNotStarted(RunContext& context, const PhaseHooks& hooks, size_t first) {
  std::span<cluster::Node> left = std::span<cluster::Node>(context.nodes()).subspan(first);
  if (hooks.not_started_cleanup.empty() || left.empty()) return;
  cluster::RunSpec spec;
  spec.command = hooks.not_started_cleanup;
  spec.status_label = "cleanup";
  spec.report_ends = false;
  cluster::Stop own;  // The run's own stop must not cancel its cleanup.
  if (context.stopped()) spec.timeout = kStoppedCleanupMs;
  cluster::RunResult result = cluster::RunOnAll(&context.loop(), left, spec, context.out(),
                                                context.stopped() ? own : context.stop());
  for (const cluster::HostOutcome& outcome : result.outcomes) {
    if (outcome.ok()) continue;
    util::Status cause = outcome.error.ok() ? util::Status::Error(fmt::format("exit code {}", outcome.exit_code))
                                            : outcome.error;
    context.out()->Warning(cause.Wrap("can't remove the run directory on " + outcome.host));
  }
}

}  // namespace

int RunAndConclude(RunContext& context, const cli::Options& options, cluster::RunSpec spec,
                   const PhaseHooks& hooks) {
  if (options.batch_sizes.empty()) {
    return context.Conclude(RunPhase(context, options, hooks, context.nodes(), spec));
  }
  BatchPlan plan{options.batch_sizes, options.max_fail, loop::Milliseconds(options.batch_wait_ms)};
  Rollout rollout = RunInBatches(&context.loop(), &context.nodes(), spec, plan, context.out(), context.stop(),
                                 [&](std::span<cluster::Node> batch, const cluster::RunSpec& batch_spec) {
                                   return RunPhase(context, options, hooks, batch, batch_spec);
                                 });
  CleanUpNotStarted(context, hooks, rollout.started);
  return context.Conclude(rollout.run, rollout.halted);
}

}  // namespace app
