// Runs one exec request's command as a simulated host would: `sh -c
// <command>` as the leader of a new session (like sshd), with stdin,
// stdout and stderr on pipes, in the host's own world:
//
//  * isolation kMount (needs root): the child starts in a new mount
//    namespace (clone(CLONE_NEWNS)) where the host's directory
//    <root>/<addr>/run is bind-mounted on /run/orgalorg (also reached as
//    /var/run/orgalorg) and <root>/<addr>/tmp on /tmp; HOME=/tmp/home and
//    the working directory is that home. So every absolute path under /tmp
//    or /run/orgalorg is the host's own; the rest of the file system is
//    shared by all hosts (as on real hosts, / is not theirs to write).
//  * isolation kCwd (no root): no namespace; HOME, TMPDIR and the working
//    directory are <root>/<addr>/tmp/home; only relative paths (and
//    $HOME, $TMPDIR) are the host's own.
//
// The child is made with clone(CLONE_VM | CLONE_VFORK): the simulator's
// memory is not copied (it may be gigabytes), and it waits only until the
// child has exec'd.
#ifndef ORGALORG_TESTS_FLEET_SPAWN_H_
#define ORGALORG_TESTS_FLEET_SPAWN_H_

#include <sys/types.h>

#include <string>

namespace fleet {

enum class Isolation { kMount, kCwd };

struct Child {
  pid_t pid = -1;
  int in = -1, out = -1, err = -1;  // Our non-blocking ends of its stdio.
};

// Makes <root>/<addr>/{run,tmp,tmp/home} when missing. Returns the host's
// directory, or "" with `error` set.
std::string HostDirectory(const std::string& root, const std::string& addr, std::string* error);

// Prepares what kMount needs once (the mount point /run/orgalorg).
bool PrepareIsolation(Isolation isolation, std::string* error);

// Starts `command` for the host at `host_dir`. On error returns a Child
// with pid -1 and sets `error`.
Child Spawn(Isolation isolation, const std::string& host_dir, const std::string& command, std::string* error);

}  // namespace fleet

#endif  // ORGALORG_TESTS_FLEET_SPAWN_H_
