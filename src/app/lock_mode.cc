// Lock mode (-L): connect, lock, hold the lock with heartbeats until
// SIGINT/SIGTERM, then release every host and exit 130.
#include "app/modes.h"
#include "app/setup.h"

namespace app {
namespace {

// The longest the loop sleeps between checks of the stop flag.
constexpr ssh::Milliseconds kPollSliceMs{200};

}  // namespace

int RunLockMode(const cli::Options& options, output::Output& out, HostLedger* ledger) {
  if (options.no_lock) {
    out.Error(util::Status::Error("-L with -y holds nothing: drop -y"));
    return kExitError;
  }
  RunContext context(options, &out, ledger);
  util::Status status = context.Start();
  if (context.was_interrupted()) return context.StopStatus();
  if (!status.ok()) {
    out.Error(status);
    return kExitError;
  }
  out.Log(output::Level::kInfo, "the cluster lock is held on " + std::to_string(context.nodes().size()) +
                                    " nodes, waiting for interrupt (Ctrl-C) to release it");
  while (!context.was_interrupted()) context.loop().RunOnce(kPollSliceMs);
  if (!context.heartbeat_error().ok()) return context.StopStatus();
  context.Unlock();
  context.RecordAllSucceeded();
  out.Log(output::Level::kInfo, "the cluster lock is released");
  return kExitInterrupted;
}

}  // namespace app
