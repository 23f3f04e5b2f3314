// Stops what a run started on a host, after Ctrl-C, SIGTERM or a lost
// heartbeat (SPEC.md 7: "nothing keeps running on the hosts").
//
// sshd starts every exec channel's command as the leader of a new session
// (setsid), so the command and everything it starts, background jobs and
// children of sudo included, carry that session id, even after their parent
// dies. The cleanup command runs on a new channel of the same connection: it
// finds its own sshd ancestor, takes the session of every other child of
// that sshd — except the lock holder, which carries the marker
// kLockHolderMarker in its command line and is released by closing its
// stdin — and sends SIGTERM, and a second later SIGKILL, to every process in
// those sessions. It needs only sh, /proc, tr, sleep and kill on the host.
#ifndef ORGALORG_CLUSTER_REMOTE_CLEANUP_H_
#define ORGALORG_CLUSTER_REMOTE_CLEANUP_H_

#include <string>

#include <vector>

#include "cluster/node.h"
#include "cluster/remote_command.h"
#include "loop/event_loop.h"

namespace cluster {

// A word in the lock holder's command line that the cleanup spares.
inline constexpr const char* kLockHolderMarker = "orgalorg-lock-holder";

// How long a run waits for a cleanup command (it takes ~1 s: TERM, KILL).
inline constexpr loop::Milliseconds kCleanupWaitMs{5000};

// The cleanup command line, through the run's shell template and sudo.
std::string CleanupCommand(const RemoteCommandSpec& wrapper);

// Runs `cleanup_command` on every node whose flag in `busy` is set (and is
// still connected), and waits until all have finished or kCleanupWait has
// passed. Called with the stop flag already set, so it ignores it. Returns
// an error only when the event loop failed.
util::Status CleanUpNodes(loop::EventLoop* loop, Nodes* nodes, const std::vector<bool>& busy,
                          const std::string& cleanup_command);

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_REMOTE_CLEANUP_H_
