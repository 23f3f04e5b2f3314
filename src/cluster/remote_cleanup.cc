#include "cluster/remote_cleanup.h"


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

util::Status CleanUpNodes(loop::EventLoop* loop, Nodes* nodes, const std::vector<bool>& busy,
                          const std::string& cleanup_command) {
  size_t running = 0;
  std::vector<std::unique_ptr<ExecChannel>> channels;
  for (size_t i = 0; i < nodes->size() && i < busy.size(); ++i) {
    Node& node = (*nodes)[i];
    if (!busy[i] || !node.connected()) continue;
    ExecCallbacks callbacks;
    callbacks.on_exit = [&running](int, std::string) { --running; };
    util::StatusOr<std::unique_ptr<ExecChannel>> channel = node.exec->Exec(cleanup_command, callbacks);
    if (!channel.ok()) continue;
    channels.push_back(std::move(*channel));
    ++running;
  }
  util::Status waited = loop->RunUntil([&running] { return running == 0; }, loop::Clock::now() + kCleanupWaitMs);
  for (auto& channel : channels) channel->Close();
  return waited;
}

}  // namespace cluster
