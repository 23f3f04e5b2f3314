#include "cluster/run_on_all.h"

#include <fmt/format.h>

#include <memory>

#include "cluster/host_output.h"
#include "cluster/remote_cleanup.h"
#include "cluster/stdin_feeder.h"

namespace cluster {
namespace {

// One run of one command line on every node. Steps: Start() each host,
// Wait() for their exits (OnExit -> End), with a deadline timer per host
// when --timeout is set (TimeOut -> StopTimedOut), then Interrupt() the
// hosts still running when the stop was requested, and Finish().
class CommandRun {
 public:
  CommandRun(loop::EventLoop* loop, std::span<Node> nodes, const RunSpec& spec, output::Output* out, const Stop& stop);
  ~CommandRun();
  CommandRun(const CommandRun&) = delete;
  CommandRun& operator=(const CommandRun&) = delete;

  RunResult Run();

 private:
  struct Host {
    std::unique_ptr<ExecChannel> channel;
    // Set once the command ran past the timeout: the cleanup is running and
    // the host ends when it ends (or when its deadline timer fires).
    std::unique_ptr<ExecChannel> cleanup;
    bool timed_out = false;
    loop::EventLoop::TimerId timer = 0;  // The host's next deadline.
    static constexpr size_t kNoSlot = static_cast<size_t>(-1);
    size_t feeder_slot = kNoSlot;
    bool done = false;
    loop::TimePoint started;
  };

  void Start(size_t i);
  ExecCallbacks CallbacksFor(size_t i);
  void OnWritable(size_t i);
  void OnExit(size_t i, int status, const std::string& signal_name);
  void End(size_t i, util::Status error, int code);
  void SetTimer(size_t i, loop::TimePoint when, void (CommandRun::*step)(size_t));
  void TimeOut(size_t i);
  void StopTimedOut(size_t i);
  void Interrupt();
  HostOutput::LineFilter RelayFilter() const;

