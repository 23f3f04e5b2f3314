#include "output/output.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>

#include <cerrno>
#include <nlohmann/json.hpp>
#include <string>

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

}  // namespace

void WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // Nowhere left to report it (EPIPE on a closed pipe).
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

Output::Output(Config config, int stdout_fd, int stderr_fd)
    : config_(config), stdout_fd_(stdout_fd), stderr_fd_(stderr_fd) {}

int Output::Fd(Stream stream) const {
  return stream == Stream::kStdout ? stdout_fd_ : stderr_fd_;
}

void Output::Flush() {
  if (pending_.empty()) return;
  WriteAll(pending_fd_, pending_);
  pending_.clear();
}

void Output::EndBatch() {
  if (batch_depth_ > 0 && --batch_depth_ == 0) Flush();
}

void Output::Erase() {
  if (!status_drawn_) return;
  Flush();
  WriteAll(stderr_fd_, "\r\033[K");
  status_drawn_ = false;
}

void Output::Status(std::string text) {
  if (!config_.status_line) return;
  status_ = std::move(text);
  long long now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now().time_since_epoch()).count();
  if (status_drawn_ && now - status_drawn_at_ms_ < kStatusIntervalMs) return;
  Flush();
  winsize size{};
  std::string line = status_;
  if (ioctl(stderr_fd_, TIOCGWINSZ, &size) == 0 && size.ws_col > 1 && line.size() >= size.ws_col) {
    line.resize(size.ws_col - 1);
  }
  WriteAll(stderr_fd_, "\r\033[K" + line);
  status_drawn_ = true;
  status_drawn_at_ms_ = now;
}

void Output::ClearStatus() {
  Erase();
  status_.clear();
}

void Output::WriteLine(Stream stream, std::string_view line) {
  Erase();
  if (batch_depth_ > 0) {
    if (pending_fd_ != Fd(stream)) Flush();
    pending_fd_ = Fd(stream);
    pending_.append(line);
    pending_.push_back('\n');
    if (pending_.size() >= kBatchBytes) Flush();
    return;
  }
  std::string buffer;
  buffer.reserve(line.size() + 1);
  buffer.append(line);
  buffer.push_back('\n');
  WriteAll(Fd(stream), buffer);
}

void Output::WriteJson(Stream stream, const HostRef* host, std::string_view body) {
  nlohmann::ordered_json object = {
      {"stream", stream == Stream::kStdout ? "stdout" : "stderr"},
      {"node", host ? nlohmann::ordered_json(host->identity) : nlohmann::ordered_json(nullptr)},
      {"host", host ? nlohmann::ordered_json(host->display) : nlohmann::ordered_json(nullptr)},
      {"body", std::string(body)},
  };
  // Host output may hold any bytes: replace invalid UTF-8 instead of failing.
  WriteLine(stream, object.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

void Output::HostLine(const HostRef& host, Stream stream, std::string_view line) {
  if (config_.json) {
    WriteJson(stream, &host, line);
    return;
  }
  if (config_.quiet) {
    WriteLine(stream, line);
    return;
  }
  if (config_.verbose > 0) {
    std::string log = stream == Stream::kStdout ? "<stdout> " : "<stderr> ";
    log += host.identity;
    log += ' ';
    log += line;
    WriteLine(Stream::kStderr, log);
    return;
  }
  std::string prefixed = host.display;
  prefixed += ' ';
  prefixed += line;
  WriteLine(stream, prefixed);
}

void Output::HostRaw(Stream stream, std::string_view bytes) {
  Erase();
  Flush();
  WriteAll(Fd(stream), bytes);
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
  WriteLine(Stream::kStderr, std::string(LevelName(level)) + ": " + std::string(message));
}

void Output::Tree(Level level, const util::Status& status) {
  if (config_.json) {
    // One object per cause, outermost first; no tree drawing.
    Log(level, status.message());
    for (const util::Status& cause : status.causes()) Tree(level, cause);
    return;
  }
  std::string text = std::string(LevelName(level)) + ": " + status.message() + "\n";
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
