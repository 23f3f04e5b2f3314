#include "cluster/upload.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>

#include "cluster/remote_cleanup.h"
#include "protocol/line_splitter.h"
#include "util/shell_quote.h"

namespace cluster {
namespace {

// How far the producer may run ahead of the slowest node, in bytes.
constexpr uint64_t kWindowBytes = 8 * 1024 * 1024;
// Size of one archive chunk handed to the channels (doc/design.md: >= 256 KiB
// writes cost the least CPU in libssh).
constexpr size_t kChunkBytes = transfer::TarStream::kDefaultChunkBytes;
// The longest the loop sleeps between checks of `*interrupted`.
constexpr ssh::Milliseconds kPollSliceMs{200};
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

struct Sink {
  std::unique_ptr<ssh::Channel> channel;
  uint64_t offset = 0;  // Archive bytes this node has taken.
  bool eof_sent = false;
  bool done = false;
  std::unique_ptr<protocol::LineSplitter> stderr_lines;
  std::vector<std::string> stderr_head;  // First kMaxStderrLines lines.
  size_t stderr_dropped = 0;
};

// The archive bytes between the slowest node and the producer.
class Window {
 public:
  uint64_t begin() const { return begin_; }
  uint64_t end() const { return end_; }
  void Push(std::string chunk) {
    end_ += chunk.size();
    chunks_.push_back(std::move(chunk));
  }
  // The bytes from absolute `offset` to the end of its chunk.
  std::string_view At(uint64_t offset) const {
    uint64_t base = begin_;
    for (const std::string& chunk : chunks_) {
      if (offset < base + chunk.size()) {
        return std::string_view(chunk).substr(static_cast<size_t>(offset - base));
      }
      base += chunk.size();
    }
    return {};
  }
  // Drops whole chunks that every node has passed.
  void Release(uint64_t slowest) {
    while (!chunks_.empty() && begin_ + chunks_.front().size() <= slowest) {
      begin_ += chunks_.front().size();
      chunks_.pop_front();
    }
  }

