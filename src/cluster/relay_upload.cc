#include "cluster/relay_upload.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "cluster/relay_cleanup.h"
#include "cluster/remote_cleanup.h"
#include "cluster/stream_pump.h"
#include "cluster/tar_stderr.h"
#include "protocol/line_splitter.h"
#include "transfer/relay_plan.h"

namespace cluster {
namespace {

// As for a flat upload (upload.cc).
constexpr int kSendBufferPerHost = 1 << 20;
// Most bytes of a hop's ssh errors kept.
constexpr size_t kMaxHopErrorBytes = 1600;

class RelayUpload {
 public:
  // `only`: the nodes to upload to (empty: all); the others are left out
  // of the plan and their outcomes untouched.
  RelayUpload(loop::EventLoop* loop, Nodes* nodes, transfer::TarStream* stream, const UploadSpec& spec,
              const RelaySpec& relay, output::Output* out, const Stop& stop, std::vector<bool> only)
      : loop_(loop), nodes_(nodes), stream_(stream), spec_(spec), relay_(relay), out_(out), stop_(stop),
        sinks_(nodes->size()), only_(std::move(only)),
        pump_(loop, stream, out, PumpStatus{"upload (relay)", nodes->size(), spec.total_bytes}, nodes->size()) {
    result_.outcomes.resize(nodes->size());
  }
  RelayUpload(const RelayUpload&) = delete;
  RelayUpload& operator=(const RelayUpload&) = delete;

  UploadResult Run();

 private:
  enum class Phase { kStarting, kReady, kPlanned, kDone };
  struct Sink {
    std::unique_ptr<ExecChannel> channel;
    Phase phase = Phase::kStarting;
    std::string dir;                // The receiver's directory D.
    bool from_client = false;       // A root: the client sends it the archive.
    std::optional<size_t> parent;   // Node index of the host feeding it.
    std::vector<size_t> children;   // Node indexes it forwards to.
    std::vector<std::string> hop_errors;  // Per child: ssh's stderr lines.
    std::vector<bool> hop_ok;       // Per child: its hop ended with status 0.
    bool stopping = false;          // Its receiver is being stopped by us.
    bool clean_exit = false;        // Its receiver exited on its own (D removed).
    util::Status upstream;          // Set: failed because of a relay host.
    std::unique_ptr<protocol::LineSplitter> stdout_lines, stderr_lines;
    TarStderr stderr_kept;
    std::unique_ptr<ExecChannel> stopper;  // Cleanup command, when stopped.
  };

  void Start(size_t i, const std::string& command);
  ExecCallbacks CallbacksFor(size_t i);
  void OnStdoutLine(size_t i, std::string_view line);
  void OnStderrLine(size_t i, std::string_view line);
  void MaybePlan();
  void Plan(const std::vector<size_t>& ready);
  RelayHop HopTo(size_t child) const;
  void OnHopEnd(size_t i, size_t hop, int status);
  void FailBelow(size_t i, const util::Status& cause, bool spare_fed = false);
  void StopReceiver(size_t i, util::Status reason);
  void OnExit(size_t i, int status, const std::string& signal_name);
  util::Status ExitError(size_t i, int status, const std::string& signal_name);
  bool StreamCut(size_t i, int status, const std::string& signal_name) const;
  util::Status CutReason(size_t i, const util::Status& own) const;
  void Interrupt();
  void RemoveLeftovers();
  void ForwardAgents(bool on);

