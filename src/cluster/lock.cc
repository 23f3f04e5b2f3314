#include "cluster/lock.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>

#include "cluster/remote_cleanup.h"
#include "protocol/line_splitter.h"
#include "util/shell_quote.h"

namespace cluster {
namespace {

// How long Release() waits for the holders to exit.
constexpr loop::Milliseconds kReleaseWaitMs{5000};
constexpr std::string_view kLockedLine = "LOCKED";
constexpr std::string_view kBusyLine = "BUSY";
constexpr std::string_view kPing = "PING";
// Name of the note beside the lock path that says who holds the lock.
constexpr std::string_view kOwnerNote = ".orgalorg-lock-owner";
// The holder's first line when the lock path can't be made or opened.
constexpr std::string_view kNoPathLine = "NOPATH";

// The directory a file lock's note goes in: "a/b" for "a/b/lock", "/" for
// "/lock", "." for "lock".
std::string ParentDir(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  size_t end = path.find_last_not_of('/', slash);
  return end == std::string::npos ? "/" : path.substr(0, end + 1);
}

}  // namespace

struct ClusterLock::Holder {
  std::unique_ptr<ExecChannel> channel;
  enum class State { kStarting, kLocked, kBusy, kFailed, kExited } state = State::kStarting;
  std::string owner;  // The busy lock's owner note, if the host had one.
  std::unique_ptr<protocol::LineSplitter> lines;  // Its stdout.
  bool no_path = false;     // Said kNoPathLine: the lock path can't be made or opened,
  std::string no_path_why;  // and why (the rest of that line).
  std::string stderr_tail;
  std::deque<loop::TimePoint> pings;  // When each unanswered PING was queued.
  std::string unsent;                 // Heartbeat bytes the socket had no room for yet.
  bool dead = false;  // Lost its heartbeat: Release() does not wait for it.
};

namespace {

// What the holder said on stderr, if anything, as a cause of `error`.
void AddStderrCause(std::string tail, util::Status* error) {
  while (!tail.empty() && tail.back() == '\n') tail.pop_back();
  if (!tail.empty()) error->AddCause(util::Status::Error(tail));
}

}  // namespace

// The holder, in POSIX sh. Host safety: the lock path's directory may be
// writable by a local user who is not us (a deploy directory owned by a
// service account), so nothing here opens a name for writing:
// * a missing lock file is created with `set -C` (O_EXCL: a planted
//   symlink makes it fail instead of being followed); a lock path that is
//   not a directory or a regular file (a FIFO would block `exec 9<`) is
//   refused;
// * the owner note is a symlink whose target is the owner text: made with
//   `ln -sT` (symlink(2) never follows, and -T never puts it inside a
//   planted directory), read with readlink (never follows, never blocks;
//   control bytes dropped), and at release removed only while it still
//   holds this holder's text. A stale note is replaced (`ln -sfT`
//   replaces the name itself, never what it points to).
// Cost: a host starts one such holder per run, and on a small host a
// process start is most of what the lock costs it.
// So the common case starts only `flock`, plus `ln` and, at release,
// `readlink` and `rm` when the note's directory is writable: a lock path
// that exists is not made again (no subshell), and a holder that could not
// write its note (the default lock path / for a plain user) neither tries
// nor looks for it at release.
std::string LockCommand(const LockSpec& spec) {
  std::string path = util::ShellQuote(spec.path);
  std::string create = spec.create_directory
                           ? fmt::format("[ -d {0} ] || e=$(mkdir -p {0} 2>&1)", path)
                           : fmt::format("[ -e {0} ] || e=$({{ (set -C; : > {0}) || [ -f {0} ]; }} 2>&1)", path);
  std::string owner = util::ShellQuote(spec.owner);
  std::string script = fmt::format(
      ": {marker}; "
      "{create} || {{ printf '{nopath} %s\\n' \"$(printf %s \"$e\" | tr '\\n' ' ')\"; exit 1; }}; "
      "if [ -d {p} ]; then o={p}/{note}; d={p}; elif [ -f {p} ]; then o={p}{note}; d={pdir}; "
      "else echo \"{nopath} not a directory or a regular file\"; exit 1; fi; "
      "[ -r {p} ] || {{ echo \"{nopath} not readable\"; exit 1; }}; "
      "exec 9< {p} && "
      "if flock -nx 9; then echo {locked}; w=; if [ -w \"$d\" ] && ln -sfT {owner} \"$o\" 2>/dev/null; then w=1; fi; "
      "else echo {busy}; n=$(readlink \"$o\" 2>/dev/null) && "
      "printf '%s\\n' \"$n\" | tr -d '\\000-\\011\\013-\\037\\177'; exit 1; fi && "
      "while IFS= read -r line; do printf '%s\\n' \"$line\"; done; "
      "[ -n \"$w\" ] && [ \"$(readlink \"$o\" 2>/dev/null)\" = {owner} ] && rm -f \"$o\"",
      fmt::arg("marker", kLockHolderMarker), fmt::arg("create", create), fmt::arg("nopath", kNoPathLine),
      fmt::arg("p", path), fmt::arg("pdir", util::ShellQuote(ParentDir(spec.path))),
      fmt::arg("note", kOwnerNote), fmt::arg("locked", kLockedLine), fmt::arg("busy", kBusyLine),
      fmt::arg("owner", owner));
  return WrapCommand(spec.wrapper, std::move(script));
}

ClusterLock::ClusterLock(loop::EventLoop* loop, Nodes* nodes, output::Output* out)
    : loop_(loop), nodes_(nodes), out_(out) {}

ClusterLock::~ClusterLock() {
  if (timer_) loop_->CancelTimer(timer_);
}

util::Status ClusterLock::Acquire(const LockSpec& spec, const Stop& stop) {
  StartHolders(LockCommand(spec));
  util::Status waited = loop_->RunUntil([&] { return waiting_ == 0 || stop.requested(); });
  if (!waited.ok()) {
    Release();
    return waited.Wrap("can't lock the cluster");
  }
  if (stop.requested()) {
    Release();
    return util::Status::Error("interrupted while locking");
  }
  return Verdict(spec);
}

void ClusterLock::StartHolders(const std::string& command) {
  out_->Log(output::Level::kTrace, "running lock command: " + command);
  holders_.clear();
  waiting_ = 0;
  awaited_ = 0;
  for (size_t i = 0; i < nodes_->size(); ++i) {
    holders_.push_back(std::make_unique<Holder>());
    Holder& holder = *holders_.back();
    Node& node = (*nodes_)[i];
    if (!node.connected()) {
      holder.state = Holder::State::kExited;
      continue;
    }
    holder.lines = std::make_unique<protocol::LineSplitter>(
        [this, i](const protocol::LineChunk& chunk) { OnHolderLine(i, std::string(chunk.text)); });
    util::StatusOr<std::unique_ptr<ExecChannel>> channel = node.exec->Exec(command, CallbacksFor(i));
    if (!channel.ok()) {
      holder.state = Holder::State::kFailed;
      holder.stderr_tail = channel.status().ToString();
      continue;
    }
    holder.channel = std::move(*channel);
    ++waiting_;
    if (Awaited(holder)) ++awaited_;
  }
}

ExecCallbacks ClusterLock::CallbacksFor(size_t i) {
  Holder* holder = holders_[i].get();
  ExecCallbacks callbacks;
  callbacks.on_stdout = [holder](std::string_view data) { holder->lines->Feed(data); };
  callbacks.on_stderr = [holder](std::string_view data) {
    holder->stderr_tail.append(data);
    if (holder->stderr_tail.size() > 1024) holder->stderr_tail.erase(0, holder->stderr_tail.size() - 1024);
  };
  callbacks.on_writable = [holder]() { Flush(holder); };
  callbacks.on_exit = [this, i](int status, std::string signal_name) { OnHolderExit(i, status, signal_name); };
  return callbacks;
}

// The holder answers LOCKED, or BUSY and the owner note, then echoes PINGs.
void ClusterLock::OnHolderLine(size_t i, const std::string& line) {
  Holder& holder = *holders_[i];
  switch (holder.state) {
    case Holder::State::kStarting:
      if (line == kBusyLine) {
        holder.state = Holder::State::kBusy;  // The owner note follows; done at exit.
        return;
      }
      holder.state = line == kLockedLine ? Holder::State::kLocked : Holder::State::kFailed;
      holder.no_path = line.starts_with(kNoPathLine);
      if (holder.no_path) holder.no_path_why = line.substr(std::min(line.size(), kNoPathLine.size() + 1), 512);
      --waiting_;
      out_->Status(fmt::format("lock: {} of {} nodes answered", nodes_->size() - waiting_, nodes_->size()));
      return;
    case Holder::State::kBusy:
      if (holder.owner.empty()) holder.owner = line.substr(0, 256);
      return;
    case Holder::State::kLocked:
      if (line != kPing || holder.pings.empty()) return Lost(i, "wrong heartbeat answer \"" + line + "\"");
      holder.pings.pop_front();
      return;
    case Holder::State::kFailed:
    case Holder::State::kExited:
      return;
  }
}

void ClusterLock::OnHolderExit(size_t i, int status, const std::string& signal_name) {
  Holder& holder = *holders_[i];
  Holder::State before = holder.state;
  if (Awaited(holder)) --awaited_;
  holder.state = Holder::State::kExited;
  if (before == Holder::State::kStarting || before == Holder::State::kBusy) {
    --waiting_;
  } else if (before == Holder::State::kLocked) {
    // A failed channel (connection lost) reports its reason where a signal
    // name would be: say what happened, not "killed by signal".
    if (holder.channel && !holder.channel->error().ok()) {
      Lost(i, holder.channel->error().ToString());
    } else {
      Lost(i, signal_name.empty() ? fmt::format("lock holder exited (status {})", status)
                                  : "lock holder killed by signal " + signal_name);
    }
  }
}

// All or nothing: every node that is not locked is named; any such node
// (unless -t) releases the others and fails the lock.
util::Status ClusterLock::Verdict(const LockSpec& spec) {
  util::Status failure = util::Status::Error("can't lock the cluster");
  size_t failed = 0;
  for (size_t i = 0; i < holders_.size(); ++i) {
    if (holders_[i]->state == Holder::State::kLocked || !(*nodes_)[i].connected()) continue;
    ++failed;
    util::Status cause = util::Status::Error(
        holders_[i]->no_path
            ? fmt::format("{}: can't acquire lock, the lock path {} could not be created or opened",
                          (*nodes_)[i].ref.display, spec.path)
            : fmt::format("{}: {}", (*nodes_)[i].ref.display, kLockBusyMessage));
    if (!holders_[i]->no_path_why.empty()) cause.AddCause(util::Status::Error(holders_[i]->no_path_why));
    if (!holders_[i]->owner.empty()) {
      cause.AddCause(util::Status::Error("held by " + holders_[i]->owner));
    }
    AddStderrCause(holders_[i]->stderr_tail, &cause);
    if (spec.no_lock_fail) {
      out_->Warning(cause);
    } else {
      (*nodes_)[i].error = cause;
      failure.AddCause(cause);
    }
  }
  if (failed == 0 || spec.no_lock_fail) return util::Status::Ok();
  Release();
  return failure;
}

void ClusterLock::StartHeartbeat(loop::Milliseconds interval, loop::Milliseconds answer_timeout,
                                 std::function<void(util::Status)> on_lost) {
  interval_ = interval;
  answer_timeout_ = answer_timeout;
  on_lost_ = std::move(on_lost);
  timer_ = loop_->AddTimerAfter(interval_, [this]() { Beat(); });
}

void ClusterLock::Flush(Holder* holder) {
  if (holder->unsent.empty() || !holder->channel) return;
  holder->unsent.erase(0, holder->channel->Write(holder->unsent));
}

void ClusterLock::Beat() {
  timer_ = 0;
  loop::TimePoint now = loop::Clock::now();
  for (size_t i = 0; i < holders_.size() && !lost_; ++i) {
    Holder& holder = *holders_[i];
    if (holder.state != Holder::State::kLocked) continue;
    if (!holder.pings.empty() && now - holder.pings.front() >= answer_timeout_) {
      Lost(i, fmt::format("no heartbeat answer within {} ms", answer_timeout_.count()));
      return;
    }
    holder.pings.push_back(now);
    holder.unsent.append(kPing).push_back('\n');
    Flush(&holder);
  }
  if (!lost_) timer_ = loop_->AddTimerAfter(interval_, [this]() { Beat(); });
}

bool ClusterLock::Awaited(const Holder& holder) {
  return holder.channel && !holder.dead && holder.state != Holder::State::kExited;
}

void ClusterLock::Lost(size_t index, const std::string& why) {
  if (Awaited(*holders_[index])) --awaited_;
  holders_[index]->dead = true;
  if (lost_ || !on_lost_) return;
  lost_ = true;
  util::Status error = util::Status::Error(
      fmt::format("heartbeat lost on {}: {}", (*nodes_)[index].ref.display, why));
  AddStderrCause(holders_[index]->stderr_tail, &error);
  (*nodes_)[index].error = error;
  on_lost_(error);
}

void ClusterLock::Release() {
  if (timer_) {
    loop_->CancelTimer(timer_);
    timer_ = 0;
  }
  on_lost_ = nullptr;
  for (auto& holder : holders_) {
    if (holder->channel && holder->state != Holder::State::kExited) holder->channel->CloseStdin();
  }
  // A failed loop ends the wait early; closing every channel is all that
  // is left to do either way (the run reports the loop's failure).
  (void)loop_->RunUntil([this] { return awaited_ == 0; }, loop::Clock::now() + kReleaseWaitMs);
  for (auto& holder : holders_) {
    if (holder->channel) holder->channel->Close();
  }
  holders_.clear();
  awaited_ = 0;
}

}  // namespace cluster
