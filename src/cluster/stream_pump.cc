#include "cluster/stream_pump.h"

#include <fmt/format.h>

#include <chrono>

namespace cluster {
namespace {

// Size of one archive chunk handed to the channels (doc/design.md: >= 256 KiB
// writes cost the least CPU in libssh).
constexpr size_t kChunkBytes = transfer::TarStream::kDefaultChunkBytes;
// What one step of the tar writer may add beyond the chunk size it was asked for.
constexpr size_t kChunkSlack = 64 * 1024;

}  // namespace

StreamPump::StreamPump(loop::EventLoop* loop, transfer::TarStream* stream, output::Output* out,
                       PumpStatus status, size_t sinks)
    : loop_(loop), stream_(stream), out_(out), status_(std::move(status)), sinks_(sinks) {}

void StreamPump::Add(size_t id, ExecChannel* channel, std::string prelude, bool takes_archive) {
  Sink& sink = sinks_[id];
  sink.channel = channel;
  sink.prelude = std::move(prelude);
  sink.takes_archive = takes_archive;
  if (takes_archive) {
    sink.slot = offsets_.insert(sink.offset);
    sink.counted = true;
  }
  Ready(id);
}

void StreamPump::Writable(size_t id) {
  Ready(id);
  QueuePump();
}

void StreamPump::Remove(size_t id) {
  Sink& sink = sinks_[id];
  Uncount(sink);
  sink.channel = nullptr;
}

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

uint64_t StreamPump::Slowest() const { return offsets_.empty() ? window_.end() : *offsets_.begin(); }

// Feeds the sinks that can take bytes, then produces chunks while the
// slowest sink is close enough, until the window is full or the archive is
// done.
void StreamPump::Pass() {
  do {
    FeedReady();
    window_.Release(Slowest());
    if (produced_all_ || !error_.ok() || offsets_.empty()) return;
    if (window_.end() - window_.begin() >= kWindowBytes) return;
  } while (Produce());
}

void StreamPump::Ready(size_t id) {
  Sink& sink = sinks_[id];
  if (sink.queued || !sink.channel || sink.eof_sent) return;
  sink.queued = true;
  ready_.push_back(id);
}

void StreamPump::FeedReady() {
  feeding_.swap(ready_);
  for (size_t id : feeding_) {
    sinks_[id].queued = false;
    Feed(id);
  }
  feeding_.clear();
}

// Writes what the sink's channel takes: prelude, archive, then EOF. One
// that took all there is waits in hungry_ for the next chunk; one that took
// less waits for its channel's on_writable.
void StreamPump::Feed(size_t id) {
  Sink& sink = sinks_[id];
  if (!sink.channel || sink.eof_sent || !sink.channel->started()) return;
  while (!sink.prelude.empty()) {
    size_t taken = sink.channel->Write(sink.prelude);
    if (taken == 0) return;
    sink.prelude.erase(0, taken);
  }
  if (!error_.ok() || !sink.takes_archive) return EndStdin(sink);
  if (!WriteArchive(sink)) return;
  if (produced_all_) return EndStdin(sink);
  if (!sink.hungry) {
    sink.hungry = true;
    hungry_.push_back(id);
  }
}

// The window from the sink's offset; true when it took all of it.
bool StreamPump::WriteArchive(Sink& sink) {
  uint64_t start = sink.offset;
  while (sink.offset < window_.end()) {
    size_t taken = sink.channel->Write(window_.At(sink.offset));
    if (taken == 0) break;
    sink.offset += taken;
  }
  if (sink.offset != start && sink.counted) {
    offsets_.erase(sink.slot);
    sink.slot = offsets_.insert(sink.offset);
  }
  return sink.offset == window_.end();
}

void StreamPump::EndStdin(Sink& sink) {
  sink.eof_sent = true;
  Uncount(sink);
  sink.channel->CloseStdin();
}

void StreamPump::Uncount(Sink& sink) {
  if (!sink.counted) return;
  offsets_.erase(sink.slot);
  sink.counted = false;
}

// The next chunk into the window (the sinks waiting for it are fed next);
// false (and every stdin ended without the rest, so that every host fails
// its check) when reading failed.
bool StreamPump::Produce() {
  std::string chunk;
  // Room for a whole chunk and the record that may overshoot it: without
  // it the string grows by doubling, copying the chunk about once more.
  chunk.reserve(kChunkBytes + kChunkSlack);
  util::Status status = stream_->Next(&chunk, kChunkBytes);
  if (!status.ok()) {
    error_ = status;
    for (size_t id = 0; id < sinks_.size(); ++id) Feed(id);
    return false;
  }
  if (chunk.empty()) {
    produced_all_ = true;
  } else {
    window_.Push(std::move(chunk));
  }
  WakeHungry();
  return true;
}

void StreamPump::WakeHungry() {
  for (size_t id : hungry_) {
    sinks_[id].hungry = false;
    Ready(id);
  }
  hungry_.clear();
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
