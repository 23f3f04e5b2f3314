#include "output/output.h"

#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace output {
namespace {

const char* LevelName(Level level) {
  switch (level) {
    case Level::kError: return "error";
    case Level::kWarning: return "warning";
    case Level::kInfo: return "info";
    case Level::kDebug: return "debug";
    case Level::kTrace: return "trace";
  }
  return "?";
}

long long NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Host output may hold any bytes: invalid UTF-8 is replaced, never fatal.
std::string Dump(const nlohmann::ordered_json& object) {
  return object.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

void WriteAll(int fd, std::string_view data) { WriteAllV(fd, {data}); }

void WriteAllV(int fd, std::initializer_list<std::string_view> parts) {
  std::vector<iovec> iov;
  iov.reserve(parts.size());
  for (std::string_view part : parts) {
    if (!part.empty()) iov.push_back({const_cast<char*>(part.data()), part.size()});
  }
  size_t first = 0;
  while (first < iov.size()) {
    int count = static_cast<int>(std::min<size_t>(iov.size() - first, IOV_MAX));
    ssize_t n = ::writev(fd, &iov[first], count);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // Nowhere left to report it (EPIPE on a closed pipe).
    }
    auto done = static_cast<size_t>(n);
    while (first < iov.size() && done >= iov[first].iov_len) done -= iov[first++].iov_len;
    if (first < iov.size()) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + done;
      iov[first].iov_len -= done;
    }
  }
}

Output::Output(Config config, int stdout_fd, int stderr_fd)
    : config_(config), stdout_fd_(stdout_fd), stderr_fd_(stderr_fd) {
  if (config_.quiet || config_.json) config_.color_stdout = config_.color_stderr = false;
}

int Output::Fd(Stream stream) const {
  return stream == Stream::kStdout ? stdout_fd_ : stderr_fd_;
}

bool Output::Colored(Stream stream) const {
  return stream == Stream::kStdout ? config_.color_stdout : config_.color_stderr;
}

std::string Output::Prefix(Stream stream, const HostRef& host, std::string_view name) const {
  std::string prefix = Colored(stream) ? Paint(HostColor(config_.theme, host.display), name) : std::string(name);
  prefix += ' ';
  return prefix;
}

std::string Output::LevelPrefix(Level level) const {
  std::string name = std::string(LevelName(level)) + ":";
  if (Colored(Stream::kStderr)) {
    if (level == Level::kError) name = Paint(ErrorColor(config_.theme), name);
    if (level == Level::kWarning) name = Paint(WarningColor(config_.theme), name);
  }
  return name + " ";
}

void Output::Flush() {
  if (pending_.empty()) return;
  WriteAll(pending_fd_, pending_);
  pending_.clear();
  if (pending_.capacity() > 4 * kBatchBytes) pending_.shrink_to_fit();
}

void Output::EndBatch() {
  if (batch_depth_ > 0 && --batch_depth_ == 0) Flush();
}

void Output::Write(Stream stream, std::initializer_list<std::string_view> parts) {
  Erase();
  int fd = Fd(stream);
  size_t total = 0;
  for (std::string_view part : parts) total += part.size();
  if (batch_depth_ > 0 && total < kBatchBytes) {
    if (pending_fd_ != fd) Flush();
    pending_fd_ = fd;
    for (std::string_view part : parts) pending_.append(part);
    if (pending_.size() >= kBatchBytes) Flush();
    return;
  }
  Flush();
  WriteAllV(fd, parts);
}

void Output::Erase() {
  if (!status_drawn_) return;
  Flush();
  WriteAll(stderr_fd_, "\r\033[K");
  status_drawn_ = false;
  // Put the line back once the output pauses (a stale-free status line).
  if (!status_.empty()) ScheduleRedraw(kStatusIntervalMs);
}

void Output::ScheduleRedraw(long long delay_ms) {
  if (redraw_scheduled_ || !scheduler_) return;
  redraw_scheduled_ = true;
  scheduler_(delay_ms < 1 ? 1 : delay_ms);
}

void Output::SetRedrawScheduler(RedrawScheduler scheduler) {
  scheduler_ = std::move(scheduler);
  redraw_scheduled_ = false;
}

void Output::DrawStatus(long long now_ms) {
  Flush();
  winsize size{};
  std::string line = status_;
  if (ioctl(stderr_fd_, TIOCGWINSZ, &size) == 0 && size.ws_col > 1 && line.size() >= size.ws_col) {
    line.resize(size.ws_col - 1);
  }
  WriteAllV(stderr_fd_, {"\r\033[K", line});
  status_drawn_ = true;
  status_dirty_ = false;
  status_drawn_at_ms_ = now_ms;
}

