#include "util/shell_quote.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace util {
namespace {

TEST(ShellQuoteTest, Forms) {
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("abc"), "'abc'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote("'"), "''\\'''");
  EXPECT_EQ(ShellQuote("a\nb"), "'a\nb'");
  EXPECT_EQ(EscapeForSingleQuotes("a'b"), "a'\\''b");
  EXPECT_EQ(EscapeForSingleQuotes(""), "");
}

// Runs `printf '%s|' <word>` through /bin/sh and returns what printf got.
std::string RoundTrip(const std::string& text) {
  std::string cmd = "printf '%s|' " + ShellQuote(text);
  FILE* pipe = popen(cmd.c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  if (pipe == nullptr) return {};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  EXPECT_EQ(pclose(pipe), 0) << cmd;
  return out;
}

TEST(ShellQuoteTest, ShellReadsBackTheSameBytes) {
  std::string all_bytes;
  for (int c = 1; c < 256; ++c) all_bytes += static_cast<char>(c);
  const std::vector<std::string> kHostile = {
      "",
      "plain",
      "it's",
      "''''",
      "$(touch /tmp/orgalorg_shell_quote_pwned)",
      "`touch /tmp/orgalorg_shell_quote_pwned`",
      "a; touch /tmp/orgalorg_shell_quote_pwned",
      "line1\nline2\n",
      "\"double\" \\back\\ $HOME ${x:-y} !! * ? ~ & | < > #",
      "\xff\xfe not utf-8 \xc3",
      "-n",
      all_bytes,
  };
  for (const std::string& text : kHostile) {
    EXPECT_EQ(RoundTrip(text), text + "|");
  }
  EXPECT_NE(std::remove("/tmp/orgalorg_shell_quote_pwned"), 0)
      << "a quoted word ran as a command";
}

}  // namespace
}  // namespace util
