// One function per mode (orgalorg(1), MODES); each returns the exit status
// and marks in `ledger` which hosts succeeded and why the others failed.
#ifndef ORGALORG_APP_MODES_H_
#define ORGALORG_APP_MODES_H_

#include "app/host_ledger.h"
#include "app/run.h"
#include "cli/options.h"
#include "output/output.h"

namespace app {

int RunCommandMode(const cli::Options& options, output::Output& out, HostLedger* ledger);
int RunUploadMode(const cli::Options& options, output::Output& out, HostLedger* ledger);
int RunLockMode(const cli::Options& options, output::Output& out, HostLedger* ledger);
int RunSyncMode(const cli::Options& options, output::Output& out, HostLedger* ledger);

}  // namespace app

#endif  // ORGALORG_APP_MODES_H_
