#include "cluster/stdin_feeder.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cluster {
namespace {

// Bytes read from the file at a time: a multiple of libssh's packet payload
// is not needed at this size (see doc/design.md, "SSH transport").
constexpr size_t kChunkBytes = 256 * 1024;

}  // namespace

StdinFeeder::StdinFeeder(const std::string& path) {
  if (path.empty()) {
    at_eof_ = true;
    return;
  }
  fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    status_ = util::Status::Error("can't open stdin file " + path + ": " + std::strerror(errno));
    at_eof_ = true;
    return;
  }
  ReadNextChunk();
}

StdinFeeder::~StdinFeeder() {
  if (fd_ >= 0) close(fd_);
}

void StdinFeeder::ReadNextChunk() {
  chunk_.resize(kChunkBytes);
  ssize_t n;
  do {
    n = read(fd_, chunk_.data(), chunk_.size());
  } while (n < 0 && errno == EINTR);
  if (n <= 0) {
    if (n < 0) status_ = util::Status::Error(std::string("can't read stdin file: ") + std::strerror(errno));
    chunk_.clear();
    at_eof_ = true;
    for (Sink& sink : sinks_) sink.offset = 0;
    return;
  }
  chunk_.resize(static_cast<size_t>(n));
  for (Sink& sink : sinks_) sink.offset = 0;
}

size_t StdinFeeder::Add(ExecChannel* channel) {
  sinks_.push_back({channel, 0, false});
  return sinks_.size() - 1;
}

// True when at least one sink is open and every open sink took the chunk.
bool StdinFeeder::AllCaughtUp() const {
  bool any = false;
  for (const Sink& sink : sinks_) {
    if (!sink.channel) continue;
    if (sink.offset < chunk_.size()) return false;
    any = true;
  }
  return any;
}

void StdinFeeder::Write(Sink& sink) {
  if (!sink.channel || !sink.channel->started()) return;
  while (sink.offset < chunk_.size()) {
    size_t taken = sink.channel->Write(std::string_view(chunk_).substr(sink.offset));
    if (taken == 0) return;  // Window full: on_writable pumps again.
    sink.offset += taken;
  }
  if (at_eof_ && !sink.eof_sent) {
    sink.eof_sent = true;
    sink.channel->CloseStdin();
  }
}

void StdinFeeder::Advance() {
  // Iterative, not recursive: a fast set of hosts may take many chunks.
  while (!at_eof_ && AllCaughtUp()) {
    ReadNextChunk();
    for (Sink& sink : sinks_) Write(sink);
  }
}

void StdinFeeder::Pump(size_t slot) {
  Write(sinks_[slot]);
  Advance();
}

void StdinFeeder::Drop(size_t slot) {
  sinks_[slot].channel = nullptr;
  Advance();
}

}  // namespace cluster
