#include "cluster/exit_summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace cluster {
namespace {

util::Status HostFailure(const HostOutcome& outcome) {
  if (!outcome.error.ok()) return outcome.error.Wrap(outcome.host);
  return util::Status::Error(fmt::format("{}: exit code {}", outcome.host, outcome.exit_code));
}

}  // namespace

util::Status Summarize(const std::vector<HostOutcome>& outcomes) {
  size_t failed = std::count_if(outcomes.begin(), outcomes.end(),
                                [](const HostOutcome& o) { return !o.ok(); });
  if (failed == 0) return util::Status::Ok();
  size_t total = outcomes.size();

  if (failed < total) {
    util::Status summary = util::Status::Error(
        fmt::format("commands are failed on {} out of {} nodes", failed, total));
    for (const HostOutcome& outcome : outcomes) {
      if (!outcome.ok()) summary.AddCause(HostFailure(outcome));
    }
    return summary;
  }

  util::Status summary = util::Status::Error(fmt::format("commands are failed on all {} nodes", total));
  std::map<int, size_t> by_code;
  for (const HostOutcome& outcome : outcomes) {
    if (outcome.error.ok()) ++by_code[outcome.exit_code];
  }
  std::vector<std::pair<int, size_t>> groups(by_code.begin(), by_code.end());
  std::stable_sort(groups.begin(), groups.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [code, count] : groups) {
    summary.AddCause(util::Status::Error(
        fmt::format("code {} ({} node{})", code, count, count == 1 ? "" : "s")));
  }
  for (const HostOutcome& outcome : outcomes) {
    if (!outcome.error.ok()) summary.AddCause(HostFailure(outcome));
  }
  return summary;
}

}  // namespace cluster
