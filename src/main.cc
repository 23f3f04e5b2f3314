// orgalorg: argv -> Options -> app::Run -> exit code.
#include <unistd.h>

#include <cstdlib>

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
  output::ColorMode color = options->color == cli::Color::kAlways  ? output::ColorMode::kAlways
                            : options->color == cli::Color::kNever ? output::ColorMode::kNever
                                                                   : output::ColorMode::kAuto;
  const char* no_color = std::getenv("NO_COLOR");
  output::Output out({.quiet = options->quiet,
                      .json = options->json,
                      .verbose = options->verbose,
                      .status_line = isatty(2) && !options->quiet && !options->json,
                      .color_stdout = output::UseColor(color, isatty(1), no_color),
                      .color_stderr = output::UseColor(color, isatty(2), no_color),
                      .theme = options->colors_light ? output::Theme::kLight : output::Theme::kDark});
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
