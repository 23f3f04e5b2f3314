// The only writer of stdout and stderr.
//
// Output owns line atomicity (every line is written whole, by one write(2)
// or writev(2) loop, before anything else: lines of different hosts never
// interleave mid-line, whatever their length), host prefixes and their
// colours (output/color.h), JSON lines, log levels, the error tree and the
// status line (see OUTPUT in doc/orgalorg.1). It is used from the one
// event-loop thread; it is not thread-safe.
#ifndef ORGALORG_OUTPUT_OUTPUT_H_
#define ORGALORG_OUTPUT_OUTPUT_H_

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "output/color.h"
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
  // Colour each stream (main decides with UseColor()); ignored, i.e. no
  // escape ever, with quiet or json.
  bool color_stdout = false;
  bool color_stderr = false;
  Theme theme = Theme::kDark;
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

  // Raw host bytes for -q: written as they are, nothing added (gathered
  // like lines inside a Batch).
  void HostRaw(Stream stream, std::string_view bytes);

  // A piece of one host line, for a run where no other host can write to
  // `stream` (one host): the prefix when `first`, the text, the newline
  // when `last`. Nothing else should be written between a first piece and
  // its last one; the status line waits for the last one.
  void HostPiece(const HostRef& host, Stream stream, std::string_view text, bool first, bool last);

  // The end of a host's command. With --json, one object on stdout:
  //   {"stream":"exit","node":"[user@host:port]","host":"h",
  //    "exit_code":0|null,"error":null|"cause: root cause"}
  // (exit_code null when no exit status came back); nothing otherwise.
  void HostEnd(const HostRef& host, std::optional<int> exit_code, const util::Status& error);

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
  // stderr at most every kStatusIntervalMs; erased before any other output
  // and by ClearStatus(). A text that comes too soon after the last draw,
  // and a line erased by other output, are drawn by RedrawStatus() when
  // the scheduler calls it back (without a scheduler: at the next
  // Status()). Does nothing unless config().status_line.
  void Status(std::string text);
  void ClearStatus();

  // `scheduler(delay_ms)` must call RedrawStatus() once, about delay_ms
  // from now (the run's event loop sets a timer). At most one callback is
  // asked for at a time. Setting (or clearing, with nullptr, before the
  // scheduler goes away) forgets a callback already asked for.
  using RedrawScheduler = std::function<void(long long delay_ms)>;
  void SetRedrawScheduler(RedrawScheduler scheduler);
  void RedrawStatus();

 private:
  // Writes `parts` back to back as one unit (gathered inside a Batch when
  // small; else at once, without copying).
  void Write(Stream stream, std::initializer_list<std::string_view> parts);
  void WriteLine(Stream stream, std::string_view line) { Write(stream, {line, "\n"}); }
  void Flush();  // Writes the gathered lines, if any.
  void Erase();  // Removes the status line from the terminal, if drawn.
  void DrawStatus(long long now_ms);
  void ScheduleRedraw(long long delay_ms);
  // "<name> " in `host`'s colour when `stream` is coloured.
  std::string Prefix(Stream stream, const HostRef& host, std::string_view name) const;
  // "error: ", "warning: "... with the level's colour on a coloured stderr.
  std::string LevelPrefix(Level level) const;
  bool Colored(Stream stream) const;
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
  bool status_dirty_ = false;  // status_ changed since it was last drawn.
  long long status_drawn_at_ms_ = 0;
  RedrawScheduler scheduler_;
  bool redraw_scheduled_ = false;
  bool mid_line_ = false;  // A HostPiece line is not finished yet.
};

// Most bytes of gathered lines written at once in a batch.
constexpr size_t kBatchBytes = 64 * 1024;

// Least time between two draws of the status line.
constexpr long long kStatusIntervalMs = 100;

// Writes all of `data` to `fd`, retrying on EINTR and short writes.
void WriteAll(int fd, std::string_view data);
// The same for several pieces, with writev(2).
void WriteAllV(int fd, std::initializer_list<std::string_view> parts);

}  // namespace output

#endif  // ORGALORG_OUTPUT_OUTPUT_H_
