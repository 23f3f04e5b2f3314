#include "app/batches.h"

#include <fmt/format.h>

#include <algorithm>

namespace app {
namespace {

std::string Hosts(size_t count) { return fmt::format("{} host{}", count, count == 1 ? "" : "s"); }

// Waits `wait` on the loop, or less when the stop comes first.
util::Status Pause(loop::EventLoop* loop, loop::Milliseconds wait, const cluster::Stop& stop) {
  if (wait.count() <= 0) return util::Status::Ok();
  bool waited = false;
  loop::EventLoop::TimerId timer = loop->AddTimerAfter(wait, [&waited] { waited = true; });
  util::Status status = loop->RunUntil([&] { return waited || stop.requested(); });
  if (!waited) loop->CancelTimer(timer);
  return status;
}

size_t CountFailed(const std::vector<cluster::HostOutcome>& outcomes) {
  return std::count_if(outcomes.begin(), outcomes.end(), [](const cluster::HostOutcome& o) { return !o.ok(); });
}

// Every node from `first` on was never started.
void MarkNotStarted(const cluster::Nodes& nodes, size_t first, cluster::RunResult* run, output::Output* out) {
  util::Status not_started = util::Status::Error("not started");
  for (size_t i = first; i < nodes.size(); ++i) {
    run->outcomes.push_back(cluster::HostOutcome{nodes[i].ref.display, -1, not_started});
    out->HostEnd(nodes[i].ref, std::nullopt, not_started);
  }
}

util::Status Halted(size_t batch, size_t batches, size_t failed, size_t started, size_t left,
                    const cli::Amount& limit) {
  return util::Status::Error(fmt::format(
      "rollout stopped after batch {}/{}: {} of {} started failed, more than --max-fail {}; {} not started",
      batch, batches, Hosts(failed), Hosts(started), cli::AmountText(limit), Hosts(left)));
}

}  // namespace

Rollout RunInBatches(loop::EventLoop* loop, cluster::Nodes* nodes, const cluster::RunSpec& spec,
                     const BatchPlan& plan, output::Output* out, const cluster::Stop& stop,
                     const BatchRunner& run_batch) {
  std::vector<size_t> counts = cli::BatchCounts(plan.sizes, nodes->size());
  Rollout rollout;
  std::vector<cluster::HostOutcome>& outcomes = rollout.run.outcomes;
  size_t started = 0;
  for (size_t b = 0; b < counts.size(); ++b) {
    if (b > 0) rollout.run.error = Pause(loop, plan.wait, stop);
    if (!rollout.run.error.ok() || stop.requested()) break;
    std::string label = fmt::format("batch {}/{}", b + 1, counts.size());
    out->Log(output::Level::kInfo, label + ": " + Hosts(counts[b]));
    cluster::RunSpec batch_spec = spec;
    batch_spec.status_label = label + ": exec";
    cluster::RunResult ran = run_batch(std::span<cluster::Node>(*nodes).subspan(started, counts[b]), batch_spec);
    outcomes.insert(outcomes.end(), ran.outcomes.begin(), ran.outcomes.end());
    started += counts[b];
    rollout.run.error = ran.error;
    if (!ran.error.ok() || stop.requested() || started == nodes->size()) break;
    size_t failed = CountFailed(outcomes);
    if (cli::TooManyFailed(plan.max_fail, failed, started)) {
      rollout.halted = Halted(b + 1, counts.size(), failed, started, nodes->size() - started, plan.max_fail);
      break;
    }
  }
  rollout.started = started;
  MarkNotStarted(*nodes, started, &rollout.run, out);
  return rollout;
}

}  // namespace app
