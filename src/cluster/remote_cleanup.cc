#include "cluster/remote_cleanup.h"


namespace cluster {
namespace {

// POSIX sh. `sshd_of` walks up from this shell to the first sshd process.
constexpr const char* kScript = R"sh(p=$$; s=
while [ "$p" -gt 1 ] 2>/dev/null; do
  read -r _ c _ pp _ < /proc/$p/stat || break
  if [ "$c" = "(sshd)" ]; then s=$p; break; fi
  p=$pp
done
[ -n "$s" ] || exit 0
g=
for f in /proc/[0-9]*/stat; do
  q=${f#/proc/}; q=${q%/stat}
  read -r _ _ _ pp _ < "$f" 2>/dev/null || continue
  [ "$pp" = "$s" ] || continue
  case "$(tr '\000' ' ' < /proc/$q/cmdline 2>/dev/null)" in *{marker}*|*orgalorg-cleanup*) continue;; esac
  g="$g $q"
done
[ -n "$g" ] || exit 0
for q in $g; do kill -TERM -"$q" 2>/dev/null; done
sleep 1
for q in $g; do kill -KILL -"$q" 2>/dev/null; done
exit 0 # orgalorg-cleanup)sh";

// How long to wait for the cleanup commands (they take ~1 s: TERM, KILL).
constexpr ssh::Milliseconds kCleanupWaitMs{5000};
constexpr ssh::Milliseconds kPollSliceMs{100};

}  // namespace

std::string CleanupCommand(const RemoteCommandSpec& wrapper) {
  std::string script = kScript;
  script.replace(script.find("{marker}"), 8, kLockHolderMarker);
  return WrapCommand(wrapper, std::move(script));
}

void CleanUpNodes(ssh::EventLoop* loop, Nodes* nodes, const std::vector<bool>& busy,
                  const std::string& cleanup_command) {
  size_t running = 0;
  std::vector<std::unique_ptr<ssh::Channel>> channels;
  for (size_t i = 0; i < nodes->size() && i < busy.size(); ++i) {
    Node& node = (*nodes)[i];
    if (!busy[i] || !node.connected()) continue;
    ssh::ChannelCallbacks callbacks;
    callbacks.on_exit = [&running](int, std::string) { --running; };
    util::StatusOr<std::unique_ptr<ssh::Channel>> channel = node.session->Exec(cleanup_command, callbacks);
    if (!channel.ok()) continue;
    channels.push_back(std::move(*channel));
    ++running;
  }
  ssh::TimePoint deadline = ssh::Clock::now() + kCleanupWaitMs;
  while (running > 0 && ssh::Clock::now() < deadline) loop->RunOnce(kPollSliceMs);
  for (auto& channel : channels) channel->Close();
}

}  // namespace cluster
