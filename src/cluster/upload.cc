#include "cluster/upload.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "cluster/remote_cleanup.h"
#include "cluster/remote_dir.h"
#include "cluster/upload_window.h"
#include "protocol/line_splitter.h"
#include "util/shell_quote.h"

namespace cluster {
namespace {

// How far the producer may run ahead of the slowest node, in bytes.
constexpr uint64_t kWindowBytes = 8 * 1024 * 1024;
// Size of one archive chunk handed to the channels (doc/design.md: >= 256 KiB
// writes cost the least CPU in libssh).
constexpr size_t kChunkBytes = transfer::TarStream::kDefaultChunkBytes;
// What one step of the tar writer may add beyond the chunk size it was asked for.
constexpr size_t kChunkSlack = 64 * 1024;
// Most lines of a host's stderr kept for its error message (tar's first
// complaints are the telling ones).
constexpr size_t kMaxStderrLines = 20;
// Kernel send buffers asked for during the upload: up to 1 MiB per host
// (whole 256 KiB chunks per write instead of one SSH packet), at most
// 64 MiB over all hosts, at least 128 KiB.
constexpr int kSendBufferPerHost = 1 << 20;
constexpr int kSendBufferTotal = 64 << 20;
constexpr int kSendBufferMin = 128 << 10;
// libarchive marks a name that is not UTF-8 with the pax keyword
// hdrcharset=BINARY; GNU tar does not know the keyword, says so, and keeps the
// raw name, which is what we want. The warning is noise, not a cause.
constexpr std::string_view kHdrcharsetWarning =
    "tar: Ignoring unknown extended header keyword 'hdrcharset'";

// One upload of one archive to every node. Steps: Start() each host,
// then the loop drives Pump() (produce chunks while the slowest host is
// close enough, Feed() each host) from on_writable and OnExit(); Wait()
// for every host's exit; Interrupt() the hosts still extracting when the
// stop was requested.
class Upload {
 public:
  Upload(loop::EventLoop* loop, Nodes* nodes, transfer::TarStream* stream, const UploadSpec& spec,
         output::Output* out, const Stop& stop);
  ~Upload() { *alive_ = false; }
  Upload(const Upload&) = delete;
  Upload& operator=(const Upload&) = delete;

  UploadResult Run();

 private:
  struct Sink {
    std::unique_ptr<ExecChannel> channel;
    uint64_t offset = 0;  // Archive bytes this node has taken.
    bool eof_sent = false;
    bool done = false;
    std::unique_ptr<protocol::LineSplitter> stderr_lines;
    std::vector<std::string> stderr_head;  // First kMaxStderrLines lines.
    size_t stderr_dropped = 0;
  };

  void Start(size_t i, const std::string& command, int send_buffer);
  ExecCallbacks CallbacksFor(size_t i);
  void OnStderrLine(size_t i, std::string_view line);
  void OnExit(size_t i, int status, const std::string& signal_name);
  util::Status ExitError(size_t i, int status, const std::string& signal_name);
  uint64_t Slowest() const;
  void Feed(Sink& sink);
  void Pump();
  bool Produce();
  void EndEveryStdin();
  void QueuePump();
  void Report();
  void Interrupt();

