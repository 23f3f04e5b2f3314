#include "app/run.h"

#include "app/host_ledger.h"
#include "app/modes.h"
#include "util/atomic_file.h"
#include "util/stdin_file.h"

namespace app {
namespace {

const char* ModeName(cli::Mode mode) {
  switch (mode) {
    case cli::Mode::kCommand: return "command mode (-C)";
    case cli::Mode::kSync: return "sync mode (-S)";
    case cli::Mode::kUpload: return "upload mode (-U)";
    case cli::Mode::kLock: return "lock mode (-L)";
    case cli::Mode::kNone: break;
  }
  return "no mode";
}

// Why a host that has no cause of its own did not succeed.
std::string DefaultCause(int exit_status) {
  switch (exit_status) {
    case kExitOk: return "not done";
    case kExitHeartbeat: return "not done: the run stopped when the cluster lock was lost";
    case kExitInterrupted: return "not done: the run was interrupted";
    default: return "not done: the run stopped on an error elsewhere";
  }
}

int RunMode(const cli::Options& options, output::Output& out, HostLedger* ledger) {
  if (options.mode == cli::Mode::kCommand) return RunCommandMode(options, out, ledger);
  if (options.mode == cli::Mode::kUpload) return RunUploadMode(options, out, ledger);
  if (options.mode == cli::Mode::kLock) return RunLockMode(options, out, ledger);
  if (options.mode == cli::Mode::kSync) return RunSyncMode(options, out, ledger);
  // The other modes land with their own issues; until then they fail loudly.
  out.Error(util::Status::Error(std::string(ModeName(options.mode)) + " is not implemented yet"));
  return kExitError;
}

}  // namespace

int ExitStatusFor(cluster::StopReason reason) {
  switch (reason) {
    case cluster::StopReason::kNone: return kExitOk;
    case cluster::StopReason::kInterrupted: return kExitInterrupted;
    case cluster::StopReason::kHeartbeatLost: return kExitHeartbeat;
    case cluster::StopReason::kFailed: return kExitError;
  }
  return kExitError;
}

int Run(const cli::Options& given, output::Output& out) {
  cli::Options options = given;
  if (options.stdin_file == "-") {  // -i -: standard input, kept whole first.
    util::StatusOr<std::string> path = util::StdinAsFile();
    if (!path.ok()) {
      out.Error(path.status());
      return kExitError;
    }
    options.stdin_file = *path;
  }
  HostLedger ledger;
  int exit_status = RunMode(options, out, &ledger);
  // Written once the host list is known (a run that stops before reading
  // it leaves the file as it was).
  if (options.failed_hosts_file.empty() || ledger.empty()) return exit_status;
  util::Status written =
      util::WriteFileAtomically(options.failed_hosts_file, ledger.FailedHostsText(DefaultCause(exit_status)));
  if (!written.ok()) {
    out.Error(written.Wrap("can't save the failed hosts"));
    if (exit_status == kExitOk) exit_status = kExitError;
  }
  return exit_status;
}

}  // namespace app
