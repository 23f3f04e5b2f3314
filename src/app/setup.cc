#include "app/setup.h"

#include <pwd.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <cerrno>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <iostream>

#include "app/host_setup.h"
#include "app/run.h"
#include "app/signals.h"
#include "cluster/connect_all.h"
#include "cluster/exit_summary.h"
#include "hosts/host_list.h"
#include "ssh/jump_host.h"
#include "ssh/jump_router.h"
#include "ssh/jump_spec.h"
#include "ssh/key_ring.h"
#include "ssh/random_pool.h"
#include "ssh/resolver.h"
#include "ssh/session_options.h"
#include "util/atomic_file.h"
#include "util/fd_limit.h"
#include "util/tty_prompt.h"

namespace app {
namespace {

// Upper bound of the heartbeat interval (orgalorg(1), LOCK: min(10 s, 0.8 x -j)).
constexpr int kMaxHeartbeatMs = 10000;

std::string HomeDir() {
  const char* home = std::getenv("HOME");
  if (home && *home) return home;
  passwd* pw = getpwuid(getuid());
  return pw ? pw->pw_dir : "/";
}

// Why the `count` hosts behind the jump host `jump` are not reached.
std::string JumpFailureText(const std::string& jump, size_t count, bool skipping) {
  if (skipping) {
    return count == 1 ? fmt::format("skipping the node behind jump host {}", jump)
                      : fmt::format("skipping the {} nodes behind jump host {}", count, jump);
  }
  return count == 1 ? fmt::format("can't connect to jump host {}, so not to the node behind it", jump)
                    : fmt::format("can't connect to jump host {}, so to none of the {} nodes behind it", jump, count);
}

}  // namespace

cluster::RemoteCommandSpec RemoteWrapper(const cli::Options& options) {
  cluster::RemoteCommandSpec wrapper;
  wrapper.shell_template = options.shell;
  wrapper.sudo = options.sudo;
  return wrapper;
}

std::string CurrentUserName() {
  passwd* pw = getpwuid(getuid());
  if (pw) return pw->pw_name;
  const char* user = std::getenv("USER");
  return user ? user : "root";
}

RunContext::RunContext(const cli::Options& options, output::Output* out, HostLedger* ledger)
    : options_(options), out_(out), ledger_(ledger) {
  // A status line update that came too soon is drawn by a timer of the loop.
  out_->SetRedrawScheduler([this](long long delay_ms) {
    loop_.AddTimerAfter(loop::Milliseconds(delay_ms), [this] { out_->RedrawStatus(); });
  });
}

RunContext::~RunContext() {
  out_->SetRedrawScheduler(nullptr);
  Unlock();
  nodes_.clear();  // Sessions go before the loop they use,
  jump_router_.reset();  // and before the jump hosts they go through.
  if (signal_fd_ >= 0) close(signal_fd_);
  if (password_) util::Scrub(&*password_);
}

util::Status RunContext::Prepare() {
  if (!loop_.status().ok()) return loop_.status();
  util::Status random = ssh::UseRandomPool();
  if (!random.ok()) return random;
  if (!options_.failed_hosts_file.empty()) {
    util::Status writable = util::CheckWritable(options_.failed_hosts_file);
    if (!writable.ok()) return writable.Wrap("--failed-hosts");
  }
  std::string default_user = options_.user.empty() ? CurrentUserName() : options_.user;
  util::StatusOr<std::vector<hosts::Address>> list = ReadHostList(options_, default_user, out_);
  if (!list.ok()) return list.status();
  util::StatusOr<util::FdLimitChange> fds = util::EnsureOpenFilesFor(list->size());
  if (!fds.ok()) return fds.status();
  if (fds->after != fds->before) {
    out_->Log(output::Level::kDebug, fmt::format("raised the open-file limit from {} to {} for {} hosts",
                                                 fds->before, fds->after, list->size()));
  }
  for (hosts::Address& address : *list) {
    cluster::Node node;
    node.ref.display = address.given;
    node.ref.identity = hosts::Identity(address);
    node.address = std::move(address);
    ledger_->Add(node.ref.display);
    nodes_.push_back(std::move(node));
  }

  util::StatusOr<int> signal_fd = InstallSignalPipe();
  if (!signal_fd.ok()) return signal_fd.status();
  signal_fd_ = *signal_fd;
  loop_.Watch(
      signal_fd_, loop::kReadable,
      [this](uint32_t) {
        if (DrainSignalPipe(signal_fd_) != 0) stop_.Request(cluster::StopReason::kInterrupted);
      },
      /*keeps_loop_alive=*/false);

  if (!options_.key.empty() && access(options_.key.c_str(), R_OK) != 0) {
    return util::Status::Error("can't read private key " + options_.key + ": " + std::strerror(errno));
  }
  // Before connecting, rather than after every host is connected and locked.
  if (!options_.stdin_file.empty() && access(options_.stdin_file.c_str(), R_OK) != 0) {
    return util::Status::Error("can't open stdin file " + options_.stdin_file + ": " + std::strerror(errno));
  }
  if (options_.password) {
    util::StatusOr<std::string> password = util::PromptSecret("Password: ");
    if (!password.ok()) return password.status();
    password_ = std::move(*password);
  }
  return util::Status::Ok();
}

util::Status RunContext::Connect() {
  std::string home = HomeDir();
  ssh::SessionOptions base;
  if (!options_.user.empty()) base.user = options_.user;
  base.identity_files = options_.key.empty() ? ssh::DefaultIdentityFiles(home)
                                             : std::vector<std::string>{options_.key};
  base.identity_from_config = options_.key.empty();
  base.key_ring = std::make_shared<ssh::KeyRing>([]() -> std::optional<std::string> {
    util::StatusOr<std::string> answer = util::PromptSecret("Key passphrase: ");
    if (!answer.ok()) return std::nullopt;
    return *answer;
  });
  key_ring_ = base.key_ring;
  identity_files_ = base.identity_files;
  base.password = password_;
  base.resolver = std::make_shared<ssh::Resolver>(&loop_);
  base.known_hosts_path = ssh::DefaultKnownHostsPath(home);
  base.host_key_policy = options_.strict_host_keys ? ssh::HostKeyPolicy::kStrict
                                                   : ssh::HostKeyPolicy::kAcceptNew;
  base.connect_timeout = std::chrono::milliseconds(options_.conn_timeout_ms);
  base.keep_alive = std::chrono::milliseconds(options_.keep_alive_ms);
  base.dead_after = std::chrono::milliseconds(options_.recv_timeout_ms);
  if (!options_.jump.empty()) {
    util::StatusOr<ssh::JumpChain> chain = ssh::ParseJumpChain(options_.jump);
    if (!chain.ok()) return chain.status();
    base.jump = std::move(*chain);
  }
  ssh::SessionOptions hop_base = base;
  hop_base.user.reset();  // As with OpenSSH's -J: not -u's user.
  jump_router_ = std::make_unique<ssh::JumpRouter>(&loop_, std::move(hop_base));
  base.jump_router = jump_router_.get();

  util::StatusOr<size_t> connected = cluster::ConnectAll(&loop_, &nodes_, base, options_.threads, stop_, out_);
  if (!connected.ok()) return connected.status();
  if (stop_.requested()) return util::Status::Error("interrupted");
  if (*connected == 0) return util::Status::Ok();
  return ConnectFailed(*connected);
}

util::Status RunContext::ConnectFailed(size_t failed) {
  // Hosts that failed because a jump host did: one message per jump host.
  std::vector<const ssh::JumpHost*> jumps;
  std::map<const ssh::JumpHost*, size_t> behind;
  for (cluster::Node& node : nodes_) {
    if (node.connected()) continue;
    ledger_->Fail(node.ref.display, node.error);
    if (node.failed_jump_host != nullptr && behind[node.failed_jump_host]++ == 0) {
      jumps.push_back(node.failed_jump_host);
    }
  }
  auto jump_error = [&](const ssh::JumpHost* jump, bool skipping) {
    return util::Status::Error(JumpFailureText(jump->identity(), behind[jump], skipping)).AddCause(*jump->failure());
  };
  if (!options_.no_conn_fail && jumps.size() == 1 && behind[jumps[0]] == failed) {
    return jump_error(jumps[0], false);
  }
  util::Status summary = util::Status::Error(
      failed == nodes_.size() ? "can't connect to any of " + std::to_string(nodes_.size()) + " nodes"
                              : "can't connect to " + std::to_string(failed) + " out of " +
                                    std::to_string(nodes_.size()) + " nodes");
  for (const ssh::JumpHost* jump : jumps) {
    if (options_.no_conn_fail) {
      out_->Warning(jump_error(jump, true));
    } else {
      summary.AddCause(jump_error(jump, false));
    }
  }
  cluster::Nodes good;
  for (cluster::Node& node : nodes_) {
    if (node.connected()) {
      good.push_back(std::move(node));
    } else if (node.failed_jump_host != nullptr) {
      continue;  // Reported above.
    } else if (options_.no_conn_fail) {
      out_->Warning(node.error.Wrap("skipping unreachable node " + node.ref.display));
    } else {
      summary.AddCause(node.error);
    }
  }
  if (!options_.no_conn_fail) return summary;
  nodes_ = std::move(good);
  if (nodes_.empty()) return summary;
  return util::Status::Ok();
}

util::Status RunContext::Lock() {
  if (options_.no_lock) return util::Status::Ok();
  cluster::LockSpec spec;
  spec.path = !options_.lock_file.empty() ? options_.lock_file
              : !options_.root.empty()    ? options_.root
                                          : "/";
  spec.create_directory = options_.lock_file.empty() && !options_.root.empty();
  spec.no_lock_fail = options_.no_lock_fail;
  spec.wrapper = RemoteWrapper(options_);
  char host[256] = "?";
  gethostname(host, sizeof host - 1);
  std::time_t now = std::time(nullptr);
  char since[32];
  std::strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  spec.owner = fmt::format("{}@{} pid {} since {}", CurrentUserName(), host, getpid(), since);
  lock_ = std::make_unique<cluster::ClusterLock>(&loop_, &nodes_, out_);
  util::Status status = lock_->Acquire(spec, stop_);
  if (!status.ok()) {
    RecordNodeErrors();
    lock_.reset();
    return status;
  }
  out_->Log(output::Level::kDebug, "global lock acquired on " + std::to_string(nodes_.size()) + " nodes");
  // In 64 bits: -j may be up to 596 hours.
  int64_t interval_ms = std::min<int64_t>(kMaxHeartbeatMs, int64_t{options_.send_timeout_ms} * 4 / 5);
  // A PING may go unanswered for the send timeout: on a loaded host the
  // holder can be slow to run without the lock being in danger.
  lock_->StartHeartbeat(loop::Milliseconds(std::max<int64_t>(interval_ms, 1)),
                        loop::Milliseconds(options_.send_timeout_ms), [this](util::Status error) {
    heartbeat_error_ = std::move(error);
    stop_.Request(cluster::StopReason::kHeartbeatLost);
  });
  return util::Status::Ok();
}

util::Status RunContext::Start() {
  util::Status status = Prepare();
  if (status.ok()) status = Connect();
  if (status.ok()) status = Lock();
  return status;
}

void RunContext::Unlock() {
  if (!lock_) return;
  lock_->Release();
  lock_.reset();
}

void RunContext::Record(const std::vector<cluster::HostOutcome>& outcomes, bool final) {
  for (const cluster::HostOutcome& outcome : outcomes) {
    if (!outcome.error.ok()) {
      ledger_->Fail(outcome.host, outcome.error);
    } else if (outcome.exit_code != 0) {
      ledger_->Fail(outcome.host, util::Status::Error(fmt::format("exit code {}", outcome.exit_code)));
    } else if (final) {
      ledger_->Succeed(outcome.host);
    }
  }
}

void RunContext::RecordNodeErrors() {
  for (const cluster::Node& node : nodes_) {
    if (!node.error.ok()) ledger_->Fail(node.ref.display, node.error);
  }
}

void RunContext::RecordAllSucceeded() {
  for (const cluster::Node& node : nodes_) ledger_->Succeed(node.ref.display);
}

int RunContext::Conclude(const cluster::RunResult& result, util::Status halted) {
  RecordNodeErrors();
  Record(result.outcomes, /*final=*/true);
  if (!stopped()) Unlock();
  if (!result.error.ok()) return End(result.error);
  util::Status summary = cluster::Summarize(result.outcomes);
  if (halted.ok()) return End(summary);
  return End(halted.AddCause(summary));
}

int RunContext::End(const util::Status& status) {
  switch (stop_.reason()) {
    case cluster::StopReason::kHeartbeatLost:
      RecordNodeErrors();
      out_->Error(heartbeat_error_.Wrap("aborting the run: the cluster lock is lost"));
      break;
    case cluster::StopReason::kInterrupted:
      RecordNodeErrors();
      out_->Error(util::Status::Error("interrupted; remote commands were stopped"));
      break;
    case cluster::StopReason::kNone:
    case cluster::StopReason::kFailed:
      if (status.ok()) break;
      stop_.Request(cluster::StopReason::kFailed);
      out_->Error(status);
      break;
  }
  return ExitStatusFor(stop_.reason());
}

}  // namespace app
