#include "cluster/relay_upload.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "cluster/remote_cleanup.h"
#include "cluster/upload_window.h"
#include "protocol/line_splitter.h"
#include "transfer/relay_plan.h"

namespace cluster {
namespace {

// As for a flat upload (upload.cc).
constexpr uint64_t kWindowBytes = 8 * 1024 * 1024;
constexpr size_t kChunkBytes = transfer::TarStream::kDefaultChunkBytes;
constexpr size_t kMaxStderrLines = 20;
constexpr int kSendBufferPerHost = 1 << 20;
constexpr std::string_view kHdrcharsetWarning = "tar: Ignoring unknown extended header keyword 'hdrcharset'";

class RelayUpload {
 public:
  // `only`: the nodes to upload to (empty: all); the others are left out
  // of the plan and their outcomes untouched.
  RelayUpload(loop::EventLoop* loop, Nodes* nodes, transfer::TarStream* stream, const UploadSpec& spec,
              const RelaySpec& relay, output::Output* out, const Stop& stop, std::vector<bool> only)
      : loop_(loop), nodes_(nodes), stream_(stream), spec_(spec), relay_(relay), out_(out), stop_(stop),
        sinks_(nodes->size()), only_(std::move(only)) {
    result_.outcomes.resize(nodes->size());
  }
  ~RelayUpload() { *alive_ = false; }
  RelayUpload(const RelayUpload&) = delete;
  RelayUpload& operator=(const RelayUpload&) = delete;

  UploadResult Run();

