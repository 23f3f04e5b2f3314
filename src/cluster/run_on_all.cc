#include "cluster/run_on_all.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "cluster/host_output.h"
#include "cluster/remote_cleanup.h"
#include "cluster/stdin_feeder.h"

namespace cluster {
namespace {

// The longest an interrupted run waits for commands still being started.
constexpr loop::Milliseconds kSettleBeforeCleanupMs{3000};

struct Running {
  std::unique_ptr<ExecChannel> channel;
  // Set once the command ran past the timeout: the cleanup is running and
  // the host ends when it ends (or at cleanup_deadline).
  std::unique_ptr<ExecChannel> cleanup;
  bool timed_out = false;
  loop::TimePoint cleanup_deadline;
  static constexpr size_t kNoSlot = static_cast<size_t>(-1);
  size_t feeder_slot = kNoSlot;
  bool done = false;
  loop::TimePoint started;
};

util::Status ExitError(int exit_status, const std::string& signal_name, const ExecChannel& channel) {
  if (!channel.error().ok()) return channel.error();
  if (!signal_name.empty()) return util::Status::Error("killed by signal " + signal_name);
  (void)exit_status;
  return util::Status::Ok();
}

}  // namespace

RunResult RunOnAll(loop::EventLoop* loop, Nodes* nodes, const RunSpec& spec, output::Output* out,
                   const Stop& stop) {
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
  HostOutput host_output(out, refs, spec.serial, filter, spec.fold);

  std::vector<Running> running(nodes->size());
  size_t pending = 0;
  size_t finished = 0;
  size_t failed = 0;
  // Ends host i's command: records its outcome, frees what it held.
  auto finish = [&](size_t i, util::Status error, int code) {
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
                         loop::MillisecondsSince(r.started)));
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
  for (size_t i = 0; i < nodes->size(); ++i) {
    Node& node = (*nodes)[i];
    HostOutcome& outcome = result.outcomes[i];
    outcome.host = node.ref.display;
    Running& run = running[i];
    if (!node.connected()) {
      outcome.error = node.error.ok() ? util::Status::Error("not connected") : node.error;
      run.done = true;
      continue;
    }
    ExecCallbacks callbacks;
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
    callbacks.on_exit = [&, i](int status, std::string signal_name) {
      if (running[i].timed_out) return;  // Ends with its cleanup.
      finish(i, ExitError(status, signal_name, *running[i].channel), status);
    };
    util::StatusOr<std::unique_ptr<ExecChannel>> channel =
        node.exec->Exec(spec.command, std::move(callbacks));
    ++pending;
    run.started = loop::Clock::now();
    out->Log(output::Level::kTrace, node.ref.display + ": command started");
    if (!channel.ok()) {
      finish(i, channel.status().Wrap("can't start the command"), -1);
      continue;
    }
    run.channel = std::move(*channel);
    if (spec.relay) {
      spec.relay->Attach(i, run.channel.get());
    } else {
      run.feeder_slot = feeder.Add(run.channel.get());
    }
  }

  // Commands started in node order, so their deadlines are in node order:
  // `watch` is the first node whose deadline may still be ahead.
  size_t watch = 0;
  std::vector<size_t> timed_out;  // Hosts whose cleanup is running.
  auto stop_timed_out = [&](size_t i) {
    Running& run = running[i];
    if (run.done) return;
    run.channel->Signal("TERM");
    run.channel->Close();
    run.cleanup.reset();
    finish(i, util::Status::Error(fmt::format("timed out after {} ms", spec.timeout.count())), -1);
  };
  auto time_out = [&](size_t i) {
    Running& run = running[i];
    run.timed_out = true;
    run.cleanup_deadline = loop::Clock::now() + kCleanupWaitMs;
    timed_out.push_back(i);
    out->Log(output::Level::kDebug, fmt::format("{}: still running after {} ms, stopping it",
                                                (*nodes)[i].ref.display, loop::MillisecondsSince(run.started)));
    if (spec.cleanup_command.empty()) return stop_timed_out(i);
    ExecCallbacks callbacks;
    callbacks.on_exit = [&, i](int, std::string) { stop_timed_out(i); };
    util::StatusOr<std::unique_ptr<ExecChannel>> cleanup =
        (*nodes)[i].exec->Exec(spec.cleanup_command, std::move(callbacks));
    if (!cleanup.ok()) return stop_timed_out(i);
    run.cleanup = std::move(*cleanup);
  };
  // Times out the commands past their deadline; returns the next deadline.
  auto check_deadlines = [&]() {
    loop::TimePoint next = loop::TimePoint::max();
    if (spec.timeout.count() == 0) return next;
    loop::TimePoint now = loop::Clock::now();
    for (; watch < running.size(); ++watch) {
      Running& run = running[watch];
      if (run.done || run.timed_out || !run.channel) continue;
      loop::TimePoint deadline = run.started + spec.timeout;
      if (deadline > now) {
        next = deadline;
        break;
      }
      time_out(watch);
    }
    for (size_t i : timed_out) {  // A cleanup that does not end in time.
      if (running[i].done) continue;
      if (now >= running[i].cleanup_deadline) {
        stop_timed_out(i);
      } else {
        next = std::min(next, running[i].cleanup_deadline);
      }
    }
    return next;
  };
  auto stopped = [&]() { return pending == 0 || stop.requested(); };
  util::Status waited;
  while (waited.ok() && !stopped()) waited = loop->RunUntil(stopped, check_deadlines());

  if (pending > 0) {
    // Stopped by a signal or a lost heartbeat, or the loop failed (an error).
    if (!waited.ok()) result.error = waited;
    // A command whose exec request is still on its way would start after
    // the cleanup looked for it and survive: let every channel reach a
    // definite state first (started, refused or closed), for a bounded time.
    loop::TimePoint settle_until = loop::Clock::now() + kSettleBeforeCleanupMs;
    auto unsettled = [&]() {
      for (const Running& run : running) {
        if (!run.done && run.channel && !run.channel->started()) return true;
      }
      return false;
    };
    (void)loop->RunUntil([&] { return !unsettled(); }, settle_until);  // A failure is already reported.
    std::vector<bool> busy(running.size());
    for (size_t i = 0; i < running.size(); ++i) busy[i] = !running[i].done && running[i].channel;
    // The cleanup first: it finds a command's processes through the command
    // (the session leader), so the leader must still be alive when it looks.
    // Then TERM through the channel, for hosts the cleanup could not reach.
    if (!spec.cleanup_command.empty()) {
      util::Status cleaned = CleanUpNodes(loop, nodes, busy, spec.cleanup_command);
      if (result.error.ok() && !cleaned.ok()) result.error = cleaned;
    }
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
    loop->RunOnce(loop::Milliseconds(0));  // Let the signal and close go out.
  }
  if (result.error.ok() && !host_output.fold_status().ok()) {
    result.error = host_output.fold_status().Wrap("--fold lost output");
  }
  return result;
}

}  // namespace cluster
