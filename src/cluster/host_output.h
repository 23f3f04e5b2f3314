// Turns the byte streams of every host's command into output lines.
//
// One HostOutput per run. Each host's stdout and stderr are split into
// lines, and each line is written whole (output::Output::HostLine:
// prefixed, JSON or logged; with -q raw, with its newline if it had one),
// so two hosts never share a line, with -q too. Memory holds each host's
// unfinished line only, up to kMaxLineBytes per host and stream: past it,
// the line is written in pieces of that size (each piece prefixed, or raw
// with -q) and a warning names the host, once per host.
// Two cases need no whole-line buffering and have none: a run with one
// host (nobody else writes: with -q the bytes pass as they come; prefixed,
// a line of any length is written as it comes, prefix first), and --fold.
// With -l (serial) only one host, the "current" one, is written live; the
// others are held in memory until their turn, in the order of the host
// list. Finish(host) is called when a host's command ended: it writes its
// unterminated last lines (prefixed lines get a newline, -q bytes do not),
// with --json the host's end record, and, in serial mode, passes the turn.
// With a FoldBuffer (--fold) nothing is written: each host's stdout and
// stderr bytes are appended to the buffer in arrival order, byte for byte,
// for the fold report at the end; fold_status() holds the first error the
// buffer gave.
#ifndef ORGALORG_CLUSTER_HOST_OUTPUT_H_
#define ORGALORG_CLUSTER_HOST_OUTPUT_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "output/fold_buffer.h"
#include "output/output.h"
#include "protocol/line_splitter.h"

namespace cluster {

// The longest host line written whole (per host and stream), in bytes.
inline constexpr size_t kMaxLineBytes = 64 * 1024 * 1024;
// The pieces a line is passed on in when it need not be whole (one host,
// --fold, and the sync protocol's lines under those).
inline constexpr size_t kPieceBytes = 64 * 1024;

class HostOutput {
 public:
  // Sees every complete stdout line first; returns true to consume it (the
  // sync protocol's lines).
  using LineFilter = std::function<bool(size_t host, std::string_view line)>;

  // `max_line_bytes` is kMaxLineBytes but in tests.
  HostOutput(output::Output* out, std::vector<output::HostRef> hosts, bool serial,
             LineFilter stdout_filter = nullptr, output::FoldBuffer* fold = nullptr,
             size_t max_line_bytes = kMaxLineBytes);
  HostOutput(const HostOutput&) = delete;
  HostOutput& operator=(const HostOutput&) = delete;

  void Data(size_t host, output::Stream stream, std::string_view bytes);
  // The host's command ended: flushes its last lines. The second form also
  // writes the --json end record (output::Output::HostEnd); `exit_code`
  // is empty when no exit status came back.
  void Finish(size_t host);
  void Finish(size_t host, std::optional<int> exit_code, const util::Status& error);
  const util::Status& fold_status() const { return fold_status_; }

 private:
  // kRaw: bytes as they come (--fold; -q with one host). kPieces: one host,
  // prefixed, lines written piece by piece. kLines: whole lines.
  enum class Mode { kRaw, kPieces, kLines };
  struct Held {
    output::Stream stream;
    bool raw;
    std::string text;
  };
  struct End {
    std::optional<int> exit_code;
    util::Status error;
  };
  struct Host {
    output::HostRef ref;
    std::unique_ptr<protocol::LineSplitter> out;
    std::unique_ptr<protocol::LineSplitter> err;
    std::vector<Held> held;  // Serial mode: output waiting for this host's turn.
    std::optional<End> end;  // Serial mode: the end record, after `held`.
    bool finished = false;
    bool warned = false;  // The over-long line warning was given.
  };
  static Mode PickMode(const output::Config& config, size_t hosts, bool fold);
  std::unique_ptr<protocol::LineSplitter> Splitter(size_t host, output::Stream stream);
  void EmitChunk(size_t host, output::Stream stream, const protocol::LineChunk& chunk);
  void Emit(size_t host, output::Stream stream, bool raw, std::string_view text,
            std::string_view newline = {});
  void Write(size_t host, output::Stream stream, bool raw, std::string_view text,
             std::string_view newline = {});
  void WriteEnd(size_t host, const End& end);
  void PassTurn();

  output::Output* out_;
  bool serial_;
  Mode mode_;
  bool quiet_;
  size_t max_line_bytes_;
  LineFilter filter_;
  output::FoldBuffer* fold_;
  util::Status fold_status_;
  std::vector<Host> hosts_;
  size_t current_ = 0;  // Serial mode: the host written live.
};

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_HOST_OUTPUT_H_