  loop::EventLoop* loop_;
  Nodes* nodes_;
  transfer::TarStream* stream_;
  const UploadSpec& spec_;
  const RelaySpec& relay_;
  output::Output* out_;
  const Stop& stop_;
  UploadResult result_;
  std::vector<Sink> sinks_;
  std::vector<bool> only_;
  bool planned_ = false;
  size_t pending_ = 0;
  size_t starting_ = 0;  // Receivers that have not said ready nor ended.
  StreamPump pump_;  // Last: destroyed first, no pass after the sinks.
};

UploadResult RelayUpload::Run() {
  std::string command = RelayReceiverCommand(spec_);
  out_->Log(output::Level::kDebug, "relay receiver command line: " + command);
  ForwardAgents(true);
  for (size_t i = 0; i < nodes_->size(); ++i) Start(i, command);
  MaybePlan();
  util::Status waited = loop_->RunUntil([this] { return pending_ == 0 || stop_.requested(); });
  result_.error = pump_.error();
  if (!waited.ok()) result_.error = waited;
  ForwardAgents(false);
  if (pending_ > 0) Interrupt();
  RemoveLeftovers();
  result_.bytes_sent = stream_->bytes_produced();
  for (size_t i = 0; i < sinks_.size(); ++i) {
    if (!sinks_[i].upstream.ok() && (*nodes_)[i].connected()) result_.upstream_failed.push_back(i);
  }
  return std::move(result_);
}

// The operator's agent, for the receivers' hops only, during the phase.
void RelayUpload::ForwardAgents(bool on) {
  if (relay_.agent_socket.empty()) return;
  for (Node& node : *nodes_) {
    if (!node.connected()) continue;
    if (!on) {
      node.exec->StopAgentForwarding();
      continue;
    }
    util::Status status = node.exec->ForwardAgent(relay_.agent_socket);
    if (!status.ok()) out_->Warning(status.Wrap("can't forward the agent to " + node.ref.display));
  }
}

void RelayUpload::Start(size_t i, const std::string& command) {
  Node& node = (*nodes_)[i];
  Sink& sink = sinks_[i];
  result_.outcomes[i].host = node.ref.display;
  if (!only_.empty() && !only_[i]) {
    sink.phase = Phase::kDone;
    return;
  }
  if (!node.connected()) {
    result_.outcomes[i].error = node.error.ok() ? util::Status::Error("not connected") : node.error;
    sink.phase = Phase::kDone;
    return;
  }
  node.exec->ReserveSendBuffer(kSendBufferPerHost);
  sink.stdout_lines = std::make_unique<protocol::LineSplitter>(
      [this, i](const protocol::LineChunk& chunk) { OnStdoutLine(i, chunk.text); });
  sink.stderr_lines = std::make_unique<protocol::LineSplitter>(
      [this, i](const protocol::LineChunk& chunk) { OnStderrLine(i, chunk.text); });
  util::StatusOr<std::unique_ptr<ExecChannel>> channel = node.exec->ExecForwardingAgent(command, CallbacksFor(i));
  if (!channel.ok()) {
    result_.outcomes[i].error = channel.status().Wrap("can't start the upload");
    sink.phase = Phase::kDone;
    return;
  }
  sink.channel = std::move(*channel);
  ++pending_;
  ++starting_;
}

ExecCallbacks RelayUpload::CallbacksFor(size_t i) {
  ExecCallbacks callbacks;
  callbacks.on_stdout = [this, i](std::string_view data) { sinks_[i].stdout_lines->Feed(data); };
  callbacks.on_stderr = [this, i](std::string_view data) { sinks_[i].stderr_lines->Feed(data); };
  callbacks.on_writable = [this, i]() { pump_.Writable(i); };
  callbacks.on_exit = [this, i](int status, std::string signal_name) { OnExit(i, status, signal_name); };
  return callbacks;
}

void RelayUpload::OnStdoutLine(size_t i, std::string_view line) {
  Sink& sink = sinks_[i];
  RelayLine parsed = ParseRelayLine(line);
  switch (parsed.kind) {
    case RelayLine::Kind::kReady:
      if (sink.phase != Phase::kStarting) break;
      sink.dir = parsed.dir;
      sink.phase = Phase::kReady;
      --starting_;
      return MaybePlan();
    case RelayLine::Kind::kHopError:
      if (parsed.hop < sink.hop_errors.size() && sink.hop_errors[parsed.hop].size() < kMaxHopErrorBytes) {
        if (!sink.hop_errors[parsed.hop].empty()) sink.hop_errors[parsed.hop] += "; ";
        sink.hop_errors[parsed.hop] += parsed.text;
      }
      return;
    case RelayLine::Kind::kHop:
      return OnHopEnd(i, parsed.hop, parsed.status);
    case RelayLine::Kind::kOther:
      break;
  }
  out_->HostLine((*nodes_)[i].ref, output::Stream::kStdout, line);
}

void RelayUpload::OnStderrLine(size_t i, std::string_view line) {
  if (!TarStderr::Telling(line, spec_.marker)) return;
  // The shell's word on a process we stopped is our own doing, no error.
  if (sinks_[i].stopping && IsShellKillReport(line)) return;
  if (spec_.verbose) out_->HostLine((*nodes_)[i].ref, output::Stream::kStderr, line);
  sinks_[i].stderr_kept.Keep(line);
}

// Once no receiver is still starting: the plan over the ready ones.
void RelayUpload::MaybePlan() {
  if (planned_ || starting_ > 0) return;
  std::vector<size_t> ready;
  for (size_t i = 0; i < sinks_.size(); ++i) {
    if (sinks_[i].phase == Phase::kReady) ready.push_back(i);
  }
  planned_ = true;
  Plan(ready);
  pump_.QueuePump();
}

void RelayUpload::Plan(const std::vector<size_t>& ready) {
  transfer::RelayPlan plan = transfer::PlanRelay(ready.size(), relay_.fanout);
  for (size_t k = 0; k < ready.size(); ++k) {
    Sink& sink = sinks_[ready[k]];
    if (plan.parent[k]) sink.parent = ready[*plan.parent[k]];
    for (size_t child : plan.children[k]) sink.children.push_back(ready[child]);
    sink.from_client = !sink.parent;
    sink.hop_errors.resize(sink.children.size());
    sink.hop_ok.resize(sink.children.size());
    std::vector<RelayHop> hops;
    for (size_t child : sink.children) hops.push_back(HopTo(child));
    pump_.Add(ready[k], sink.channel.get(),
              RelayFeedScript(sink.from_client, hops, spec_.wrapper, relay_.timeouts), sink.from_client);
    sink.phase = Phase::kPlanned;
    out_->Log(output::Level::kDebug,
              fmt::format("relay: {} <- {}", (*nodes_)[ready[k]].ref.display,
                          sink.parent ? (*nodes_)[*sink.parent].ref.display : std::string("client")));
  }
}

// How a relaying host reaches `child`: as the client did.
RelayHop RelayUpload::HopTo(size_t child) const {
  const Node& node = (*nodes_)[child];
  RelayHop hop;
  hop.host = node.address.host;
  hop.port = node.address.port;
  hop.user = node.address.user;
  hop.host_key = node.exec->HostKey();
  hop.dir = sinks_[child].dir;
  return hop;
}

// Hop `hop` of host i ended: a failed one leaves its host without the
// archive, and everything below it.
void RelayUpload::OnHopEnd(size_t i, size_t hop, int status) {
  if (hop >= sinks_[i].children.size()) return;
  if (status == 0) {
    sinks_[i].hop_ok[hop] = true;
    return;
  }
  size_t child = sinks_[i].children[hop];
  if (sinks_[child].phase == Phase::kDone) return;
  std::string why = sinks_[i].hop_errors[hop];
  if (why.empty()) why = fmt::format("ssh exited with status {}", status);
  util::Status cause = util::Status::Error(
      fmt::format("relay from {} failed", (*nodes_)[i].ref.display));
  cause.AddCause(util::Status::Error(why));
  StopReceiver(child, cause);
  FailBelow(child, cause);
}

// Every host below i that has not finished fails with `cause`; with
// `spare_fed`, but for i's children whose hop ended well (they have every
// byte i had: if i's stream was cut, so is theirs, and they say so).
void RelayUpload::FailBelow(size_t i, const util::Status& cause, bool spare_fed) {
  for (size_t hop = 0; hop < sinks_[i].children.size(); ++hop) {
    size_t child = sinks_[i].children[hop];
    if (spare_fed && sinks_[i].hop_ok[hop]) continue;
    if (sinks_[child].phase != Phase::kDone) {
      util::Status reason = util::Status::Error(
          fmt::format("not received: relay host {} failed", (*nodes_)[i].ref.display));
      reason.AddCause(cause);
      StopReceiver(child, reason);
    }
    FailBelow(child, cause);
  }
}

// Ends host i's receiver (its exit then reports `reason`).
void RelayUpload::StopReceiver(size_t i, util::Status reason) {
  Sink& sink = sinks_[i];
  if (sink.phase == Phase::kDone || !sink.upstream.ok()) return;
  sink.upstream = std::move(reason);
  sink.stopping = true;
  pump_.Remove(i);
  Node& node = (*nodes_)[i];
  if (!node.connected()) return;
  ExecCallbacks quiet;
  util::StatusOr<std::unique_ptr<ExecChannel>> stopper = node.exec->Exec(CleanupCommand(spec_.wrapper), quiet);
  if (stopper.ok()) sink.stopper = std::move(*stopper);
  if (sink.channel) sink.channel->CloseStdin();
}

void RelayUpload::OnExit(size_t i, int status, const std::string& signal_name) {
  Sink& sink = sinks_[i];
  if (sink.phase == Phase::kDone) return;
  bool was_planned = sink.phase == Phase::kPlanned;
  if (sink.phase == Phase::kStarting) --starting_;
  bool stopped_by_us = !sink.upstream.ok();
  sink.phase = Phase::kDone;
  --pending_;
  pump_.HostDone();
  pump_.Remove(i);
  sink.clean_exit = signal_name.empty() && sink.channel->error().ok() && !sink.stopping;
  HostOutcome& outcome = result_.outcomes[i];
  outcome.exit_code = status;
  outcome.error = stopped_by_us ? sink.upstream : ExitError(i, status, signal_name);
  if (!stopped_by_us && !outcome.error.ok() && StreamCut(i, status, signal_name)) {
    sink.upstream = CutReason(i, outcome.error);  // Sent again, as a host stopped.
    outcome.error = sink.upstream;
  }
  if (!outcome.error.ok() && outcome.exit_code == 0) outcome.exit_code = -1;
  if (was_planned && !outcome.error.ok() && !stopped_by_us) {
    // Its hops that had not ended well will pass on nothing more.
    FailBelow(i, util::Status::Error(outcome.error.message()), /*spare_fed=*/true);
  }
  MaybePlan();
  pump_.QueuePump();
}

// Host i, fed by another host, failed only because its stream ended early:
// its upstream died or was cut (its own connection and tar are fine). The
// client may learn of that upstream's fate after this exit, or never (a
// hop cut): the evidence is the stream itself.
bool RelayUpload::StreamCut(size_t i, int status, const std::string& signal_name) const {
  const Sink& sink = sinks_[i];
  return sink.parent && signal_name.empty() && sink.channel->error().ok() && !sink.stopping &&
         sink.stderr_kept.StreamCut(status);
}

util::Status RelayUpload::CutReason(size_t i, const util::Status& own) const {
  size_t parent = *sinks_[i].parent;
  util::Status reason = util::Status::Error(
      fmt::format("not received: the stream from relay host {} ended early", (*nodes_)[parent].ref.display));
  const util::Status& upstream = result_.outcomes[parent].error;
  reason.AddCause(sinks_[parent].phase == Phase::kDone && !upstream.ok() ? upstream : own);
  return reason;
}

util::Status RelayUpload::ExitError(size_t i, int status, const std::string& signal_name) {
  Sink& sink = sinks_[i];
  if (!sink.channel->error().ok()) return sink.channel->error();
  if (status == 0 && signal_name.empty() && (pump_.eof_sent(i) || !sink.from_client)) return util::Status::Ok();
  sink.stderr_lines->Finish();
  return sink.stderr_kept.Error(status, signal_name);
}

void RelayUpload::Interrupt() {
  std::vector<RunningCommand> running;
  for (size_t i = 0; i < sinks_.size(); ++i) {
    if (sinks_[i].phase != Phase::kDone && sinks_[i].channel) {
      running.push_back({i, sinks_[i].channel.get()});
      sinks_[i].stopping = true;
    }
  }
  util::Status stopped = StopOnHosts(loop_, *nodes_, running, CleanupCommand(spec_.wrapper));
  if (result_.error.ok() && !stopped.ok()) result_.error = stopped;
  for (const RunningCommand& command : running) {
    if (sinks_[command.node].phase == Phase::kDone) continue;
    sinks_[command.node].phase = Phase::kDone;
    pump_.Remove(command.node);
    result_.outcomes[command.node].error = util::Status::Error("interrupted");
  }
}

// The private directories of receivers that could not remove their own
// (killed, stopped, interrupted), through the client's connection.
void RelayUpload::RemoveLeftovers() {
  std::vector<RelayDirOnHost> left;
  for (size_t i = 0; i < sinks_.size(); ++i) {
    if (!sinks_[i].dir.empty() && !sinks_[i].clean_exit) left.push_back({i, sinks_[i].dir});
  }
  util::Status removed = RemoveRelayDirs(loop_, *nodes_, left, spec_.wrapper);
  if (!removed.ok()) out_->Warning(removed);
}

// The second pass: the archive again to the hosts cut off in the first.
void SendAgain(loop::EventLoop* loop, Nodes* nodes, const UploadSpec& spec, const RelaySpec& relay,
               output::Output* out, const Stop& stop, UploadResult* first) {
  util::StatusOr<std::unique_ptr<transfer::TarStream>> stream = relay.restream();
  if (!stream.ok()) {
    out->Warning(stream.status().Wrap("can't send the upload again"));
    return;
  }
  std::vector<bool> only(nodes->size(), false);
  std::string names;
  for (size_t i : first->upstream_failed) {
    only[i] = true;
    names += (names.empty() ? "" : ", ") + (*nodes)[i].ref.display;
  }
  out->Warning(util::Status::Error(fmt::format(
      "relay: {} host(s) lost their relay; sending the upload to them again: {}", first->upstream_failed.size(),
      names)));
  UploadSpec again = spec;
  again.fresh_root = false;  // Made by the first pass: checked, not made.
  UploadResult second = RelayUpload(loop, nodes, stream->get(), again, relay, out, stop, only).Run();
  for (size_t i : first->upstream_failed) first->outcomes[i] = second.outcomes[i];
  if (!second.error.ok() && first->error.ok()) first->error = second.error;
  first->upstream_failed = second.upstream_failed;
}

}  // namespace

UploadResult RelayUploadToAll(loop::EventLoop* loop, Nodes* nodes, transfer::TarStream* stream,
                              const UploadSpec& spec, const RelaySpec& relay, output::Output* out,
                              const Stop& stop) {
  UploadResult result = RelayUpload(loop, nodes, stream, spec, relay, out, stop, {}).Run();
  if (!result.upstream_failed.empty() && relay.restream && !stop.requested() && result.error.ok()) {
    SendAgain(loop, nodes, spec, relay, out, stop, &result);
  }
  return result;
}

}  // namespace cluster
