// Test-only: an output::Output whose stdout and stderr land in one
// temporary file that the test reads back. Header-only (kept out of the
// program by the build's *.cc glob).
#ifndef ORGALORG_CLUSTER_CAPTURE_OUTPUT_FOR_TEST_H_
#define ORGALORG_CLUSTER_CAPTURE_OUTPUT_FOR_TEST_H_

#include <unistd.h>

#include <cstdio>
#include <string>

#include "output/output.h"

namespace cluster {

class CapturedOutput {
 public:
  explicit CapturedOutput(output::Config config = {})
      : file_(std::tmpfile()), out_(config, fileno(file_), fileno(file_)) {}
  ~CapturedOutput() { std::fclose(file_); }
  CapturedOutput(const CapturedOutput&) = delete;
  CapturedOutput& operator=(const CapturedOutput&) = delete;

  output::Output* get() { return &out_; }
  // Everything written so far.
  std::string Text() const { return ReadAll(fileno(file_)); }

  // Everything in the file `fd` from its start, whatever its offset.
  static std::string ReadAll(int fd) {
    std::string text;
    char buffer[65536];
    ssize_t n;
    off_t offset = 0;
    while ((n = pread(fd, buffer, sizeof buffer, offset)) > 0) {
      text.append(buffer, static_cast<size_t>(n));
      offset += n;
    }
    return text;
  }

 private:
  FILE* file_;
  output::Output out_;
};

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_CAPTURE_OUTPUT_FOR_TEST_H_