void Output::Status(std::string text) {
  if (!config_.status_line) return;
  status_ = std::move(text);
  status_dirty_ = true;
  long long now = NowMs();
  long long since = now - status_drawn_at_ms_;
  if (status_drawn_ && since < kStatusIntervalMs) {
    ScheduleRedraw(kStatusIntervalMs - since);  // Not dropped: drawn then.
    return;
  }
  if (mid_line_) {  // Drawing would wipe the piece on the terminal.
    ScheduleRedraw(kStatusIntervalMs);
    return;
  }
  DrawStatus(now);
}

void Output::RedrawStatus() {
  redraw_scheduled_ = false;
  if (!config_.status_line || status_.empty()) return;
  if (batch_depth_ > 0 || mid_line_) return ScheduleRedraw(kStatusIntervalMs);
  if (status_drawn_ && !status_dirty_) return;
  DrawStatus(NowMs());
}

void Output::ClearStatus() {
  status_.clear();
  Erase();
}

void Output::WriteJson(Stream stream, const HostRef* host, std::string_view body) {
  nlohmann::ordered_json object = {
      {"stream", stream == Stream::kStdout ? "stdout" : "stderr"},
      {"node", host ? nlohmann::ordered_json(host->identity) : nlohmann::ordered_json(nullptr)},
      {"host", host ? nlohmann::ordered_json(host->display) : nlohmann::ordered_json(nullptr)},
      {"body", std::string(body)},
  };
  WriteLine(stream, Dump(object));
}

void Output::HostLine(const HostRef& host, Stream stream, std::string_view line) {
  if (config_.json) {
    WriteJson(stream, &host, line);
    return;
  }
  if (config_.quiet) {
    Write(stream, {line, "\n"});
    return;
  }
  if (config_.verbose > 0) {
    std::string_view tag = stream == Stream::kStdout ? "<stdout> " : "<stderr> ";
    Write(Stream::kStderr, {tag, Prefix(Stream::kStderr, host, host.identity), line, "\n"});
    return;
  }
  Write(stream, {Prefix(stream, host, host.display), line, "\n"});
}

void Output::HostRaw(Stream stream, std::string_view bytes) { Write(stream, {bytes}); }

void Output::HostPiece(const HostRef& host, Stream stream, std::string_view text, bool first, bool last) {
  if (config_.json || config_.quiet || config_.verbose > 0) {
    // Whole lines only in these modes: a piece is written as a line.
    HostLine(host, stream, text);
    return;
  }
  Write(stream, {first ? Prefix(stream, host, host.display) : std::string(), text, last ? "\n" : ""});
  mid_line_ = !last;
}

void Output::HostEnd(const HostRef& host, std::optional<int> exit_code, const util::Status& error) {
  if (!config_.json) return;
  nlohmann::ordered_json object = {
      {"stream", "exit"},
      {"node", host.identity},
      {"host", host.display},
      {"exit_code", exit_code ? nlohmann::ordered_json(*exit_code) : nlohmann::ordered_json(nullptr)},
      {"error", error.ok() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(error.ToString())},
  };
  WriteLine(Stream::kStdout, Dump(object));
}

bool Output::Enabled(Level level) const {
  switch (level) {
    case Level::kError:
    case Level::kWarning:
    case Level::kInfo: return true;
    case Level::kDebug: return config_.verbose >= 1;
    case Level::kTrace: return config_.verbose >= 2;
  }
  return false;
}

void Output::Log(Level level, std::string_view message) {
  if (!Enabled(level)) return;
  if (config_.json) {
    WriteJson(Stream::kStderr, nullptr, std::string(LevelName(level)) + ": " + std::string(message));
    return;
  }
  Write(Stream::kStderr, {LevelPrefix(level), message, "\n"});
}

void Output::Tree(Level level, const util::Status& status) {
  if (config_.json) {
    // One object per cause, outermost first; no tree drawing.
    Log(level, status.message());
    for (const util::Status& cause : status.causes()) Tree(level, cause);
    return;
  }
  std::string text = LevelPrefix(level) + status.message() + "\n";
  // Depth-first; each level indents by three columns under its parent.
  struct Frame {
    const util::Status* status;
    int depth;
  };
  std::vector<Frame> stack;
  for (auto it = status.causes().rbegin(); it != status.causes().rend(); ++it) {
    stack.push_back({&*it, 0});
  }
  while (!stack.empty()) {
    Frame frame = stack.back();
    stack.pop_back();
    text += std::string(static_cast<size_t>(frame.depth) * 3, ' ') + "└─ " +
            frame.status->message() + "\n";
    const auto& causes = frame.status->causes();
    for (auto it = causes.rbegin(); it != causes.rend(); ++it) {
      stack.push_back({&*it, frame.depth + 1});
    }
  }
  Erase();
  Flush();
  WriteAll(stderr_fd_, text);
}

void Output::Error(const util::Status& status) { Tree(Level::kError, status); }
void Output::Warning(const util::Status& status) { Tree(Level::kWarning, status); }

void Output::Text(Stream stream, std::string_view text) {
  Erase();
  Flush();
  WriteAll(Fd(stream), text);
}

}  // namespace output
