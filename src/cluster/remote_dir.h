// The shell text that makes the directory an upload extracts into, safely.
//
// Host safety: a local user on a host who can change a directory on the way
// to where orgalorg writes (owns it, or may write to it through its group or
// "other" bits without the sticky bit) could swap names under the running
// tar and make it write, as the remote user or root (-x), anywhere. So the
// upload root and every directory above it (their physical paths) must be
// owned by root or by the remote user (as the upload runs: root under -x),
// and not be writable by group or others unless sticky. Otherwise the
// command fails before anything is extracted, with a line on stderr naming
// the directory and why.
//
// Two forms:
//   fresh (the run directory /var/run/orgalorg/<id>, no -r): the parent is
//     made like mkdir -p and checked, then the run directory itself is made
//     with `mkdir -m 0700` (no -p): a name that already exists, whoever made
//     it, is refused. So it is new, private (0700) and owned by the user the
//     upload runs as; no other user can read the upload or swap the shipped
//     sync tool before it runs.
//   given (-r): made like mkdir -p (the directories it adds get the umask's
//     mode), then checked. Only the root and the directories above it are
//     checked, not the subdirectories tar writes into (see the man page).
//
// POSIX sh plus id, ls, mkdir; pure functions.
#ifndef ORGALORG_CLUSTER_REMOTE_DIR_H_
#define ORGALORG_CLUSTER_REMOTE_DIR_H_

#include <string>

namespace cluster {

// A command that succeeds when `root` exists and is safe to write into, as
// described above (fresh: creates it new and 0700).
std::string PrepareRootCommand(const std::string& root, bool fresh);

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_REMOTE_DIR_H_
