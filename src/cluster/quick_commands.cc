#include "cluster/quick_commands.h"

#include <memory>

namespace cluster {

QuickResult RunQuickCommands(loop::EventLoop* loop, std::span<Node> nodes, const std::vector<QuickCommand>& commands,
                             loop::Milliseconds wait) {
  QuickResult result;
  result.statuses.assign(commands.size(), kQuickNotRun);
  std::vector<std::unique_ptr<ExecChannel>> channels;
  channels.reserve(commands.size());
  size_t left = 0;
  for (size_t i = 0; i < commands.size(); ++i) {
    Node& node = nodes[commands[i].node];
    if (!node.connected()) continue;
    ExecCallbacks callbacks;
    callbacks.on_exit = [&result, &left, i](int status, std::string) {
      result.statuses[i] = status;
      --left;
    };
    util::StatusOr<std::unique_ptr<ExecChannel>> channel = node.exec->Exec(commands[i].command, std::move(callbacks));
    if (!channel.ok()) continue;
    channels.push_back(std::move(*channel));
    ++left;
  }
  result.waited = loop->RunUntil([&left] { return left == 0; }, loop::Clock::now() + wait);
  for (auto& channel : channels) channel->Close();
  return result;
}

}  // namespace cluster
