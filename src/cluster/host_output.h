// Turns the byte streams of every host's command into output lines.
//
// One HostOutput per run. Each host has a stdout and a stderr LineSplitter;
// complete lines go to output::Output::HostLine (prefixed, JSON or logged),
// and with -q bytes go to Output::HostRaw untouched. With -l (serial) only
// one host, the "current" one, is written live; the others are held in
// memory until their turn, in the order of the host list. Finish(host) is
// called when a host's command ended: it flushes its unterminated last lines
// and, in serial mode, passes the turn on.
// With a FoldBuffer (--fold) nothing is written: each host's stdout and
// stderr lines (or -q bytes) are appended to the buffer in arrival order,
// byte for byte (a last line without newline stays without), for the fold
// report at the end; fold_status() holds the first error the buffer gave.
#ifndef ORGALORG_CLUSTER_HOST_OUTPUT_H_
#define ORGALORG_CLUSTER_HOST_OUTPUT_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "output/fold_buffer.h"
#include "output/output.h"
#include "protocol/line_splitter.h"

namespace cluster {

class HostOutput {
 public:
  // Sees every complete stdout line first; returns true to consume it (the
  // sync protocol's lines). With a filter, -q output is split into lines too.
  using LineFilter = std::function<bool(size_t host, std::string_view line)>;

  HostOutput(output::Output* out, std::vector<output::HostRef> hosts, bool serial,
             LineFilter stdout_filter = nullptr, output::FoldBuffer* fold = nullptr);
  HostOutput(const HostOutput&) = delete;
  HostOutput& operator=(const HostOutput&) = delete;

  void Data(size_t host, output::Stream stream, std::string_view bytes);
  void Finish(size_t host);
  const util::Status& fold_status() const { return fold_status_; }

 private:
  struct Held {
    output::Stream stream;
    bool raw;
    std::string text;
  };
  struct Host {
    output::HostRef ref;
    std::unique_ptr<protocol::LineSplitter> out;
    std::unique_ptr<protocol::LineSplitter> err;
    std::vector<Held> held;  // Serial mode: output waiting for this host's turn.
    bool finished = false;
  };
  void EmitLine(size_t host, output::Stream stream, const protocol::LineChunk& chunk);
  void Emit(size_t host, output::Stream stream, bool raw, std::string_view text);
  void Write(size_t host, output::Stream stream, bool raw, std::string_view text);
  void PassTurn();

  output::Output* out_;
  bool serial_;
  bool quiet_;  // Raw bytes, no line splitting.
  bool quiet_lines_;  // -q with a filter: lines, written raw with '\n'.
  LineFilter filter_;
  output::FoldBuffer* fold_;
  util::Status fold_status_;
  std::vector<Host> hosts_;
  size_t current_ = 0;  // Serial mode: the host written live.
};

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_HOST_OUTPUT_H_