  loop::EventLoop* loop_;
  std::span<Node> nodes_;
  const RunSpec& spec_;
  output::Output* out_;
  const Stop& stop_;
  StdinFeeder feeder_;
  HostOutput host_output_;
  std::vector<Host> hosts_;
  RunResult result_;
  size_t pending_ = 0;
  size_t finished_ = 0;
  size_t failed_ = 0;
};

std::vector<output::HostRef> RefsOf(std::span<const Node> nodes) {
  std::vector<output::HostRef> refs;
  for (const Node& node : nodes) refs.push_back(node.ref);
  return refs;
}

CommandRun::CommandRun(loop::EventLoop* loop, std::span<Node> nodes, const RunSpec& spec, output::Output* out,
                       const Stop& stop)
    : loop_(loop),
      nodes_(nodes),
      spec_(spec),
      out_(out),
      stop_(stop),
      feeder_(spec.stdin_file),
      host_output_(out, RefsOf(nodes), spec.serial, RelayFilter(), spec.fold),
      hosts_(nodes.size()) {
  result_.outcomes.resize(nodes.size());
}

CommandRun::~CommandRun() {
  for (Host& host : hosts_) {
    if (host.timer) loop_->CancelTimer(host.timer);
  }
}

HostOutput::LineFilter CommandRun::RelayFilter() const {
  if (!spec_.relay) return nullptr;
  return [relay = spec_.relay](size_t host, std::string_view line) { return relay->OnToolLine(host, line); };
}

RunResult CommandRun::Run() {
  if (!feeder_.status().ok()) {
    result_.error = feeder_.status();
    return std::move(result_);
  }
  for (size_t i = 0; i < hosts_.size(); ++i) Start(i);
  util::Status waited = loop_->RunUntil([this] { return pending_ == 0 || stop_.requested(); });
  if (!waited.ok()) result_.error = waited;
  if (pending_ > 0) Interrupt();
  if (result_.error.ok() && !host_output_.fold_status().ok()) {
    result_.error = host_output_.fold_status().Wrap("--fold lost output");
  }
  return std::move(result_);
}

void CommandRun::Start(size_t i) {
  Node& node = nodes_[i];
  HostOutcome& outcome = result_.outcomes[i];
  Host& host = hosts_[i];
  outcome.host = node.ref.display;
  if (!node.connected()) {
    outcome.error = node.error.ok() ? util::Status::Error("not connected") : node.error;
    host.done = true;
    return;
  }
  util::StatusOr<std::unique_ptr<ExecChannel>> channel = node.exec->Exec(spec_.command, CallbacksFor(i));
  ++pending_;
  host.started = loop::Clock::now();
  out_->Log(output::Level::kTrace, node.ref.display + ": command started");
  if (!channel.ok()) return End(i, channel.status().Wrap("can't start the command"), -1);
  host.channel = std::move(*channel);
  if (spec_.relay) {
    spec_.relay->Attach(i, host.channel.get());
  } else {
    host.feeder_slot = feeder_.Add(host.channel.get());
  }
  if (spec_.timeout.count() > 0) SetTimer(i, host.started + spec_.timeout, &CommandRun::TimeOut);
}

ExecCallbacks CommandRun::CallbacksFor(size_t i) {
  ExecCallbacks callbacks;
  callbacks.on_stdout = [this, i](std::string_view data) { host_output_.Data(i, output::Stream::kStdout, data); };
  callbacks.on_stderr = [this, i](std::string_view data) { host_output_.Data(i, output::Stream::kStderr, data); };
  callbacks.on_writable = [this, i]() { OnWritable(i); };
  callbacks.on_exit = [this, i](int status, std::string signal_name) { OnExit(i, status, signal_name); };
  return callbacks;
}

void CommandRun::OnWritable(size_t i) {
  if (spec_.relay) spec_.relay->Flush(i);
  if (hosts_[i].feeder_slot != Host::kNoSlot) feeder_.Pump(hosts_[i].feeder_slot);
}

void CommandRun::OnExit(size_t i, int status, const std::string& signal_name) {
  if (hosts_[i].timed_out) return;  // Ends with its cleanup.
  const ExecChannel& channel = *hosts_[i].channel;
  if (!channel.error().ok()) return End(i, channel.error(), status);
  if (!signal_name.empty()) return End(i, util::Status::Error("killed by signal " + signal_name), status);
  End(i, util::Status::Ok(), status);
}

// Ends host i's command: records its outcome, frees what it held.
void CommandRun::End(size_t i, util::Status error, int code) {
  Host& host = hosts_[i];
  if (host.done) return;
  host.done = true;
  --pending_;
  if (host.timer) loop_->CancelTimer(host.timer);
  host.timer = 0;
  HostOutcome& outcome = result_.outcomes[i];
  outcome.error = std::move(error);
  outcome.exit_code = code;
  out_->Log(output::Level::kDebug,
            fmt::format("{}: {} after {} ms", nodes_[i].ref.display,
                        outcome.error.ok() ? fmt::format("exit code {}", code) : outcome.error.ToString(),
                        loop::MillisecondsSince(host.started)));
  if (host.feeder_slot != Host::kNoSlot) feeder_.Drop(host.feeder_slot);
  if (spec_.report_ends) {
    host_output_.Finish(i, code >= 0 ? std::optional<int>(code) : std::nullopt, outcome.error);
  } else {
    host_output_.Finish(i);
  }
  if (spec_.relay) {
    spec_.relay->Detach(i);
    if (!outcome.ok()) spec_.relay->CloseAll();
  }
  ++finished_;
  if (!outcome.ok()) ++failed_;
  out_->Status(fmt::format("{}: {}/{} done, {} failed", spec_.status_label, finished_, nodes_.size(), failed_));
}

void CommandRun::SetTimer(size_t i, loop::TimePoint when, void (CommandRun::*step)(size_t)) {
  hosts_[i].timer = loop_->AddTimer(when, [this, i, step] {
    hosts_[i].timer = 0;
    (this->*step)(i);
  });
}

// The command ran past --timeout: the cleanup command on its host alone
// (the others go on), then TERM and close when it ends or takes too long.
void CommandRun::TimeOut(size_t i) {
  Host& host = hosts_[i];
  host.timed_out = true;
  out_->Log(output::Level::kDebug, fmt::format("{}: still running after {} ms, stopping it",
                                               nodes_[i].ref.display, loop::MillisecondsSince(host.started)));
  if (spec_.cleanup_command.empty()) return StopTimedOut(i);
  ExecCallbacks callbacks;
  callbacks.on_exit = [this, i](int, std::string) { StopTimedOut(i); };
  util::StatusOr<std::unique_ptr<ExecChannel>> cleanup =
      nodes_[i].exec->Exec(spec_.cleanup_command, std::move(callbacks));
  if (!cleanup.ok()) return StopTimedOut(i);
  host.cleanup = std::move(*cleanup);
  SetTimer(i, loop::Clock::now() + kCleanupWaitMs, &CommandRun::StopTimedOut);
}

void CommandRun::StopTimedOut(size_t i) {
  Host& host = hosts_[i];
  if (host.done) return;
  host.channel->Signal("TERM");
  host.channel->Close();
  host.cleanup.reset();
  End(i, util::Status::Error(fmt::format("timed out after {} ms", spec_.timeout.count())), -1);
}

// The stop was requested (or the loop failed) with hosts still running.
void CommandRun::Interrupt() {
  std::vector<RunningCommand> running;
  for (size_t i = 0; i < hosts_.size(); ++i) {
    if (!hosts_[i].done && hosts_[i].channel) running.push_back({i, hosts_[i].channel.get()});
  }
  util::Status stopped = StopOnHosts(loop_, nodes_, running, spec_.cleanup_command);
  if (result_.error.ok() && !stopped.ok()) result_.error = stopped;
  for (const RunningCommand& command : running) {
    Host& host = hosts_[command.node];
    if (host.done) continue;  // Its exit came in meanwhile.
    host.done = true;
    if (host.timer) loop_->CancelTimer(host.timer);
    host.timer = 0;
    result_.outcomes[command.node].error = util::Status::Error("interrupted");
    if (spec_.report_ends) {
      host_output_.Finish(command.node, std::nullopt, result_.outcomes[command.node].error);
    } else {
      host_output_.Finish(command.node);
    }
  }
}

}  // namespace

RunResult RunOnAll(loop::EventLoop* loop, std::span<Node> nodes, const RunSpec& spec, output::Output* out,
                   const Stop& stop) {
  return CommandRun(loop, nodes, spec, out, stop).Run();
}

}  // namespace cluster