 private:
  enum class Phase { kStarting, kReady, kPlanned, kDone };
  struct Sink {
    std::unique_ptr<ExecChannel> channel;
    Phase phase = Phase::kStarting;
    std::string dir;                // The receiver's directory D.
    std::string script;             // Feed script bytes not yet written.
    bool from_client = false;       // A root: the client sends it the archive.
    uint64_t offset = 0;
    bool eof_sent = false;
    std::optional<size_t> parent;   // Node index of the host feeding it.
    std::vector<size_t> children;   // Node indexes it forwards to.
    std::vector<std::string> hop_errors;  // Per child: ssh's stderr lines.
    util::Status upstream;          // Set: failed because of a relay host.
    std::unique_ptr<protocol::LineSplitter> stdout_lines, stderr_lines;
    std::vector<std::string> stderr_head;
    size_t stderr_dropped = 0;
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
  void FailBelow(size_t i, const util::Status& cause);
  void StopReceiver(size_t i, util::Status reason);
  void OnExit(size_t i, int status, const std::string& signal_name);
  util::Status ExitError(size_t i, int status, const std::string& signal_name);
  uint64_t Slowest() const;
  void Feed(Sink& sink);
  void Pump();
  bool Produce();
  void QueuePump();
  void Report();
  void Interrupt();
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
  UploadWindow window_;
  bool planned_ = false;
  bool produced_all_ = false;
  size_t pending_ = 0;
  size_t hosts_done_ = 0;
  loop::TimePoint started_ = loop::Clock::now();
  bool pump_queued_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

UploadResult RelayUpload::Run() {
  std::string command = RelayReceiverCommand(spec_);
  out_->Log(output::Level::kDebug, "relay receiver command line: " + command);
  ForwardAgents(true);
  for (size_t i = 0; i < nodes_->size(); ++i) Start(i, command);
  MaybePlan();
  util::Status waited = loop_->RunUntil([this] { return pending_ == 0 || stop_.requested(); });
  if (!waited.ok()) result_.error = waited;
  ForwardAgents(false);
  if (pending_ > 0) Interrupt();
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
}

ExecCallbacks RelayUpload::CallbacksFor(size_t i) {
  ExecCallbacks callbacks;
  callbacks.on_stdout = [this, i](std::string_view data) { sinks_[i].stdout_lines->Feed(data); };
  callbacks.on_stderr = [this, i](std::string_view data) { sinks_[i].stderr_lines->Feed(data); };
  callbacks.on_writable = [this]() { QueuePump(); };
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
      return MaybePlan();
    case RelayLine::Kind::kHopError:
      if (parsed.hop < sink.hop_errors.size() && sink.hop_errors[parsed.hop].size() < kMaxStderrLines * 80) {
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
  Sink& sink = sinks_[i];
  if (line.empty() || line == spec_.marker || line == kHdrcharsetWarning) return;
  if (spec_.verbose) out_->HostLine((*nodes_)[i].ref, output::Stream::kStderr, line);
  if (sink.stderr_head.size() < kMaxStderrLines) {
    sink.stderr_head.emplace_back(line);
  } else {
    ++sink.stderr_dropped;
  }
}

// Once no receiver is still starting: the plan over the ready ones.
void RelayUpload::MaybePlan() {
  if (planned_) return;
  std::vector<size_t> ready;
  for (size_t i = 0; i < sinks_.size(); ++i) {
    if (sinks_[i].phase == Phase::kStarting) return;
    if (sinks_[i].phase == Phase::kReady) ready.push_back(i);
  }
  planned_ = true;
  Plan(ready);
  QueuePump();
}

void RelayUpload::Plan(const std::vector<size_t>& ready) {
  transfer::RelayPlan plan = transfer::PlanRelay(ready.size(), relay_.fanout);
  for (size_t k = 0; k < ready.size(); ++k) {
    Sink& sink = sinks_[ready[k]];
    if (plan.parent[k]) sink.parent = ready[*plan.parent[k]];
    for (size_t child : plan.children[k]) sink.children.push_back(ready[child]);
    sink.from_client = !sink.parent;
    sink.hop_errors.resize(sink.children.size());
    std::vector<RelayHop> hops;
    for (size_t child : sink.children) hops.push_back(HopTo(child));
    sink.script = RelayFeedScript(sink.from_client, hops, spec_.wrapper, relay_.timeouts);
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
  if (status == 0 || hop >= sinks_[i].children.size()) return;
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

// Every host below i that has not finished fails with `cause`.
void RelayUpload::FailBelow(size_t i, const util::Status& cause) {
  for (size_t child : sinks_[i].children) {
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
  sink.phase = Phase::kDone;
  --pending_;
  ++hosts_done_;
  HostOutcome& outcome = result_.outcomes[i];
  outcome.exit_code = status;
  outcome.error = sink.upstream.ok() ? ExitError(i, status, signal_name) : sink.upstream;
  if (!outcome.error.ok() && outcome.exit_code == 0) outcome.exit_code = -1;
  if (was_planned && !outcome.error.ok() && sink.upstream.ok()) {
    // Its hops may not have ended: whatever is below it gets nothing more.
    util::Status cause = util::Status::Error(outcome.error.message());
    FailBelow(i, cause);
  }
  MaybePlan();
  QueuePump();
}

util::Status RelayUpload::ExitError(size_t i, int status, const std::string& signal_name) {
  Sink& sink = sinks_[i];
  if (!sink.channel->error().ok()) return sink.channel->error();
  if (status == 0 && signal_name.empty() && (sink.eof_sent || !sink.from_client)) return util::Status::Ok();
  util::Status error = util::Status::Error(signal_name.empty()
                                               ? fmt::format("extraction failed with exit code {}", status)
                                               : "extraction killed by signal " + signal_name);
  sink.stderr_lines->Finish();
  for (const std::string& line : sink.stderr_head) error.AddCause(util::Status::Error(line));
  if (sink.stderr_dropped > 0) {
    error.AddCause(util::Status::Error(fmt::format("({} more lines)", sink.stderr_dropped)));
  }
  return error;
}

uint64_t RelayUpload::Slowest() const {
  uint64_t low = window_.end();
  for (const Sink& sink : sinks_) {
    if (sink.from_client && sink.phase != Phase::kDone && !sink.eof_sent) low = std::min(low, sink.offset);
  }
  return low;
}

// The feed script first; then a root gets the archive, the others EOF.
void RelayUpload::Feed(Sink& sink) {
  if (sink.phase != Phase::kPlanned || sink.eof_sent || !sink.channel->started()) return;
  while (!sink.script.empty()) {
    size_t taken = sink.channel->Write(sink.script);
    if (taken == 0) return;
    sink.script.erase(0, taken);
  }
  while (sink.from_client && sink.offset < window_.end()) {
    size_t taken = sink.channel->Write(window_.At(sink.offset));
    if (taken == 0) return;
    sink.offset += taken;
  }
  if (!sink.from_client || produced_all_ || !result_.error.ok()) {
    sink.eof_sent = true;
    sink.channel->CloseStdin();
  }
}

void RelayUpload::Pump() {
  if (!planned_) return;
  do {
    for (Sink& sink : sinks_) Feed(sink);
    window_.Release(Slowest());
    if (produced_all_ || !result_.error.ok() || pending_ == 0) return;
    if (window_.end() - window_.begin() >= kWindowBytes) return;
  } while (Produce());
}

bool RelayUpload::Produce() {
  std::string chunk;
  util::Status status = stream_->Next(&chunk, kChunkBytes);
  if (!status.ok()) {
    result_.error = status;  // Every root's stdin ends without the marker.
    for (Sink& sink : sinks_) Feed(sink);
    return false;
  }
  if (chunk.empty()) {
    produced_all_ = true;
  } else {
    window_.Push(std::move(chunk));
  }
  return true;
}

void RelayUpload::QueuePump() {
  if (pump_queued_) return;
  pump_queued_ = true;
  loop_->Post([this, alive = alive_]() {
    if (!*alive) return;
    pump_queued_ = false;
    Pump();
    Report();
  });
}

void RelayUpload::Report() {
  double seconds = std::chrono::duration<double>(loop::Clock::now() - started_).count();
  uint64_t sent = Slowest();
  double rate = seconds > 0 ? sent / seconds : 0;
  std::string eta;
  if (spec_.total_bytes > 0 && rate > 0 && sent < spec_.total_bytes) {
    eta = fmt::format(", ETA {:.0f} s", (spec_.total_bytes - sent) / rate);
  }
  out_->Status(fmt::format("upload (relay): {:.1f} MiB sent, {:.1f} MiB/s{}, {}/{} hosts done",
                           sent / 1048576.0, rate / 1048576.0, eta, hosts_done_, nodes_->size()));
}

void RelayUpload::Interrupt() {
  std::vector<RunningCommand> running;
  for (size_t i = 0; i < sinks_.size(); ++i) {
    if (sinks_[i].phase != Phase::kDone && sinks_[i].channel) running.push_back({i, sinks_[i].channel.get()});
  }
  util::Status stopped = StopOnHosts(loop_, *nodes_, running, CleanupCommand(spec_.wrapper));
  if (result_.error.ok() && !stopped.ok()) result_.error = stopped;
  for (const RunningCommand& command : running) {
    if (sinks_[command.node].phase == Phase::kDone) continue;
    sinks_[command.node].phase = Phase::kDone;
    result_.outcomes[command.node].error = util::Status::Error("interrupted");
  }
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
