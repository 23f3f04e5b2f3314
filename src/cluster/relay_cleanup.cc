#include "cluster/relay_cleanup.h"

#include <fmt/format.h>

#include <memory>
#include <regex>

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
  struct Removal {
    size_t node;
    std::unique_ptr<ExecChannel> channel;
    bool done = false;
    int status = -1;
  };
  std::vector<Removal> removals;
  removals.reserve(dirs.size());
  size_t left = 0;
  for (const RelayDirOnHost& entry : dirs) {
    Node& node = nodes[entry.node];
    if (!node.connected() || !IsRelayDir(entry.dir)) continue;
    size_t index = removals.size();
    ExecCallbacks callbacks;
    callbacks.on_exit = [&removals, &left, index](int status, std::string) {
      removals[index].done = true;
      removals[index].status = status;
      --left;
    };
    removals.push_back({entry.node, nullptr});
    util::StatusOr<std::unique_ptr<ExecChannel>> channel =
        node.exec->Exec(RemoveRelayDirCommand(entry.dir, wrapper), std::move(callbacks));
    if (!channel.ok()) continue;
    removals.back().channel = std::move(*channel);
    ++left;
  }
  util::Status waited = loop->RunUntil([&left] { return left == 0; }, loop::Clock::now() + kCleanupWaitMs);
  std::string failed;
  for (Removal& removal : removals) {
    if (removal.channel) removal.channel->Close();
    if (removal.done && removal.status == 0) continue;
    failed += (failed.empty() ? "" : ", ") + nodes[removal.node].ref.display;
  }
  if (!waited.ok()) return waited;
  if (failed.empty()) return util::Status::Ok();
  return util::Status::Error("relay: can't remove a receiver's directory in /tmp on " + failed);
}

bool IsShellKillReport(std::string_view line) {
  static const std::regex kReport("(.*: )?(line [0-9]+: )? *([0-9]+ +)?(Terminated|Killed)( .*)?");
  return std::regex_match(line.begin(), line.end(), kReport);
}

}  // namespace cluster
