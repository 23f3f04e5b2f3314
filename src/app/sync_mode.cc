// Sync mode (-S): check the files, connect, lock, upload into the run
// directory, then run the sync tool on every host speaking the sync protocol
// (orgalorg(1), MODES; doc/protocol.md).
#include <chrono>

#include <fmt/format.h>

#include "app/modes.h"
#include "app/run_id.h"
#include "app/setup.h"
#include "app/sync_tool_script.h"
#include "app/upload_phase.h"
#include "cluster/exit_summary.h"
#include "cluster/remote_cleanup.h"
#include "cluster/remote_command.h"
#include "cluster/remote_dir.h"
#include "cluster/run_on_all.h"
#include "cluster/sync_relay.h"
#include "protocol/sync_protocol.h"
#include "util/shell_quote.h"

namespace app {
namespace {

// Where the run directory lives on the hosts without -r.
constexpr const char* kRunDirBase = "/var/run/orgalorg";
constexpr const char* kInstalledSyncTool = "/usr/lib/orgalorg/sync";

// Without -n the default tool runs: the installed one when the host has it,
// else the copy shipped in the upload (zero install).
std::string SyncCommandWords(const cli::Options& options, bool shipped) {
  if (options.sync_cmd_given || !shipped) return options.sync_cmd;
  return fmt::format("if [ -x {0} ]; then {0} \"${{@}}\"; else sh ./{1} \"${{@}}\"; fi", kInstalledSyncTool,
                     kShippedSyncTool);
}

// Runs `line` on every node; for the steps around the sync tool.
util::Status RunStep(RunContext& context, const std::string& line, const std::string& what) {
  cluster::RunSpec spec;
  spec.command = line;
  cluster::RunResult result =
      cluster::RunOnAll(&context.loop(), context.nodes(), spec, context.out(), context.stop());
  context.Record(result.outcomes, /*final=*/false);
  if (!result.error.ok()) return result.error;
  return cluster::Summarize(result.outcomes).Wrap(what);
}

// The relay among the tools of `nodes` (every node, or one batch): their
// NODE lines name these hosts only.
std::unique_ptr<cluster::SyncRelay> MakeRelay(uint64_t run_id, std::span<const cluster::Node> nodes,
                                              output::Output* out, loop::EventLoop* loop) {
  std::vector<std::string> identities;
  std::vector<output::HostRef> refs;
  for (const cluster::Node& node : nodes) {
    identities.push_back(node.ref.identity);
    refs.push_back(node.ref);
  }
  // Relayed lines go out in one write per tool per flush, and flushes are
  // spaced by their own cost and by the host count (sync_relay.h).
  return std::make_unique<cluster::SyncRelay>(
      protocol::MakePrefix(run_id), identities, out, refs,
      [loop](std::chrono::microseconds delay, std::function<void()> task) {
        if (delay.count() == 0) return loop->Post(std::move(task));
        loop->AddTimerAfter(std::chrono::ceil<loop::Milliseconds>(delay), std::move(task));
      });
}

// The relay (unless -m), and with --batch the removal of the fresh run
// directory from hosts whose tool never ran (a -r directory is the user's:
// it stays).
PhaseHooks SyncHooks(const cli::Options& options, uint64_t run_id, const std::string& root, output::Output* out,
                     loop::EventLoop* loop) {
  PhaseHooks hooks;
  if (!options.simple) {
    hooks.make_relay = [run_id, out, loop](std::span<const cluster::Node> nodes) {
      return MakeRelay(run_id, nodes, out, loop);
    };
  }
  if (options.root.empty()) {
    hooks.not_started_cleanup = cluster::WrapCommand(RemoteWrapper(options), "rm -rf -- " + util::ShellQuote(root));
  }
  return hooks;
}

}  // namespace

int RunSyncMode(const cli::Options& options, output::Output& out, HostLedger* ledger) {
  uint64_t run_id = NewRunId();
  std::string root = options.root.empty() ? fmt::format("{}/{}", kRunDirBase, run_id) : options.root;
  bool ship_tool = !options.sync_cmd_given && !options.no_upload;

  std::optional<PreparedUpload> upload;
  if (!options.no_upload) {
    util::StatusOr<PreparedUpload> prepared =
        PrepareUpload(options, run_id, ship_tool ? std::string_view(kSyncToolScript) : std::string_view());
    if (!prepared.ok()) {
      out.Error(prepared.status());
      return kExitError;
    }
    upload = std::move(*prepared);
  }

  RunContext context(options, &out, ledger);
  util::Status status = context.Start();
  if (!status.ok() || context.stopped()) return context.End(status);
  if (upload) {
    status = RunUploadPhase(context, options, *upload, root, /*last_phase=*/false);
  } else {
    // --no-upload: the tool still starts in the run directory.
    status = RunStep(context,
                     cluster::WrapCommand(RemoteWrapper(options), cluster::PrepareRootCommand(root, options.root.empty())),
                     "can't create the run directory");
  }
  if (!status.ok() || context.stopped()) return context.End(status);

  cluster::RemoteCommandSpec command = RemoteWrapper(options);
  command.words = {SyncCommandWords(options, ship_tool)};
  command.root = root;
  command.args = options.args;
  cluster::RunSpec spec;
  spec.command = cluster::BuildRemoteCommand(command);
  spec.serial = options.serial;
  spec.cleanup_command = cluster::CleanupCommand(RemoteWrapper(options));
  spec.timeout = loop::Milliseconds(options.command_timeout_ms);
  out.Log(output::Level::kDebug, "sync command line: " + spec.command);

  if (options.simple) spec.stdin_file = options.stdin_file;
  return RunAndConclude(context, options, spec, SyncHooks(options, run_id, root, &out, &context.loop()));
}

}  // namespace app
