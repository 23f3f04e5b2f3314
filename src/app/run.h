// The four modes (orgalorg(1), MODES) as short orchestration functions.
#ifndef ORGALORG_APP_RUN_H_
#define ORGALORG_APP_RUN_H_

#include "cli/options.h"
#include "cluster/stop.h"
#include "output/output.h"

namespace app {

// Exit statuses (orgalorg(1), EXIT STATUS).
constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitHeartbeat = 2;
constexpr int kExitInterrupted = 130;

// The exit status of a run that ended for `reason` (kNone: it succeeded).
int ExitStatusFor(cluster::StopReason reason);

// Runs the mode `options` selects and returns the process exit status.
int Run(const cli::Options& options, output::Output& out);

}  // namespace app

#endif  // ORGALORG_APP_RUN_H_
