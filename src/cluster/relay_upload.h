// Uploads one tar stream to every connected node by relay (orgalorg(1),
// --relay): the client sends the archive once, to the first ready host,
// and every host forwards the bytes it receives to at most `fanout` more
// (transfer/relay_plan.h), over OpenSSH's ssh between hosts
// (relay_receiver.h).
//
// Steps: a receiver starts on every node, on the client's own connection,
// with the operator's agent forwarded to it (when `agent_socket` is set);
// once every receiver has said ready (or failed) the plan is made over the
// ready hosts, in host-list order, and each receiver gets its feed script;
// the roots then get the archive from the client, as in a flat upload
// (upload.h: bounded window, back-pressure from the channel windows). Every
// host's outcome is its own receiver's exit, with tar's stderr when it
// failed. Agent forwarding ends with the phase.
//
// Failure: a host whose receiver fails before its hops have ended (dead
// connection, killed), or a hop that fails (refused host key, unreachable
// next host), fails every host below it that has not finished, each named
// with the relay host and its cause; their receivers are stopped
// (cleanup command), so nothing waits for bytes that will not come.
// Those hosts, and only they, then get the archive again in a second
// pass (when `restream` is set and the run was not stopped): a fresh
// receiver on each (the root exists already, so it is checked, not made
// anew), the first of them fed by the client, the others relayed among
// them as before. Hosts already done are not touched; the second pass's
// outcome is theirs.
//
// Routes are logged at debug level (-v): `10.0.0.7 <- 10.0.0.3`.
#ifndef ORGALORG_CLUSTER_RELAY_UPLOAD_H_
#define ORGALORG_CLUSTER_RELAY_UPLOAD_H_

#include <functional>
#include <memory>
#include <string>

#include "cluster/relay_receiver.h"
#include "cluster/upload.h"

namespace cluster {

struct RelaySpec {
  size_t fanout = 2;
  std::string agent_socket;  // The operator's agent; empty: none forwarded.
  RelayHopTimeouts timeouts;
  // The same archive again, for the second pass; null: no second pass.
  std::function<util::StatusOr<std::unique_ptr<transfer::TarStream>>()> restream;
};

UploadResult RelayUploadToAll(loop::EventLoop* loop, Nodes* nodes, transfer::TarStream* stream,
                              const UploadSpec& spec, const RelaySpec& relay, output::Output* out,
                              const Stop& stop);

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_RELAY_UPLOAD_H_
