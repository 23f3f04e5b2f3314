// orgalorg: argv -> Options -> app::Run -> exit code.
#include <unistd.h>

#include "app/run.h"
#include "cli/options.h"
#include "cli/usage.h"
#include "output/output.h"

int main(int argc, char** argv) {
  util::StatusOr<cli::Options> options = cli::ParseOptions(argc, argv);
  if (!options.ok()) {
    output::Output out({});
    out.Text(output::Stream::kStderr, cli::UsageErrorText());
    out.Error(options.status());
    return app::kExitError;
  }
  output::Output out({.quiet = options->quiet,
                      .json = options->json,
                      .verbose = options->verbose,
                      .status_line = isatty(2) && !options->quiet && !options->json});
  if (options->help) {
    out.Text(output::Stream::kStdout, cli::HelpText());
    return app::kExitOk;
  }
  if (options->version) {
    out.Text(output::Stream::kStdout, cli::VersionText() + "\n");
    return app::kExitOk;
  }
  int status = app::Run(*options, out);
  out.ClearStatus();
  return status;
}
