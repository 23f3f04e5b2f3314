// util/run_shell_for_test.h — for unit tests only: runs a command line with
// /bin/sh on this machine (popen) and returns what it wrote on stdout, with
// its exit code (-1 when it did not exit normally) in *exit_code. Used by
// the tests that run the remote scripts we generate against a real shell.
#ifndef ORGALORG_UTIL_RUN_SHELL_FOR_TEST_H_
#define ORGALORG_UTIL_RUN_SHELL_FOR_TEST_H_

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace util {

inline std::string RunShellForTest(const std::string& line, int* exit_code) {
  *exit_code = -1;
  FILE* pipe = popen(line.c_str(), "r");
  EXPECT_NE(pipe, nullptr) << line;
  if (pipe == nullptr) return {};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  int status = pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace util

#endif  // ORGALORG_UTIL_RUN_SHELL_FOR_TEST_H_
