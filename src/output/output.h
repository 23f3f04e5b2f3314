// The only writer of stdout and stderr.
//
// Output owns line atomicity (every line leaves in one write(2), so lines of
// different hosts never interleave mid-line), host prefixes, JSON lines,
// log levels and the error tree of SPEC.md section 10. It is used from the
// one event-loop thread; it is not thread-safe.
#ifndef ORGALORG_OUTPUT_OUTPUT_H_
#define ORGALORG_OUTPUT_OUTPUT_H_

#include <string>
#include <string_view>

#include "util/status.h"

namespace output {

enum class Stream { kStdout, kStderr };
enum class Level { kError, kWarning, kInfo, kDebug, kTrace };

struct Config {
  bool quiet = false;  // -q: host output raw, no prefix, nothing added
  bool json = false;   // --json: one object per line
  int verbose = 0;     // -v count: 1 debug, 2 trace
  // Draw a status line on stderr (main sets it when stderr is a terminal and
  // neither --json nor -q is given).
  bool status_line = false;
};

// Names a host in output: `display` is the host as given, `identity` is
// `[user@host:port]`.
struct HostRef {
  std::string display;
  std::string identity;
};

class Output {
 public:
  // Writes to the given descriptors (1 and 2 in the program; pipes in tests).
  Output(Config config, int stdout_fd = 1, int stderr_fd = 2);
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  const Config& config() const { return config_; }

  // One complete line of host output (without its newline). Written to
  // `stream` as `<host> <line>`, or as JSON, or raw with -q; at -v also
  // logged on stderr as `<stdout> [user@host:port] <line>`.
  void HostLine(const HostRef& host, Stream stream, std::string_view line);

  // Raw host bytes for -q: written as they are, nothing added.
  void HostRaw(Stream stream, std::string_view bytes);

  // A log line on stderr if `level` is enabled (warnings and errors always).
  void Log(Level level, std::string_view message);
  bool Enabled(Level level) const;

  // An error with its causes, as a tree:
  //   error: outer message
  //   └─ cause
  //      └─ root cause
  // With --json, one object per line of the tree.
  void Error(const util::Status& status);
  void Warning(const util::Status& status);

  // Plain text on a stream, for --help, --version and usage errors.
  void Text(Stream stream, std::string_view text);

  // Between BeginBatch() and EndBatch() (or while a Batch lives), complete
  // lines for one descriptor are gathered and written together (whole
  // lines only, at most kBatchBytes per write): one write(2) per chunk of
  // host output instead of one per line. Anything else written, to either
  // stream, flushes the gathered lines first, so order is kept.
  void BeginBatch() { ++batch_depth_; }
  void EndBatch();
  class Batch {
   public:
    explicit Batch(Output* out) : out_(out) { out_->BeginBatch(); }
    ~Batch() { out_->EndBatch(); }
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;

   private:
    Output* out_;
  };

  // Replaces the status line ("exec: 12/200 done, 1 failed"). Drawn on
  // stderr at most every kStatusIntervalMs (the last text always wins at
  // the next draw); erased before any other output and by ClearStatus().
  // Does nothing unless config().status_line.
  void Status(std::string text);
  void ClearStatus();

 private:
  void WriteLine(Stream stream, std::string_view line);
  void Flush();  // Writes the gathered lines, if any.
  void Erase();  // Removes the status line from the terminal, if drawn.
  void WriteJson(Stream stream, const HostRef* host, std::string_view body);
  void Tree(Level level, const util::Status& status);
  int Fd(Stream stream) const;

  Config config_;
  int stdout_fd_;
  int stderr_fd_;
  int batch_depth_ = 0;
  int pending_fd_ = -1;
  std::string pending_;  // Gathered whole lines for pending_fd_.
  std::string status_;
  bool status_drawn_ = false;
  long long status_drawn_at_ms_ = 0;
};

// Most bytes of gathered lines written at once in a batch.
constexpr size_t kBatchBytes = 64 * 1024;

// Least time between two draws of the status line.
constexpr long long kStatusIntervalMs = 100;

// Writes all of `data` to `fd`, retrying on EINTR and short writes.
void WriteAll(int fd, std::string_view data);

}  // namespace output

#endif  // ORGALORG_OUTPUT_OUTPUT_H_
