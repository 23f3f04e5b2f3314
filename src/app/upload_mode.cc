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
  if (status.ok() && !context.stopped()) {
    status = RunUploadPhase(context, options, *upload, options.root, /*last_phase=*/true);
  }
  if (!context.stopped()) context.Unlock();
  return context.End(status);
}

}  // namespace app
