#include "cluster/fold_report.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace cluster {
namespace {

// Runs WriteFoldReport into a temporary file and returns what it wrote.
std::string Report(const output::FoldBuffer& fold, const std::vector<HostOutcome>& outcomes) {
  FILE* file = tmpfile();
  output::Output out(output::Config{}, fileno(file), fileno(file));
  EXPECT_TRUE(WriteFoldReport(&out, fold, outcomes).ok());
  std::string text;
  rewind(file);
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
  fclose(file);
  return text;
}

HostOutcome Outcome(std::string host, int code, util::Status error = util::Status::Ok()) {
  HostOutcome outcome;
  outcome.host = std::move(host);
  outcome.exit_code = code;
  outcome.error = std::move(error);
  return outcome;
}

TEST(FoldReportTest, IdenticalOutputOnceLargestGroupFirstThenEndings) {
  output::FoldBuffer fold(5, /*memory_per_host=*/4);  // Spills: still exact.
  for (size_t host : {0u, 1u, 3u}) ASSERT_TRUE(fold.Append(host, "same\nlines\n").ok());
  ASSERT_TRUE(fold.Append(2, "different\nand no newline").ok());
  std::vector<HostOutcome> outcomes = {
      Outcome("web01", 0), Outcome("web02", 0), Outcome("web03", 4), Outcome("web07", 0),
      Outcome("db1", -1, util::Status::Error("timed out after 1500 ms"))};
  EXPECT_EQ(Report(fold, outcomes),
            "---- web[01-02,07] (3) ----\n"
            "same\nlines\n"
            "---- web03 (1) ----\n"
            "different\nand no newline\n"
            "==== exit code 0: web[01-02,07] (3)\n"
            "==== exit code 4: web03 (1)\n"
            "==== timed out after 1500 ms: db1 (1)\n");
}

}  // namespace
}  // namespace cluster
