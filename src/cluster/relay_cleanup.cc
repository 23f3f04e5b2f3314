#include "cluster/relay_cleanup.h"

#include <fmt/format.h>

#include <regex>

#include "cluster/quick_commands.h"
#include "cluster/remote_cleanup.h"
#include "util/shell_quote.h"

namespace cluster {

bool IsRelayDir(std::string_view dir) {
  static const std::regex kDir("/tmp/orgalorg-relay\\.[A-Za-z0-9]{6,}");
  return std::regex_match(dir.begin(), dir.end(), kDir);
}

std::string RemoveRelayDirCommand(const std::string& dir, const RemoteCommandSpec& wrapper) {
  return WrapCommand(wrapper, fmt::format("rm -rf -- {} # orgalorg-cleanup", util::ShellQuote(dir)));
}

util::Status RemoveRelayDirs(loop::EventLoop* loop, std::span<Node> nodes, const std::vector<RelayDirOnHost>& dirs,
                             const RemoteCommandSpec& wrapper) {
  std::vector<QuickCommand> removals;
  for (const RelayDirOnHost& entry : dirs) {
    // A host lost meanwhile keeps its directory: nothing can reach it now.
    if (!nodes[entry.node].connected() || !IsRelayDir(entry.dir)) continue;
    removals.push_back({entry.node, RemoveRelayDirCommand(entry.dir, wrapper)});
  }
  QuickResult result = RunQuickCommands(loop, nodes, removals, kCleanupWaitMs);
  std::string failed;
  for (size_t i = 0; i < removals.size(); ++i) {
    if (result.statuses[i] == 0) continue;
    failed += (failed.empty() ? "" : ", ") + nodes[removals[i].node].ref.display;
  }
  if (!result.waited.ok()) return result.waited;
  if (failed.empty()) return util::Status::Ok();
  return util::Status::Error("relay: can't remove a receiver's directory in /tmp on " + failed);
}

bool IsShellKillReport(std::string_view line) {
  static const std::regex kReport("(.*: )?(line [0-9]+: )? *([0-9]+ +)?(Terminated|Killed)( .*)?");
  return std::regex_match(line.begin(), line.end(), kReport);
}

}  // namespace cluster
