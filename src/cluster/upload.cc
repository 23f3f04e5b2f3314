#include "cluster/upload.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "cluster/remote_cleanup.h"
#include "cluster/remote_dir.h"
#include "cluster/stream_pump.h"
#include "cluster/tar_stderr.h"
#include "protocol/line_splitter.h"
#include "util/shell_quote.h"

namespace cluster {
namespace {

// Kernel send buffers asked for during the upload: up to 1 MiB per host
// (whole 256 KiB chunks per write instead of one SSH packet), at most
// 64 MiB over all hosts, at least 128 KiB.
constexpr int kSendBufferPerHost = 1 << 20;
constexpr int kSendBufferTotal = 64 << 20;
constexpr int kSendBufferMin = 128 << 10;

// One upload of one archive to every node. Steps: Start() each host (a
// sink of the pump, stream_pump.h, which feeds the archive from the loop);
// Wait for every host's exit; Interrupt() the hosts still extracting when
// the stop was requested.
class Upload {
 public:
  Upload(loop::EventLoop* loop, Nodes* nodes, transfer::TarStream* stream, const UploadSpec& spec,
         output::Output* out, const Stop& stop);
  Upload(const Upload&) = delete;
  Upload& operator=(const Upload&) = delete;

  UploadResult Run();

 private:
  struct Sink {
    std::unique_ptr<ExecChannel> channel;
    bool done = false;
    std::unique_ptr<protocol::LineSplitter> stderr_lines;
    TarStderr stderr_kept;
  };

  void Start(size_t i, const std::string& command, int send_buffer);
  ExecCallbacks CallbacksFor(size_t i);
  void OnStderrLine(size_t i, std::string_view line);
  void OnExit(size_t i, int status, const std::string& signal_name);
  util::Status ExitError(size_t i, int status, const std::string& signal_name);
  void Interrupt();

