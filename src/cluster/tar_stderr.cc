#include "cluster/tar_stderr.h"

#include <fmt/format.h>

namespace cluster {
namespace {

constexpr std::string_view kHdrcharsetWarning = "tar: Ignoring unknown extended header keyword 'hdrcharset'";

}  // namespace

bool TarStderr::Telling(std::string_view line, std::string_view marker) {
  return !line.empty() && line != marker && line != kHdrcharsetWarning;
}

void TarStderr::Keep(std::string_view line) {
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
