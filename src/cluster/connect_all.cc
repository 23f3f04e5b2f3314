#include "cluster/connect_all.h"

#include <fmt/format.h>

#include <algorithm>

#include "cluster/handshake_shards.h"
#include "cluster/ssh_exec.h"

namespace cluster {
namespace {

ssh::SessionOptions OptionsFor(const ssh::SessionOptions& base, const hosts::Address& address) {
  ssh::SessionOptions options = base;
  options.host = address.host;
  if (address.port_given) options.port = address.port;
  if (address.user_given || base.user) options.user = address.user;
  return options;
}

// Connects every node with at most `limit` handshakes in flight. With
// shards (see handshake_shards.h) they run there and only hosts that need a
// jump host or a ProxyCommand are connected on this loop; otherwise all
// are. Steps: StartMore() handshakes on this loop up to the cap,
// OnConnected() for each end (which starts the next), OnShardEnding() for
// the shards' ones, then DropConnecting() when stopped early.
class Connector {
 public:
  Connector(loop::EventLoop* loop, Nodes* nodes, const ssh::SessionOptions& base, int parallel, size_t shards,
            output::Output* out)
      : loop_(loop),
        nodes_(nodes),
        base_(base),
        limit_(static_cast<size_t>(std::max(parallel, 1))),
        shard_count_(shards != 0 ? shards : HandshakeShards::CountFor(nodes->size(), limit_)),
        out_(out),
        ended_(nodes->size(), false),
        route_shard_(nodes->size(), 0) {}

  util::StatusOr<size_t> Run(const Stop& stop) {
    if (!StartShards()) {
      for (size_t i = 0; i < nodes_->size(); ++i) here_.push_back(i);
    }
    StartMore();
    util::Status waited = loop_->RunUntil([&] { return finished_ == nodes_->size() || stop.requested(); });
    if (shards_) shards_->Stop();
    // A handshake still going must not call back into this finished run.
    if (!waited.ok() || stop.requested()) DropConnecting();
    if (!waited.ok()) return waited;
    loop_->RunOnce(loop::Milliseconds(0));  // Run the posted releases.
    return failed_;
  }

 private:
  bool StartShards() {
    if (shard_count_ < 2) return false;
    shards_ = std::make_unique<HandshakeShards>(loop_, shard_count_, limit_, [this](HandshakeShards::Ending ending) {
      OnShardEnding(std::move(ending));
    });
    std::vector<HandshakeShards::Job> jobs;
    for (size_t i = 0; i < nodes_->size(); ++i) {
      jobs.push_back({i, OptionsFor(base_, (*nodes_)[i].address)});
      out_->Log(output::Level::kTrace, "connecting to " + (*nodes_)[i].ref.display);
    }
    util::Status started = shards_->Start(std::move(jobs));
    if (started.ok()) return true;
    out_->Log(output::Level::kDebug, started.ToString() + "; connecting from one thread");
    shards_.reset();
    return false;
  }

  void StartMore() {
    while (in_flight_ < limit_ && next_ < here_.size()) {
      size_t index = here_[next_++];
      Node& node = (*nodes_)[index];
      node.session = std::make_unique<ssh::Session>(loop_, OptionsFor(base_, node.address));
      node.exec = MakeSshExecHost(node.session.get());
      ++in_flight_;
      if (!shards_) out_->Log(output::Level::kTrace, "connecting to " + node.ref.display);
      loop::TimePoint started = loop::Clock::now();
      node.session->Connect([this, index, started](util::Status status) {
        --in_flight_;
        if (shards_) shards_->Release(route_shard_[index]);  // Its place in -d (handshake_shards.h).
        OnConnected(index, started, status);
        StartMore();
      });
    }
  }

  void OnShardEnding(HandshakeShards::Ending ending) {
    if (ending.needs_route) {  // Jump hosts and ProxyCommands live here.
      here_.push_back(ending.index);
      route_shard_[ending.index] = ending.shard;
      return StartMore();
    }
    Node& node = (*nodes_)[ending.index];
    if (ending.session) {
      util::Status joined = ending.session->JoinLoop(loop_);
      node.session = std::move(ending.session);
      node.exec = MakeSshExecHost(node.session.get());
      if (!joined.ok()) ending.status = joined;
    }
    OnConnected(ending.index, ending.started, ending.status);
  }

  void OnConnected(size_t index, loop::TimePoint started, const util::Status& status) {
    Node& node = (*nodes_)[index];
    ended_[index] = true;
    ++finished_;
    if (status.ok()) {
      node.ref.identity = node.session->identity();
      std::string route = node.session->route();
      out_->Log(output::Level::kDebug,
                fmt::format("connected to {} {}{} in {} ms ({})", node.ref.display, node.ref.identity,
                            route.empty() ? "" : " via " + route, loop::MillisecondsSince(started),
                            node.session->details()));
    } else {
      node.error = status.Wrap("can't connect to " + node.ref.display);
      if (node.session) node.failed_jump_host = node.session->blocked_by();
      ++failed_;
      // Released later, outside the session's own callback.
      loop_->Post([&node]() { node.Disconnect(); });
    }
    out_->Status(fmt::format("connect: {}/{} done, {} failed", finished_, nodes_->size(), failed_));
  }

  void DropConnecting() {
    for (size_t i = 0; i < nodes_->size(); ++i) {
      Node& node = (*nodes_)[i];
      if (ended_[i] && (!node.session || node.session->connected())) continue;
      node.Disconnect();
      node.error = util::Status::Error("interrupted while connecting to " + node.ref.display);
    }
  }

  loop::EventLoop* loop_;
  Nodes* nodes_;
  const ssh::SessionOptions& base_;
  size_t limit_;
  size_t shard_count_;
  output::Output* out_;
  std::unique_ptr<HandshakeShards> shards_;
  std::vector<size_t> here_;  // Nodes to connect on this loop, in order.
  size_t next_ = 0;           // Into here_.
  size_t in_flight_ = 0;      // On this loop.
  size_t finished_ = 0;
  size_t failed_ = 0;
  std::vector<bool> ended_;
  std::vector<size_t> route_shard_;  // For hosts handed back by a shard: which one.
};

}  // namespace

util::StatusOr<size_t> ConnectAll(loop::EventLoop* loop, Nodes* nodes, const ssh::SessionOptions& base,
                                  int parallel, const Stop& stop, output::Output* out, size_t shards) {
  return Connector(loop, nodes, base, parallel, shards, out).Run(stop);
}

}  // namespace cluster