 private:
  std::deque<std::string> chunks_;
  uint64_t begin_ = 0;
  uint64_t end_ = 0;
};

}  // namespace

std::string UploadCommand(const UploadSpec& spec) {
  std::string root = util::ShellQuote(spec.root);
  std::string marker = util::ShellQuote(spec.root + "/" + spec.marker);
  // tar's --verbose list goes to stdout; send it to stderr (orgalorg(1), UPLOAD).
  // -b 256: 128 KiB reads and writes instead of 10 KiB ones (GNU tar and
  // bsdtar re-block a pipe on their own); about 10% less CPU on each host.
  std::string line = fmt::format("mkdir -p {0} && tar --directory {0} -x -p -b 256{1}{2} && test -f {3} && rm -f {3}",
                                 root, spec.preserve_owner ? "" : " --no-same-owner",
                                 spec.verbose ? " --verbose >&2" : "", marker);
  return WrapCommand(spec.wrapper, std::move(line));
}

UploadResult UploadToAll(ssh::EventLoop* loop, Nodes* nodes, transfer::TarStream* stream,
                         const UploadSpec& spec, output::Output* out, const bool* interrupted) {
  UploadResult result;
  result.outcomes.resize(nodes->size());
  std::vector<Sink> sinks(nodes->size());
  Window window;
  bool produced_all = false;
  size_t pending = 0;
  // One pump pass queued at a time; the token stops a pass queued but not
  // run before this function returned.
  bool pump_queued = false;
  auto alive = std::make_shared<bool>(true);

  auto slowest = [&]() {
    uint64_t low = window.end();
    for (const Sink& sink : sinks) {
      if (!sink.done && !sink.eof_sent) low = std::min(low, sink.offset);
    }
    return low;
  };
  // Writes what the node's window takes; sends EOF after the last byte.
  auto feed = [&](Sink& sink) {
    if (sink.done || sink.eof_sent || !sink.channel || !sink.channel->started()) return;
    while (sink.offset < window.end()) {
      size_t taken = sink.channel->Write(window.At(sink.offset));
      if (taken == 0) return;
      sink.offset += taken;
    }
    if (produced_all) {
      sink.eof_sent = true;
      sink.channel->CloseStdin();
    }
  };
  // Produces chunks while the slowest node is close enough, then feeds all.
  std::function<void()> pump = [&]() {
    for (;;) {
      for (Sink& sink : sinks) feed(sink);
      window.Release(slowest());
      if (produced_all || !result.error.ok()) return;
      if (window.end() - window.begin() >= kWindowBytes) return;
      if (pending == 0) return;
      std::string chunk;
      util::Status status = stream->Next(&chunk, kChunkBytes);
      if (!status.ok()) {
        // Close every stdin without the marker: every host fails its test.
        result.error = status;
        for (Sink& sink : sinks) {
          if (!sink.done && sink.channel && !sink.eof_sent) {
            sink.eof_sent = true;
            sink.channel->CloseStdin();
          }
        }
        return;
      }
      if (chunk.empty()) {
        produced_all = true;
      } else {
        window.Push(std::move(chunk));
      }
    }
  };

  // Status line: bytes sent, rate, ETA (when the total is known), hosts.
  ssh::TimePoint started = ssh::Clock::now();
  size_t hosts_done = 0;
  auto report = [&]() {
    double seconds = std::chrono::duration<double>(ssh::Clock::now() - started).count();
    uint64_t sent = slowest();
    double rate = seconds > 0 ? sent / seconds : 0;
    std::string eta;
    if (spec.total_bytes > 0 && rate > 0 && sent < spec.total_bytes) {
      eta = fmt::format(", ETA {:.0f} s", (spec.total_bytes - sent) / rate);
    }
    out->Status(fmt::format("upload: {:.1f} MiB sent, {:.1f} MiB/s{}, {}/{} hosts done", sent / 1048576.0,
                            rate / 1048576.0, eta, hosts_done, nodes->size()));
  };
  auto queue_pump = [&]() {
    if (pump_queued) return;
    pump_queued = true;
    loop->Post([&, alive]() {
      if (!*alive) return;
      pump_queued = false;
      pump();
      report();
    });
  };

  std::string command = UploadCommand(spec);
  out->Log(output::Level::kDebug, "upload command line: " + command);
  const int send_buffer = std::clamp(
      kSendBufferTotal / static_cast<int>(std::max<size_t>(nodes->size(), 1)),
      kSendBufferMin, kSendBufferPerHost);
  for (size_t i = 0; i < nodes->size(); ++i) {
    Node& node = (*nodes)[i];
    result.outcomes[i].host = node.ref.display;
    if (!node.connected()) {
      result.outcomes[i].error = node.error.ok() ? util::Status::Error("not connected") : node.error;
      sinks[i].done = true;
      continue;
    }
    node.session->ReserveSendBuffer(send_buffer);
    ssh::ChannelCallbacks callbacks;
    callbacks.on_stdout = [&, i](std::string_view data) {
      out->HostLine((*nodes)[i].ref, output::Stream::kStdout, data);
    };
    sinks[i].stderr_lines = std::make_unique<protocol::LineSplitter>([&, i](const protocol::LineChunk& c) {
      Sink& sink = sinks[i];
      if (c.text.empty() || c.text == spec.marker) return;  // tar -v lists the marker too
      if (c.text == kHdrcharsetWarning) return;
      if (spec.verbose) out->HostLine((*nodes)[i].ref, output::Stream::kStderr, c.text);
      if (sink.stderr_head.size() < kMaxStderrLines) {
        sink.stderr_head.emplace_back(c.text);
      } else {
        ++sink.stderr_dropped;
      }
    });
    callbacks.on_stderr = [&, i](std::string_view data) { sinks[i].stderr_lines->Feed(data); };
    callbacks.on_writable = [&]() { queue_pump(); };
    callbacks.on_exit = [&, i](int status, std::string signal_name) {
      Sink& sink = sinks[i];
      if (sink.done) return;
      sink.done = true;
      --pending;
      ++hosts_done;
      HostOutcome& outcome = result.outcomes[i];
      outcome.exit_code = status;
      if (!sink.channel->error().ok()) {
        outcome.error = sink.channel->error();
      } else if (status != 0 || !signal_name.empty() || !sink.eof_sent) {
        std::string why = signal_name.empty() ? fmt::format("extraction failed with exit code {}", status)
                                              : "extraction killed by signal " + signal_name;
        outcome.error = util::Status::Error(why);
        sink.stderr_lines->Finish();
        for (const std::string& line : sink.stderr_head) outcome.error.AddCause(util::Status::Error(line));
        if (sink.stderr_dropped > 0) {
          outcome.error.AddCause(util::Status::Error(fmt::format("({} more lines)", sink.stderr_dropped)));
        }
        if (outcome.exit_code == 0) outcome.exit_code = -1;
      }
      queue_pump();  // A finished node no longer holds the producer back.
    };
    util::StatusOr<std::unique_ptr<ssh::Channel>> channel = node.session->Exec(command, std::move(callbacks));
    if (!channel.ok()) {
      result.outcomes[i].error = channel.status().Wrap("can't start the upload");
      sinks[i].done = true;
      continue;
    }
    sinks[i].channel = std::move(*channel);
    ++pending;
  }

  while (pending > 0 && !*interrupted) loop->RunOnce(kPollSliceMs);
  if (pending > 0) {
    result.interrupted = true;
    std::vector<bool> busy(sinks.size());
    for (size_t i = 0; i < sinks.size(); ++i) busy[i] = !sinks[i].done && sinks[i].channel;
    CleanUpNodes(loop, nodes, busy, CleanupCommand(spec.wrapper));
    for (size_t i = 0; i < sinks.size(); ++i) {
      Sink& sink = sinks[i];
      if (sink.done || !sink.channel) continue;
      sink.channel->Close();
      result.outcomes[i].error = util::Status::Error("interrupted");
    }
    loop->RunOnce(ssh::Milliseconds(0));
  }
  *alive = false;
  result.bytes_sent = stream->bytes_produced();
  return result;
}

}  // namespace cluster
