// Upload mode (-U): check the files, connect, lock, stream one archive into
// the -r directory on every host.
#include "app/modes.h"
#include "app/run_id.h"
#include "app/setup.h"
#include "app/upload_phase.h"

namespace app {

int RunUploadMode(const cli::Options& options, output::Output& out, HostLedger* ledger) {
  util::StatusOr<PreparedUpload> upload = PrepareUpload(options, NewRunId(), {});
  if (!upload.ok()) {
    out.Error(upload.status());
    return kExitError;
  }
  RunContext context(options, &out, ledger);
  util::Status status = context.Start();
  if (context.was_interrupted()) return context.StopStatus();
  if (status.ok()) {
    bool stopped = false;
    status = RunUploadPhase(context, options, *upload, options.root, &stopped);
    if (stopped) return context.StopStatus();
  }
  context.Unlock();
  if (!status.ok()) {
    out.Error(status);
    return kExitError;
  }
  return kExitOk;
}

}  // namespace app
