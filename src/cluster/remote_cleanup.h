// Stops what a run started on a host, after Ctrl-C, SIGTERM or a lost
// heartbeat ("nothing keeps running on the hosts").
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
//
// StopOnHosts() is the one sequence every fan-out (commands, upload) uses
// when it stops early: settle, clean up, TERM, close.
#ifndef ORGALORG_CLUSTER_REMOTE_CLEANUP_H_
#define ORGALORG_CLUSTER_REMOTE_CLEANUP_H_

#include <span>
#include <string>
#include <vector>

#include "cluster/exec.h"
#include "cluster/node.h"
#include "cluster/remote_command.h"
#include "loop/event_loop.h"

namespace cluster {

// A word in the lock holder's command line that the cleanup spares.
inline constexpr const char* kLockHolderMarker = "orgalorg-lock-holder";

// How long a run waits for a cleanup command (it takes ~1 s: TERM, KILL).
inline constexpr loop::Milliseconds kCleanupWaitMs{5000};
// How long a stopping run waits for exec requests still on their way.
inline constexpr loop::Milliseconds kSettleBeforeCleanupMs{3000};

// The cleanup command line, through the run's shell template and sudo.
std::string CleanupCommand(const RemoteCommandSpec& wrapper);

// A command of a phase that is still running on node `node`.
struct RunningCommand {
  size_t node;
  ExecChannel* channel;
};

// Stops `running` on their hosts, in four steps:
//  1. Settle: waits (at most kSettleBeforeCleanupMs) until every exec
//     request has been answered: a command that started after the cleanup
//     looked for it would survive.
//  2. Clean up: runs `cleanup_command` (unless empty) on those hosts still
//     connected and waits for it (at most kCleanupWaitMs). It finds a
//     command's processes through the command, their session leader, so the
//     commands must still be alive when it looks.
//  3. TERM through every channel still running, for the hosts the cleanup
//     could not reach.
//  4. Closes every channel (no callback after) and lets that go out.
// A command that ends meanwhile reports its exit as usual. Called with the
// stop already requested, so it does not look at it. Returns an error only
// when the event loop failed (the steps still run, without waiting).
util::Status StopOnHosts(loop::EventLoop* loop, std::span<Node> nodes, const std::vector<RunningCommand>& running,
                         const std::string& cleanup_command);

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_REMOTE_CLEANUP_H_
