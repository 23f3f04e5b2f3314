#include "cluster/remote_cleanup.h"

#include "cluster/quick_commands.h"

namespace cluster {
namespace {

// POSIX sh. Fields of /proc/<pid>/stat are read after the last ") ", as
// the command name in parentheses may itself hold spaces:
// state ppid pgrp session ...
// 1. Walk up from this shell to the first sshd process.
// 2. Every other child of that sshd leads one session (sshd calls setsid for
//    each channel's command); keep their session ids, except the lock
//    holder's and this cleanup's.
// 3. Signal every process in those sessions, TERM, then a second later KILL,
//    scanning /proc again each time: a process whose parent died (re-parented
//    to init) or that sudo put in a process group of its own keeps its
//    session id, so it is found too.
constexpr const char* kScript = R"sh(field() { n1=$2 n2=$3; read -r l < "$1" 2>/dev/null || return 1; set -- ${l##*) }; eval "$n1=\$2 $n2=\$4"; }
p=$$; s=
while [ "$p" -gt 1 ] 2>/dev/null; do
  read -r l < /proc/$p/stat || break
  c=${l#*(}; c=${c%)*}
  if [ "$c" = sshd ]; then s=$p; break; fi
  field /proc/$p/stat p x || break
done
[ -n "$s" ] || exit 0
ids=
for f in /proc/[0-9]*/stat; do
  q=${f#/proc/}; q=${q%/stat}
  field "$f" pp x || continue
  [ "$pp" = "$s" ] || continue
  case "$(tr '\000' ' ' < /proc/$q/cmdline 2>/dev/null)" in *{marker}*|*orgalorg-cleanup*) continue;; esac
  ids="$ids $q "
done
[ -n "$ids" ] || exit 0
hit() {
  for f in /proc/[0-9]*/stat; do
    q=${f#/proc/}; q=${q%/stat}
    field "$f" x sid || continue
    case "$ids" in *" $sid "*) kill -"$1" "$q" 2>/dev/null;; esac
  done
}
hit TERM
sleep 1
hit KILL
exit 0 # orgalorg-cleanup)sh";

}  // namespace

std::string CleanupCommand(const RemoteCommandSpec& wrapper) {
  std::string script = kScript;
  script.replace(script.find("{marker}"), 8, kLockHolderMarker);
  return WrapCommand(wrapper, std::move(script));
}

namespace {

// Step 1: every exec request answered (started, refused or failed).
util::Status Settle(loop::EventLoop* loop, const std::vector<RunningCommand>& running) {
  return loop->RunUntil(
      [&running] {
        for (const RunningCommand& command : running) {
          if (!command.channel->started() && !command.channel->finished()) return false;
        }
        return true;
      },
      loop::Clock::now() + kSettleBeforeCleanupMs);
}

// Step 2: the cleanup command on every host of `running`, at once.
util::Status CleanUp(loop::EventLoop* loop, std::span<Node> nodes, const std::vector<RunningCommand>& running,
                     const std::string& cleanup_command) {
  std::vector<QuickCommand> cleanups;
  cleanups.reserve(running.size());
  for (const RunningCommand& command : running) cleanups.push_back({command.node, cleanup_command});
  return RunQuickCommands(loop, nodes, cleanups, kCleanupWaitMs).waited;
}

}  // namespace

util::Status StopOnHosts(loop::EventLoop* loop, std::span<Node> nodes, const std::vector<RunningCommand>& running,
                         const std::string& cleanup_command) {
  if (running.empty()) return util::Status::Ok();
  util::Status status = Settle(loop, running);
  if (status.ok() && !cleanup_command.empty()) status = CleanUp(loop, nodes, running, cleanup_command);
  for (const RunningCommand& command : running) {
    if (!command.channel->finished()) command.channel->Signal("TERM");
  }
  for (const RunningCommand& command : running) command.channel->Close();
  loop->RunOnce(loop::Milliseconds(0));  // Let the signals and closes go out.
  return status;
}

}  // namespace cluster