  loop::EventLoop* loop_;
  Nodes* nodes_;
  const UploadSpec& spec_;
  output::Output* out_;
  const Stop& stop_;
  transfer::TarStream* stream_;
  UploadResult result_;
  std::vector<Sink> sinks_;
  size_t pending_ = 0;
  StreamPump pump_;  // Last: destroyed first, no pass after the sinks.
};

Upload::Upload(loop::EventLoop* loop, Nodes* nodes, transfer::TarStream* stream, const UploadSpec& spec,
               output::Output* out, const Stop& stop)
    : loop_(loop), nodes_(nodes), spec_(spec), out_(out), stop_(stop), stream_(stream), sinks_(nodes->size()),
      pump_(loop, stream, out, PumpStatus{"upload", nodes->size(), spec.total_bytes}, nodes->size()) {
  result_.outcomes.resize(nodes->size());
}

UploadResult Upload::Run() {
  std::string command = UploadCommand(spec_);
  out_->Log(output::Level::kDebug, "upload command line: " + command);
  const int send_buffer = std::clamp(kSendBufferTotal / static_cast<int>(std::max<size_t>(nodes_->size(), 1)),
                                     kSendBufferMin, kSendBufferPerHost);
  for (size_t i = 0; i < nodes_->size(); ++i) Start(i, command, send_buffer);
  util::Status waited = loop_->RunUntil([this] { return pending_ == 0 || stop_.requested(); });
  result_.error = pump_.error();
  if (!waited.ok()) result_.error = waited;
  if (pending_ > 0) Interrupt();
  result_.bytes_sent = stream_->bytes_produced();
  return std::move(result_);
}

void Upload::Start(size_t i, const std::string& command, int send_buffer) {
  Node& node = (*nodes_)[i];
  Sink& sink = sinks_[i];
  result_.outcomes[i].host = node.ref.display;
  if (!node.connected()) {
    result_.outcomes[i].error = node.error.ok() ? util::Status::Error("not connected") : node.error;
    sink.done = true;
    return;
  }
  node.exec->ReserveSendBuffer(send_buffer);
  sink.stderr_lines = std::make_unique<protocol::LineSplitter>(
      [this, i](const protocol::LineChunk& chunk) { OnStderrLine(i, chunk.text); });
  util::StatusOr<std::unique_ptr<ExecChannel>> channel = node.exec->Exec(command, CallbacksFor(i));
  if (!channel.ok()) {
    result_.outcomes[i].error = channel.status().Wrap("can't start the upload");
    sink.done = true;
    return;
  }
  sink.channel = std::move(*channel);
  pump_.Add(i, sink.channel.get(), "", /*takes_archive=*/true);
  ++pending_;
}

ExecCallbacks Upload::CallbacksFor(size_t i) {
  ExecCallbacks callbacks;
  callbacks.on_stdout = [this, i](std::string_view data) {
    out_->HostLine((*nodes_)[i].ref, output::Stream::kStdout, data);
  };
  callbacks.on_stderr = [this, i](std::string_view data) { sinks_[i].stderr_lines->Feed(data); };
  callbacks.on_writable = [this, i]() { pump_.Writable(i); };
  callbacks.on_exit = [this, i](int status, std::string signal_name) { OnExit(i, status, signal_name); };
  return callbacks;
}

// tar's stderr: shown with -v, and its first lines kept for the error.
void Upload::OnStderrLine(size_t i, std::string_view line) {
  if (!TarStderr::Telling(line, spec_.marker)) return;
  if (spec_.verbose) out_->HostLine((*nodes_)[i].ref, output::Stream::kStderr, line);
  sinks_[i].stderr_kept.Keep(line);
}

void Upload::OnExit(size_t i, int status, const std::string& signal_name) {
  Sink& sink = sinks_[i];
  if (sink.done) return;
  sink.done = true;
  --pending_;
  pump_.HostDone();
  HostOutcome& outcome = result_.outcomes[i];
  outcome.exit_code = status;
  outcome.error = ExitError(i, status, signal_name);
  if (!outcome.error.ok() && outcome.exit_code == 0) outcome.exit_code = -1;
  pump_.Remove(i);
  pump_.QueuePump();  // A finished node no longer holds the producer back.
}

// Why host i's extraction failed: the channel's error, or tar's exit and
// its first stderr lines; OK when the whole archive went in.
util::Status Upload::ExitError(size_t i, int status, const std::string& signal_name) {
  Sink& sink = sinks_[i];
  if (!sink.channel->error().ok()) return sink.channel->error();
  if (status == 0 && signal_name.empty() && pump_.eof_sent(i)) return util::Status::Ok();
  sink.stderr_lines->Finish();
  return sink.stderr_kept.Error(status, signal_name);
}

// The stop was requested (or the loop failed) with hosts still extracting.
void Upload::Interrupt() {
  std::vector<RunningCommand> running;
  for (size_t i = 0; i < sinks_.size(); ++i) {
    if (!sinks_[i].done && sinks_[i].channel) running.push_back({i, sinks_[i].channel.get()});
  }
  util::Status stopped = StopOnHosts(loop_, *nodes_, running, CleanupCommand(spec_.wrapper));
  if (result_.error.ok() && !stopped.ok()) result_.error = stopped;
  for (const RunningCommand& command : running) {
    if (sinks_[command.node].done) continue;  // Its exit came in meanwhile.
    sinks_[command.node].done = true;
    pump_.Remove(command.node);
    result_.outcomes[command.node].error = util::Status::Error("interrupted");
  }
}

}  // namespace

std::string ExtractCommand(const UploadSpec& spec) {
  std::string root = util::ShellQuote(spec.root);
  std::string marker = util::ShellQuote(spec.root + "/" + spec.marker);
  // tar's --verbose list goes to stdout; send it to stderr (orgalorg(1), UPLOAD).
  // -b 256: 128 KiB reads and writes instead of 10 KiB ones (GNU tar and
  // bsdtar re-block a pipe on their own); about 10% less CPU on each host.
  return fmt::format("tar --directory {0} -x -p -b 256{1}{2} && test -f {3} && rm -f {3}", root,
                     spec.preserve_owner ? "" : " --no-same-owner", spec.verbose ? " --verbose >&2" : "",
                     marker);
}

std::string GrowStdinPipe(int bytes) {
  return fmt::format("perl -e 'fcntl STDIN, 1031, {} if $^O eq q(linux)' 2>/dev/null;", bytes);
}

std::string UploadCommand(const UploadSpec& spec) {
  std::string extract = ExtractCommand(spec);
  if (spec.total_bytes >= kGrowPipeFrom) extract = "{ " + GrowStdinPipe(kSshdPipeBytes) + " " + extract + "; }";
  return WrapCommand(spec.wrapper, PrepareRootCommand(spec.root, spec.fresh_root) + " && " + extract);
}

UploadResult UploadToAll(loop::EventLoop* loop, Nodes* nodes, transfer::TarStream* stream,
                         const UploadSpec& spec, output::Output* out, const Stop& stop) {
  return Upload(loop, nodes, stream, spec, out, stop).Run();
}

}  // namespace cluster
