#include "cluster/run_on_all.h"

#include <fmt/format.h>

#include <memory>

#include "cluster/host_output.h"
#include "cluster/remote_cleanup.h"
#include "cluster/stdin_feeder.h"

namespace cluster {
namespace {

// The longest the loop sleeps between checks of `*interrupted`.
constexpr ssh::Milliseconds kPollSliceMs{200};
// The longest an interrupted run waits for commands still being started.
constexpr ssh::Milliseconds kSettleBeforeCleanupMs{3000};

struct Running {
  std::unique_ptr<ssh::Channel> channel;
  static constexpr size_t kNoSlot = static_cast<size_t>(-1);
  size_t feeder_slot = kNoSlot;
  bool done = false;
  ssh::TimePoint started;
};

util::Status ExitError(int exit_status, const std::string& signal_name, const ssh::Channel& channel) {
  if (!channel.error().ok()) return channel.error();
  if (!signal_name.empty()) return util::Status::Error("killed by signal " + signal_name);
  (void)exit_status;
  return util::Status::Ok();
}

}  // namespace

RunResult RunOnAll(ssh::EventLoop* loop, Nodes* nodes, const RunSpec& spec, output::Output* out,
                   const bool* interrupted) {
  RunResult result;
  result.outcomes.resize(nodes->size());
  StdinFeeder feeder(spec.stdin_file);
  if (!feeder.status().ok()) {
    result.error = feeder.status();
    return result;
  }

  std::vector<output::HostRef> refs;
  for (const Node& node : *nodes) refs.push_back(node.ref);
  HostOutput::LineFilter filter;
  if (spec.relay) {
    filter = [relay = spec.relay](size_t host, std::string_view line) { return relay->OnToolLine(host, line); };
  }
  HostOutput host_output(out, refs, spec.serial, filter);

  std::vector<Running> running(nodes->size());
  size_t pending = 0;
  size_t finished = 0;
  size_t failed = 0;
  for (size_t i = 0; i < nodes->size(); ++i) {
    Node& node = (*nodes)[i];
    HostOutcome& outcome = result.outcomes[i];
    outcome.host = node.ref.display;
    Running& run = running[i];
    auto finish = [&, i](util::Status error, int code) {
      Running& r = running[i];
      if (r.done) return;
      r.done = true;
      --pending;
      result.outcomes[i].error = std::move(error);
      result.outcomes[i].exit_code = code;
      out->Log(output::Level::kDebug,
               fmt::format("{}: {} after {} ms", (*nodes)[i].ref.display,
                           result.outcomes[i].error.ok() ? fmt::format("exit code {}", code)
                                                         : result.outcomes[i].error.ToString(),
                           ssh::MillisecondsSince(r.started)));
      if (r.feeder_slot != Running::kNoSlot) feeder.Drop(r.feeder_slot);
      host_output.Finish(i);
      if (spec.relay) {
        spec.relay->Detach(i);
        if (!result.outcomes[i].ok()) spec.relay->CloseAll();
      }
      ++finished;
      if (!result.outcomes[i].ok()) ++failed;
      out->Status(fmt::format("exec: {}/{} done, {} failed", finished, nodes->size(), failed));
    };
    if (!node.connected()) {
      outcome.error = node.error.ok() ? util::Status::Error("not connected") : node.error;
      run.done = true;
      continue;
    }
    ssh::ChannelCallbacks callbacks;
    callbacks.on_stdout = [&, i](std::string_view data) {
      host_output.Data(i, output::Stream::kStdout, data);
    };
    callbacks.on_stderr = [&, i](std::string_view data) {
      host_output.Data(i, output::Stream::kStderr, data);
    };
    callbacks.on_writable = [&, i]() {
      if (spec.relay) spec.relay->Flush(i);
      if (running[i].feeder_slot != Running::kNoSlot) feeder.Pump(running[i].feeder_slot);
    };
    callbacks.on_exit = [&, i, finish](int status, std::string signal_name) {
      util::Status error = ExitError(status, signal_name, *running[i].channel);
      finish(std::move(error), status);
    };
    util::StatusOr<std::unique_ptr<ssh::Channel>> channel =
        node.session->Exec(spec.command, std::move(callbacks));
    ++pending;
    run.started = ssh::Clock::now();
    out->Log(output::Level::kTrace, node.ref.display + ": command started");
    if (!channel.ok()) {
      finish(channel.status().Wrap("can't start the command"), -1);
      continue;
    }
    run.channel = std::move(*channel);
    if (spec.relay) {
      spec.relay->Attach(i, run.channel.get());
    } else {
      run.feeder_slot = feeder.Add(run.channel.get());
    }
  }

  while (pending > 0 && !*interrupted) loop->RunOnce(kPollSliceMs);

  if (pending > 0) {
    result.interrupted = true;
    // A command whose exec request is still on its way would start after
    // the cleanup looked for it and survive: let every channel reach a
    // definite state first (started, refused or closed), for a bounded time.
    ssh::TimePoint settle_until = ssh::Clock::now() + kSettleBeforeCleanupMs;
    auto unsettled = [&]() {
      for (const Running& run : running) {
        if (!run.done && run.channel && !run.channel->started()) return true;
      }
      return false;
    };
    while (unsettled() && ssh::Clock::now() < settle_until) loop->RunOnce(kPollSliceMs);
    std::vector<bool> busy(running.size());
    for (size_t i = 0; i < running.size(); ++i) busy[i] = !running[i].done && running[i].channel;
    // The cleanup first: it finds a command's processes through the command
    // (the session leader), so the leader must still be alive when it looks.
    // Then TERM through the channel, for hosts the cleanup could not reach.
    if (!spec.cleanup_command.empty()) CleanUpNodes(loop, nodes, busy, spec.cleanup_command);
    for (size_t i = 0; i < running.size(); ++i) {
      if (busy[i] && !running[i].done) running[i].channel->Signal("TERM");
    }
    for (size_t i = 0; i < running.size(); ++i) {
      Running& run = running[i];
      if (run.done || !run.channel) continue;
      run.channel->Close();
      run.done = true;
      result.outcomes[i].error = util::Status::Error("interrupted");
      host_output.Finish(i);
    }
    loop->RunOnce(ssh::Milliseconds(0));  // Let the signal and close go out.
  }
  return result;
}

}  // namespace cluster
