// One function per mode of SPEC.md section 1; each returns the exit status.
#ifndef ORGALORG_APP_MODES_H_
#define ORGALORG_APP_MODES_H_

#include "app/run.h"
#include "cli/options.h"
#include "output/output.h"

namespace app {

int RunCommandMode(const cli::Options& options, output::Output& out);
int RunUploadMode(const cli::Options& options, output::Output& out);
int RunLockMode(const cli::Options& options, output::Output& out);
int RunSyncMode(const cli::Options& options, output::Output& out);

}  // namespace app

#endif  // ORGALORG_APP_MODES_H_
