#include "cluster/connect_all.h"

#include <fmt/format.h>

#include <algorithm>

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

// Connects every node with at most `limit` handshakes in flight. Steps:
// StartMore() handshakes up to the cap, OnConnected() for each end (which
// starts the next), then DropConnecting() when stopped early.
class Connector {
 public:
  Connector(loop::EventLoop* loop, Nodes* nodes, const ssh::SessionOptions& base, int parallel,
            output::Output* out)
      : loop_(loop), nodes_(nodes), base_(base), limit_(static_cast<size_t>(std::max(parallel, 1))), out_(out) {}

  util::StatusOr<size_t> Run(const Stop& stop) {
    StartMore();
    util::Status waited =
        loop_->RunUntil([&] { return (in_flight_ == 0 && next_ >= nodes_->size()) || stop.requested(); });
    // A handshake still going must not call back into this finished run.
    if (!waited.ok() || stop.requested()) DropConnecting();
    if (!waited.ok()) return waited;
    loop_->RunOnce(loop::Milliseconds(0));  // Run the posted releases.
    return failed_;
  }

 private:
  void StartMore() {
    while (in_flight_ < limit_ && next_ < nodes_->size()) {
      size_t index = next_++;
      Node& node = (*nodes_)[index];
      node.session = std::make_unique<ssh::Session>(loop_, OptionsFor(base_, node.address));
      node.exec = MakeSshExecHost(node.session.get());
      ++in_flight_;
      out_->Log(output::Level::kTrace, "connecting to " + node.ref.display);
      loop::TimePoint started = loop::Clock::now();
      node.session->Connect([this, index, started](util::Status status) { OnConnected(index, started, status); });
    }
  }

  void OnConnected(size_t index, loop::TimePoint started, const util::Status& status) {
    Node& node = (*nodes_)[index];
    --in_flight_;
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
      node.failed_jump_host = node.session->blocked_by();
      ++failed_;
      // Released later, outside the session's own callback.
      loop_->Post([&node]() { node.Disconnect(); });
    }
    out_->Status(fmt::format("connect: {}/{} done, {} failed", finished_, nodes_->size(), failed_));
    StartMore();
  }

  void DropConnecting() {
    for (Node& node : *nodes_) {
      if (node.session && !node.session->connected()) {
        node.Disconnect();
        node.error = util::Status::Error("interrupted while connecting to " + node.ref.display);
      }
    }
  }

  loop::EventLoop* loop_;
  Nodes* nodes_;
  const ssh::SessionOptions& base_;
  size_t limit_;
  output::Output* out_;
  size_t next_ = 0;
  size_t in_flight_ = 0;
  size_t finished_ = 0;
  size_t failed_ = 0;
};

}  // namespace

util::StatusOr<size_t> ConnectAll(loop::EventLoop* loop, Nodes* nodes, const ssh::SessionOptions& base,
                                  int parallel, const Stop& stop, output::Output* out) {
  return Connector(loop, nodes, base, parallel, out).Run(stop);
}

}  // namespace cluster
