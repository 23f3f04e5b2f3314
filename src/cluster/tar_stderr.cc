#include "cluster/tar_stderr.h"

#include <fmt/format.h>

namespace cluster {
namespace {

constexpr std::string_view kHdrcharsetWarning = "tar: Ignoring unknown extended header keyword 'hdrcharset'";
// What GNU tar and bsdtar say when their input ends inside the archive.
constexpr std::string_view kEofWords[] = {"Unexpected EOF", "Truncated input", "Premature end"};

}  // namespace

bool TarStderr::Telling(std::string_view line, std::string_view marker) {
  return !line.empty() && line != marker && line != kHdrcharsetWarning;
}

void TarStderr::Keep(std::string_view line) {
  for (std::string_view words : kEofWords) {
    if (line.find(words) != std::string_view::npos) eof_seen_ = true;
  }
  // A complaint ("tar: ...", "mkfifo: ..."), not a name tar --verbose lists.
  if (line.find(": ") != std::string_view::npos) complained_ = true;
  if (head_.size() < kMaxLines) {
    head_.emplace_back(line);
  } else {
    ++dropped_;
  }
}

util::Status TarStderr::Error(int status, const std::string& signal_name) const {
  util::Status error = util::Status::Error(signal_name.empty()
                                               ? fmt::format("extraction failed with exit code {}", status)
                                               : "extraction killed by signal " + signal_name);
  for (const std::string& line : head_) error.AddCause(util::Status::Error(line));
  if (dropped_ > 0) error.AddCause(util::Status::Error(fmt::format("({} more lines)", dropped_)));
  return error;
}

}  // namespace cluster
