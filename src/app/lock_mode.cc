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
  if (!status.ok() || context.stopped()) return context.End(status);
  out.Log(output::Level::kInfo, "the cluster lock is held on " + std::to_string(context.nodes().size()) +
                                    " nodes, waiting for interrupt (Ctrl-C) to release it");
  util::Status waited = context.loop().RunUntil([&] { return context.stopped(); });
  if (!waited.ok()) return context.End(waited.Wrap("can't hold the cluster lock"));
  if (context.stop().reason() != cluster::StopReason::kInterrupted) return context.End(util::Status::Ok());
  // Ctrl-C is how lock mode ends: the lock is released, every host done.
  context.Unlock();
  context.RecordAllSucceeded();
  out.Log(output::Level::kInfo, "the cluster lock is released");
  return ExitStatusFor(context.stop().reason());
}

}  // namespace app
