// Streams one local file (-i) to the stdin of many remote commands.
//
// The file is read once, a chunk at a time; every channel writes the current
// chunk as its window allows, and the next chunk is read only when every
// channel still open has taken the whole current one. Memory is one chunk
// whatever the file size and the number of hosts; the slowest host sets the
// pace. At end of file every channel gets EOF on stdin. Without a file
// (path empty) every channel gets EOF at once: the remote stdin is empty.
#ifndef ORGALORG_CLUSTER_STDIN_FEEDER_H_
#define ORGALORG_CLUSTER_STDIN_FEEDER_H_

#include <string>
#include <vector>

#include "cluster/exec.h"
#include "util/status.h"

namespace cluster {

class StdinFeeder {
 public:
  // Opens `path` (empty: no input). Check status() before use.
  explicit StdinFeeder(const std::string& path);
  ~StdinFeeder();
  StdinFeeder(const StdinFeeder&) = delete;
  StdinFeeder& operator=(const StdinFeeder&) = delete;

  const util::Status& status() const { return status_; }

  // Registers a channel; returns its slot. Call Pump(slot) from the
  // channel's on_writable and Drop(slot) when it ends.
  size_t Add(ExecChannel* channel);
  void Pump(size_t slot);
  void Drop(size_t slot);

 private:
  struct Sink {
    ExecChannel* channel = nullptr;  // Null once dropped.
    size_t offset = 0;                // Bytes of chunk_ taken.
    bool eof_sent = false;
  };
  bool AllCaughtUp() const;
  void ReadNextChunk();
  void Write(Sink& sink);  // As much of the chunk as the window takes.
  void Advance();          // Next chunks while every sink has caught up.

  int fd_ = -1;
  bool at_eof_ = false;
  std::string chunk_;
  std::vector<Sink> sinks_;
  util::Status status_;
};

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_STDIN_FEEDER_H_
