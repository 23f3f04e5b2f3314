#include "app/run.h"

#include "app/modes.h"

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

}  // namespace

int Run(const cli::Options& options, output::Output& out) {
  if (options.mode == cli::Mode::kCommand) return RunCommandMode(options, out);
  if (options.mode == cli::Mode::kUpload) return RunUploadMode(options, out);
  if (options.mode == cli::Mode::kLock) return RunLockMode(options, out);
  if (options.mode == cli::Mode::kSync) return RunSyncMode(options, out);
  // The other modes land with their own issues; until then they fail loudly.
  out.Error(util::Status::Error(std::string(ModeName(options.mode)) + " is not implemented yet"));
  return kExitError;
}

}  // namespace app
