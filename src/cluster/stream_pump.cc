#include "cluster/stream_pump.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace cluster {
namespace {

// Size of one archive chunk handed to the channels (doc/design.md: >= 256 KiB
// writes cost the least CPU in libssh).
constexpr size_t kChunkBytes = transfer::TarStream::kDefaultChunkBytes;

}  // namespace

StreamPump::StreamPump(loop::EventLoop* loop, transfer::TarStream* stream, output::Output* out,
                       PumpStatus status, size_t sinks)
    : loop_(loop), stream_(stream), out_(out), status_(std::move(status)), sinks_(sinks) {}

void StreamPump::Add(size_t id, ExecChannel* channel, std::string prelude, bool takes_archive) {
  Sink& sink = sinks_[id];
  sink.channel = channel;
  sink.prelude = std::move(prelude);
  sink.takes_archive = takes_archive;
}

void StreamPump::Writable(size_t /*id*/) { QueuePump(); }

void StreamPump::Remove(size_t id) { sinks_[id].channel = nullptr; }

void StreamPump::QueuePump() {
  if (pump_queued_) return;
  pump_queued_ = true;
  loop_->Post([this, alive = alive_]() {
    if (!*alive) return;
    pump_queued_ = false;
    Pass();
    double seconds = std::chrono::duration<double>(loop::Clock::now() - started_).count();
    out_->Status(StatusText(seconds));
  });
}

uint64_t StreamPump::Slowest() const {
  uint64_t low = window_.end();
  for (const Sink& sink : sinks_) {
    if (sink.channel && sink.takes_archive && !sink.eof_sent) low = std::min(low, sink.offset);
  }
  return low;
}

size_t StreamPump::Taking() const {
  size_t taking = 0;
  for (const Sink& sink : sinks_) {
    if (sink.channel && sink.takes_archive && !sink.eof_sent) ++taking;
  }
  return taking;
}

// Feeds every sink, then produces chunks while the slowest sink is close
// enough, until the window is full or the archive is done.
void StreamPump::Pass() {
  do {
    for (Sink& sink : sinks_) Feed(sink);
    window_.Release(Slowest());
    if (produced_all_ || !error_.ok() || Taking() == 0) return;
    if (window_.end() - window_.begin() >= kWindowBytes) return;
  } while (Produce());
}

// Writes what the sink's channel takes: prelude, archive, then EOF.
void StreamPump::Feed(Sink& sink) {
  if (!sink.channel || sink.eof_sent || !sink.channel->started()) return;
  while (!sink.prelude.empty()) {
    size_t taken = sink.channel->Write(sink.prelude);
    if (taken == 0) return;
    sink.prelude.erase(0, taken);
  }
  if (!error_.ok() || !sink.takes_archive) return EndStdin(sink);
  while (sink.offset < window_.end()) {
    size_t taken = sink.channel->Write(window_.At(sink.offset));
    if (taken == 0) return;
    sink.offset += taken;
  }
  if (produced_all_) EndStdin(sink);
}

void StreamPump::EndStdin(Sink& sink) {
  sink.eof_sent = true;
  sink.channel->CloseStdin();
}

// The next chunk into the window; false (and every stdin ended without the
// rest, so that every host fails its check) when reading failed.
bool StreamPump::Produce() {
  std::string chunk;
  util::Status status = stream_->Next(&chunk, kChunkBytes);
  if (!status.ok()) {
    error_ = status;
    for (Sink& sink : sinks_) {
      if (!sink.channel || sink.eof_sent) continue;
      if (sink.prelude.empty()) {
        EndStdin(sink);
      } else {
        Feed(sink);
      }
    }
    return false;
  }
  if (chunk.empty()) {
    produced_all_ = true;
  } else {
    window_.Push(std::move(chunk));
  }
  return true;
}

std::string StreamPump::StatusText(double seconds) const {
  uint64_t sent = Slowest();
  double rate = seconds > 0 ? sent / seconds : 0;
  std::string eta;
  if (status_.total_bytes > 0 && rate > 0 && sent < status_.total_bytes) {
    eta = fmt::format(", ETA {:.0f} s", (status_.total_bytes - sent) / rate);
  }
  return fmt::format("{}: {:.1f} MiB sent, {:.1f} MiB/s{}, {}/{} hosts done", status_.label, sent / 1048576.0,
                     rate / 1048576.0, eta, hosts_done_, status_.hosts);
}

}  // namespace cluster
