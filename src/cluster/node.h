// One host of a run and its connection.
#ifndef ORGALORG_CLUSTER_NODE_H_
#define ORGALORG_CLUSTER_NODE_H_

#include <memory>
#include <string>
#include <vector>

#include "cluster/exec.h"
#include "hosts/address.h"
#include "output/output.h"
#include "ssh/session.h"
#include "util/status.h"

namespace ssh {
class JumpHost;
}  // namespace ssh

namespace cluster {

struct Node {
  hosts::Address address;
  output::HostRef ref;                   // display = as given; identity = [user@host:port]
  std::unique_ptr<ssh::Session> session;  // Set once ConnectAll started it.
  // Starts commands on `session` (in unit tests: a fake, without session).
  std::unique_ptr<ExecHost> exec;
  util::Status error;                     // Why this host failed, if it did.
  // Set when the host could not be connected because a jump host on its
  // route failed: that jump host (owned by the run's ssh::JumpRouter).
  const ssh::JumpHost* failed_jump_host = nullptr;

  bool connected() const { return exec && exec->connected(); }
  // Drops the connection (the exec host first: it uses the session).
  void Disconnect() {
    exec.reset();
    session.reset();
  }
};

using Nodes = std::vector<Node>;

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_NODE_H_
