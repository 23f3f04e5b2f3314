// Connects every node, at most `parallel` handshakes in flight (-d).
//
// Each node gets a Session built from `base` plus its own address (an
// explicit user or port wins over ~/.ssh/config, see hosts::Address). The
// loop runs until every handshake has ended or `stop` is requested; then the
// sessions still connecting are dropped. A node that fails keeps the error, wrapped as
// "can't connect to <host>", in Node::error; its session is released.
// Returns the number of nodes that failed, or an error when the event loop
// itself failed.
//
// The handshakes run on `shards` worker loops (handshake_shards.h), or, when
// `shards` is 0, on one per CPU this process may use; with 1 (or one CPU)
// they all run on `loop`. Hosts behind a jump host or a ProxyCommand are
// always connected on `loop`. Either way every connected session ends up
// on `loop`, and callbacks (out, the sessions') run on its thread.
#ifndef ORGALORG_CLUSTER_CONNECT_ALL_H_
#define ORGALORG_CLUSTER_CONNECT_ALL_H_

#include "cluster/node.h"
#include "cluster/stop.h"
#include "loop/event_loop.h"
#include "output/output.h"
#include "ssh/session_options.h"

namespace cluster {

util::StatusOr<size_t> ConnectAll(loop::EventLoop* loop, Nodes* nodes, const ssh::SessionOptions& base,
                                  int parallel, const Stop& stop, output::Output* out, size_t shards = 0);

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_CONNECT_ALL_H_
