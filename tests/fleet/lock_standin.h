// The in-process stand-in for orgalorg's lock holder (tests/fleet/README.md).
//
// orgalorg's lock holder (src/cluster/lock.cc, LockCommand) is a shell that
// stays alive for the whole run; 10,000 of them, with their sshd-like
// parents, do not fit one machine's process table (pid_max 32768 here).
// So an exec request whose command carries the marker
// `orgalorg-lock-holder` is served here, without a process, doing what the
// script does: make the lock path (mkdir -p when the command makes a
// directory, else create the file if missing), open it read-only and take
// flock(LOCK_EX | LOCK_NB) on it (a real kernel lock, held by this
// process: two hosts that map to the same file do exclude each other);
// answer "LOCKED", or "BUSY" and exit 1, or "NOPATH <why>" and exit 1; then
// echo every stdin line (the heartbeat PINGs) until stdin ends; then
// release and exit 0. Not done: the owner note symlink beside the path.
//
// The path is read from the command (`exec 9< PATH`) after undoing the
// shell wrapper's quoting, and mapped as the host sees it (spawn.h).
#ifndef ORGALORG_TESTS_FLEET_LOCK_STANDIN_H_
#define ORGALORG_TESTS_FLEET_LOCK_STANDIN_H_

#include <string>
#include <string_view>

#include "spawn.h"

namespace fleet {

bool IsLockHolder(std::string_view command);

struct LockAnswer {
  int fd = -1;        // The locked file, when locked.
  std::string first;  // The first line to send (without '\n').
  bool locked = false;
};

// Parses `command`, maps the path for the host at `host_dir`, takes the lock.
LockAnswer TakeLock(std::string_view command, Isolation isolation, const std::string& host_dir);

// The words of `text`, split on unquoted blanks, with quotes and
// backslashes removed as sh does (no expansions). Exposed for tests.
std::string NextShellWord(std::string_view text, size_t* pos);

}  // namespace fleet

#endif  // ORGALORG_TESTS_FLEET_LOCK_STANDIN_H_
