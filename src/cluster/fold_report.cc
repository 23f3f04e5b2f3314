#include "cluster/fold_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>

#include "hosts/node_fold.h"

namespace cluster {
namespace {

std::string Names(const std::vector<HostOutcome>& outcomes, const std::vector<size_t>& hosts) {
  std::vector<std::string> names;
  names.reserve(hosts.size());
  for (size_t host : hosts) names.push_back(outcomes[host].host);
  return hosts::FoldAddresses(names);
}

std::string Ending(const HostOutcome& outcome) {
  if (!outcome.error.ok()) return outcome.error.ToString();
  return fmt::format("exit code {}", outcome.exit_code);
}

}  // namespace

util::Status WriteFoldReport(output::Output* out, const output::FoldBuffer& fold,
                             const std::vector<HostOutcome>& outcomes) {
  util::Status result;
  for (const std::vector<size_t>& group : fold.Groups()) {
    if (group.empty() || fold.size(group[0]) == 0) continue;
    out->HostRaw(output::Stream::kStdout,
                 fmt::format("---- {} ({}) ----\n", Names(outcomes, group), group.size()));
    char last = '\n';
    util::Status status = fold.ForEachChunk(group[0], [&](std::string_view chunk) {
      out->HostRaw(output::Stream::kStdout, chunk);
      if (!chunk.empty()) last = chunk.back();
    });
    if (last != '\n') out->HostRaw(output::Stream::kStdout, "\n");
    if (!status.ok() && result.ok()) result = status;
  }

  std::map<std::string, std::vector<size_t>> by_ending;
  for (size_t i = 0; i < outcomes.size(); ++i) by_ending[Ending(outcomes[i])].push_back(i);
  std::vector<std::pair<std::string, std::vector<size_t>>> endings(by_ending.begin(), by_ending.end());
  std::stable_sort(endings.begin(), endings.end(), [](const auto& a, const auto& b) {
    if (a.second.size() != b.second.size()) return a.second.size() > b.second.size();
    return a.second.front() < b.second.front();
  });
  for (const auto& [ending, hosts] : endings) {
    out->HostRaw(output::Stream::kStdout,
                 fmt::format("==== {}: {} ({})\n", ending, Names(outcomes, hosts), hosts.size()));
  }
  return result;
}

}  // namespace cluster
