// What a relayed upload's receivers leave behind when they cannot clean up
// after themselves (relay_receiver.h): a receiver removes its private
// directory D when it exits, but not when it is killed (SIGKILL, a stop
// that ends in SIGKILL, a lost session). The client then removes D through
// its own connection once the host's result is known.
#ifndef ORGALORG_CLUSTER_RELAY_CLEANUP_H_
#define ORGALORG_CLUSTER_RELAY_CLEANUP_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/node.h"
#include "cluster/remote_command.h"
#include "loop/event_loop.h"
#include "util/status.h"

namespace cluster {

// A receiver directory as mktemp makes it (/tmp/orgalorg-relay.XXXXXX):
// nothing else is ever removed, whatever a host says.
bool IsRelayDir(std::string_view dir);

// The command that removes `dir`, wrapped like any remote command. It
// carries the cleanup's marker, so a stop running on the same host
// (remote_cleanup.h) spares it.
std::string RemoveRelayDirCommand(const std::string& dir, const RemoteCommandSpec& wrapper);

struct RelayDirOnHost {
  size_t node;
  std::string dir;
};

// Removes every `dirs` entry on its host (still connected; a directory that
// is not a relay directory is skipped), all at once, waiting at most
// kCleanupWaitMs. Returns an error naming the hosts where removal failed
// or did not end in time.
util::Status RemoveRelayDirs(loop::EventLoop* loop, std::span<Node> nodes, const std::vector<RelayDirOnHost>& dirs,
                             const RemoteCommandSpec& wrapper);

// A shell's report of a job it saw killed ("Terminated", "Killed", bash's
// "bash: line 1:  4242 Terminated   tar ..."): what a receiver's shell says
// about processes the client stopped.
bool IsShellKillReport(std::string_view line);

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_RELAY_CLEANUP_H_