  loop::EventLoop* loop_;
  Nodes* nodes_;
  transfer::TarStream* stream_;
  const UploadSpec& spec_;
  output::Output* out_;
  const Stop& stop_;
  UploadResult result_;
  std::vector<Sink> sinks_;
  UploadWindow window_;
  bool produced_all_ = false;
  size_t pending_ = 0;
  size_t hosts_done_ = 0;
  loop::TimePoint started_ = loop::Clock::now();
  // One pump pass queued at a time; the token stops a pass queued but not
  // run before the upload ended.
  bool pump_queued_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

Upload::Upload(loop::EventLoop* loop, Nodes* nodes, transfer::TarStream* stream, const UploadSpec& spec,
               output::Output* out, const Stop& stop)
    : loop_(loop), nodes_(nodes), stream_(stream), spec_(spec), out_(out), stop_(stop), sinks_(nodes->size()) {
  result_.outcomes.resize(nodes->size());
}

UploadResult Upload::Run() {
  std::string command = UploadCommand(spec_);
  out_->Log(output::Level::kDebug, "upload command line: " + command);
  const int send_buffer = std::clamp(kSendBufferTotal / static_cast<int>(std::max<size_t>(nodes_->size(), 1)),
                                     kSendBufferMin, kSendBufferPerHost);
  for (size_t i = 0; i < nodes_->size(); ++i) Start(i, command, send_buffer);
  util::Status waited = loop_->RunUntil([this] { return pending_ == 0 || stop_.requested(); });
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
  ++pending_;
}

ExecCallbacks Upload::CallbacksFor(size_t i) {
  ExecCallbacks callbacks;
  callbacks.on_stdout = [this, i](std::string_view data) {
    out_->HostLine((*nodes_)[i].ref, output::Stream::kStdout, data);
  };
  callbacks.on_stderr = [this, i](std::string_view data) { sinks_[i].stderr_lines->Feed(data); };
  callbacks.on_writable = [this]() { QueuePump(); };
  callbacks.on_exit = [this, i](int status, std::string signal_name) { OnExit(i, status, signal_name); };
  return callbacks;
}

// tar's stderr: shown with -v, and its first lines kept for the error.
void Upload::OnStderrLine(size_t i, std::string_view line) {
  Sink& sink = sinks_[i];
  if (line.empty() || line == spec_.marker) return;  // tar -v lists the marker too
  if (line == kHdrcharsetWarning) return;
  if (spec_.verbose) out_->HostLine((*nodes_)[i].ref, output::Stream::kStderr, line);
  if (sink.stderr_head.size() < kMaxStderrLines) {
    sink.stderr_head.emplace_back(line);
  } else {
    ++sink.stderr_dropped;
  }
}

void Upload::OnExit(size_t i, int status, const std::string& signal_name) {
  Sink& sink = sinks_[i];
  if (sink.done) return;
  sink.done = true;
  --pending_;
  ++hosts_done_;
  HostOutcome& outcome = result_.outcomes[i];
  outcome.exit_code = status;
  outcome.error = ExitError(i, status, signal_name);
  if (!outcome.error.ok() && outcome.exit_code == 0) outcome.exit_code = -1;
  QueuePump();  // A finished node no longer holds the producer back.
}

// Why host i's extraction failed: the channel's error, or tar's exit and
// its first stderr lines; OK when the whole archive went in.
util::Status Upload::ExitError(size_t i, int status, const std::string& signal_name) {
  Sink& sink = sinks_[i];
  if (!sink.channel->error().ok()) return sink.channel->error();
  if (status == 0 && signal_name.empty() && sink.eof_sent) return util::Status::Ok();
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

uint64_t Upload::Slowest() const {
  uint64_t low = window_.end();
  for (const Sink& sink : sinks_) {
    if (!sink.done && !sink.eof_sent) low = std::min(low, sink.offset);
  }
  return low;
}

// Writes what the node's window takes; sends EOF after the last byte.
void Upload::Feed(Sink& sink) {
  if (sink.done || sink.eof_sent || !sink.channel || !sink.channel->started()) return;
  while (sink.offset < window_.end()) {
    size_t taken = sink.channel->Write(window_.At(sink.offset));
    if (taken == 0) return;
    sink.offset += taken;
  }
  if (produced_all_) {
    sink.eof_sent = true;
    sink.channel->CloseStdin();
  }
}

// Feeds every node, then produces chunks while the slowest node is close
// enough, until the window is full or the archive is done.
void Upload::Pump() {
  do {
    for (Sink& sink : sinks_) Feed(sink);
    window_.Release(Slowest());
    if (produced_all_ || !result_.error.ok()) return;
    if (window_.end() - window_.begin() >= kWindowBytes || pending_ == 0) return;
  } while (Produce());
}

// The next chunk into the window; false (and every stdin ended without the
// marker, so that every host fails its check) when reading failed.
bool Upload::Produce() {
  std::string chunk;
  // Room for a whole chunk and the record that may overshoot it: without
  // it the string grows by doubling, copying the chunk about once more.
  chunk.reserve(kChunkBytes + kChunkSlack);
  util::Status status = stream_->Next(&chunk, kChunkBytes);
  if (!status.ok()) {
    result_.error = status;
    EndEveryStdin();
    return false;
  }
  if (chunk.empty()) {
    produced_all_ = true;
  } else {
    window_.Push(std::move(chunk));
  }
  return true;
}

void Upload::EndEveryStdin() {
  for (Sink& sink : sinks_) {
    if (!sink.done && sink.channel && !sink.eof_sent) {
      sink.eof_sent = true;
      sink.channel->CloseStdin();
    }
  }
}

void Upload::QueuePump() {
  if (pump_queued_) return;
  pump_queued_ = true;
  loop_->Post([this, alive = alive_]() {
    if (!*alive) return;
    pump_queued_ = false;
    Pump();
    Report();
  });
}

// Status line: bytes sent, rate, ETA (when the total is known), hosts.
void Upload::Report() {
  double seconds = std::chrono::duration<double>(loop::Clock::now() - started_).count();
  uint64_t sent = Slowest();
  double rate = seconds > 0 ? sent / seconds : 0;
  std::string eta;
  if (spec_.total_bytes > 0 && rate > 0 && sent < spec_.total_bytes) {
    eta = fmt::format(", ETA {:.0f} s", (spec_.total_bytes - sent) / rate);
  }
  out_->Status(fmt::format("upload: {:.1f} MiB sent, {:.1f} MiB/s{}, {}/{} hosts done", sent / 1048576.0,
                           rate / 1048576.0, eta, hosts_done_, nodes_->size()));
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

std::string UploadCommand(const UploadSpec& spec) {
  return WrapCommand(spec.wrapper, PrepareRootCommand(spec.root, spec.fresh_root) + " && " + ExtractCommand(spec));
}

UploadResult UploadToAll(loop::EventLoop* loop, Nodes* nodes, transfer::TarStream* stream,
                         const UploadSpec& spec, output::Output* out, const Stop& stop) {
  return Upload(loop, nodes, stream, spec, out, stop).Run();
}

}  // namespace cluster
