#include "cluster/sync_relay.h"

#include <algorithm>

#include "protocol/sync_protocol.h"

namespace cluster {

namespace {

// How much of the opening is rendered at a time.
constexpr size_t kRenderBytes = 16 * 1024;

// The least time between two flushes of relayed lines, per tool and in all
// (sync_relay.h).
constexpr std::chrono::microseconds kFlushGapPerTool{500};
constexpr std::chrono::microseconds kMaxFlushGap{2'000'000};

}  // namespace

SyncRelay::SyncRelay(std::string prefix, std::vector<std::string> identities, output::Output* out,
                     std::vector<output::HostRef> refs, Defer defer)
    : prefix_(std::move(prefix)),
      identities_(std::move(identities)),
      out_(out),
      refs_(std::move(refs)),
      tools_(identities_.size()),
      defer_(std::move(defer)) {}

std::string SyncRelay::OpeningLine(size_t index, size_t line) const {
  if (line == 0) return protocol::EncodeHello(prefix_);
  if (line <= identities_.size()) return protocol::EncodeNode(prefix_, identities_[line - 1], line - 1 == index);
  return protocol::EncodeStart(prefix_);
}

void SyncRelay::Render(size_t index) {
  Tool& tool = tools_[index];
  bool debug = out_->Enabled(output::Level::kDebug);
  while (tool.next <= identities_.size() + 1 && tool.pending.size() < kRenderBytes) {
    std::string line = OpeningLine(index, tool.next++);
    if (debug) out_->Log(output::Level::kDebug, refs_[index].identity + " <- " + line.substr(0, line.size() - 1));
    tool.pending += line;
  }
}

std::string SyncRelay::queued(size_t index) const {
  const Tool& tool = tools_[index];
  if (tool.gone) return "";
  std::string bytes = tool.pending;
  for (size_t line = tool.next; line <= identities_.size() + 1; ++line) bytes += OpeningLine(index, line);
  return bytes + log_.substr(tool.log_offset);
}

void SyncRelay::Attach(size_t index, ExecChannel* channel) {
  tools_[index].channel = channel;
  Flush(index);
}

void SyncRelay::Flush(size_t index) {
  Tool& tool = tools_[index];
  if (tool.gone || !tool.channel || !tool.channel->started()) return;
  for (;;) {
    if (tool.pending.empty()) Render(index);
    if (!tool.pending.empty()) {
      tool.pending.erase(0, tool.channel->Write(tool.pending));
      if (!tool.pending.empty()) return;  // The window is full.
      continue;
    }
    if (tool.log_offset < log_.size()) tool.log_offset += tool.channel->Write(std::string_view(log_).substr(tool.log_offset));
    return;
  }
}

void SyncRelay::FlushAll() {
  for (size_t i = 0; i < tools_.size(); ++i) Flush(i);
}

void SyncRelay::Detach(size_t index) {
  tools_[index].gone = true;
  tools_[index].channel = nullptr;
  tools_[index].pending.clear();
  tools_[index].pending.shrink_to_fit();
}

void SyncRelay::CloseAll() {
  for (Tool& tool : tools_) {
    if (tool.channel) tool.channel->CloseStdin();
  }
}

bool SyncRelay::OnToolLine(size_t index, std::string_view line) {
  protocol::ToolLine parsed = protocol::ParseToolLine(line, prefix_);
  switch (parsed.kind) {
    case protocol::ToolLine::Kind::kUserOutput:
      return false;
    case protocol::ToolLine::Kind::kUnknownProtocol:
      out_->Log(output::Level::kWarning,
                refs_[index].display + ": unknown sync protocol message \"" + std::string(parsed.text) + "\"");
      return true;
    case protocol::ToolLine::Kind::kSync:
      break;
  }
  if (out_->Enabled(output::Level::kDebug)) {
    out_->Log(output::Level::kDebug, refs_[index].identity + " -> " + std::string(line));
  }
  std::string relayed = protocol::EncodeSync(prefix_, identities_[index], parsed.text);
  if (out_->Enabled(output::Level::kDebug)) {
    for (size_t i = 0; i < tools_.size(); ++i) {
      if (!tools_[i].gone) out_->Log(output::Level::kDebug, refs_[i].identity + " <- " + relayed.substr(0, relayed.size() - 1));
    }
  }
  log_ += relayed;
  if (!defer_) {
    FlushAll();
  } else {
    ScheduleFlush();
  }
  return true;
}

void SyncRelay::ScheduleFlush() {
  if (flush_queued_) return;
  flush_queued_ = true;
  using std::chrono::steady_clock;
  steady_clock::time_point now = steady_clock::now();
  auto delay = std::chrono::duration_cast<std::chrono::microseconds>(std::max(next_flush_ - now, steady_clock::duration(0)));
  defer_(delay, [this, alive = alive_] {
    if (!*alive) return;
    flush_queued_ = false;
    steady_clock::time_point started = steady_clock::now();
    FlushAll();
    steady_clock::time_point ended = steady_clock::now();
    next_flush_ = ended + std::max<steady_clock::duration>(ended - started, FlushGap());
  });
}

std::chrono::steady_clock::duration SyncRelay::FlushGap() const {
  return std::min(kFlushGapPerTool * static_cast<long>(tools_.size()), kMaxFlushGap);
}

}  // namespace cluster
