// Command mode (-C): connect, (lock,) run the command everywhere, summarize.
#include "app/modes.h"

#include "app/setup.h"
#include "cluster/remote_cleanup.h"
#include "cluster/remote_command.h"
#include "cluster/run_on_all.h"

namespace app {

int RunCommandMode(const cli::Options& options, output::Output& out, HostLedger* ledger) {
  RunContext context(options, &out, ledger);
  util::Status status = context.Start();
  if (!status.ok() || context.stopped()) return context.End(status);

  cluster::RemoteCommandSpec command = RemoteWrapper(options);
  command.words = options.positional;
  command.root = options.root;
  cluster::RunSpec spec{cluster::BuildRemoteCommand(command), options.stdin_file, options.serial,
                        cluster::CleanupCommand(RemoteWrapper(options))};
  spec.timeout = loop::Milliseconds(options.command_timeout_ms);
  out.Log(output::Level::kDebug, "remote command line: " + spec.command);

  return RunAndConclude(context, options, spec);
}

}  // namespace app
