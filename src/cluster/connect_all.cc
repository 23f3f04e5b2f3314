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

}  // namespace

util::StatusOr<size_t> ConnectAll(loop::EventLoop* loop, Nodes* nodes, const ssh::SessionOptions& base,
                                  int parallel, const Stop& stop, output::Output* out) {
  size_t finished = 0;
  size_t next = 0;
  size_t in_flight = 0;
  size_t failed = 0;
  size_t limit = static_cast<size_t>(std::max(parallel, 1));

  // Starts handshakes until the cap is reached.
  std::function<void()> start_more = [&]() {
    while (in_flight < limit && next < nodes->size()) {
      size_t index = next++;
      Node& node = (*nodes)[index];
      node.session = std::make_unique<ssh::Session>(loop, OptionsFor(base, node.address));
      node.exec = MakeSshExecHost(node.session.get());
      ++in_flight;
      out->Log(output::Level::kTrace, "connecting to " + node.ref.display);
      loop::TimePoint started = loop::Clock::now();
      node.session->Connect([&, index, started](util::Status status) {
        Node& done = (*nodes)[index];
        --in_flight;
        ++finished;
        if (status.ok()) {
          done.ref.identity = done.session->identity();
          out->Log(output::Level::kDebug,
                   fmt::format("connected to {} {} in {} ms ({})", done.ref.display,
                               done.ref.identity, loop::MillisecondsSince(started),
                               done.session->details()));
        } else {
          done.error = status.Wrap("can't connect to " + done.ref.display);
          ++failed;
          // Released later, outside the session's own callback.
          loop->Post([&done]() { done.Disconnect(); });
        }
        out->Status(fmt::format("connect: {}/{} done, {} failed", finished, nodes->size(), failed));
        start_more();
      });
    }
  };
  start_more();

  util::Status waited =
      loop->RunUntil([&] { return (in_flight == 0 && next >= nodes->size()) || stop.requested(); });
  if (!waited.ok()) return waited;
  if (stop.requested()) {
    for (Node& node : *nodes) {
      if (node.session && !node.session->connected()) {
        node.Disconnect();
        node.error = util::Status::Error("interrupted while connecting to " + node.ref.display);
      }
    }
  }
  loop->RunOnce(loop::Milliseconds(0));  // Run the posted releases.
  return failed;
}

}  // namespace cluster
