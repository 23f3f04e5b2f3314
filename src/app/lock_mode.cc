// Lock mode (-L): connect, lock, hold the lock with heartbeats until
// SIGINT/SIGTERM, then release every host and exit 130.
#include "app/modes.h"
#include "app/setup.h"

namespace app {

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
  util::Status waited = context.loop().RunUntil([&] { return context.was_interrupted(); });
  if (!waited.ok()) {
    context.Unlock();
    out.Error(waited.Wrap("can't hold the cluster lock"));
    return kExitError;
  }
  if (!context.heartbeat_error().ok()) return context.StopStatus();
  context.Unlock();
  context.RecordAllSucceeded();
  out.Log(output::Level::kInfo, "the cluster lock is released");
  return kExitInterrupted;
}

}  // namespace app
