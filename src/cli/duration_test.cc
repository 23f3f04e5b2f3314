#include "cli/duration.h"

#include <gtest/gtest.h>

#include <string>

namespace cli {
namespace {

int Ms(const char* text) {
  int ms = -1;
  util::Status status = ParseDurationMs(text, "send timeout", &ms);
  EXPECT_TRUE(status.ok()) << text << ": " << status.ToString();
  return ms;
}

std::string ErrorOf(const char* text) {
  int ms = 42;
  util::Status status = ParseDurationMs(text, "send timeout", &ms);
  EXPECT_FALSE(status.ok()) << text;
  EXPECT_EQ(ms, 42) << "an error leaves the value alone";
  return status.ToString();
}

TEST(DurationTest, BareNumberIsMilliseconds) {
  EXPECT_EQ(Ms("1"), 1);
  EXPECT_EQ(Ms("1500"), 1500);
  EXPECT_EQ(Ms("007"), 7);
}

TEST(DurationTest, Units) {
  EXPECT_EQ(Ms("1500ms"), 1500);
  EXPECT_EQ(Ms("2s"), 2000);
  EXPECT_EQ(Ms("1m"), 60000);
  EXPECT_EQ(Ms("90m"), 5400000);
  EXPECT_EQ(Ms("1h"), 3600000);
  EXPECT_EQ(Ms("596h"), 596 * 3600 * 1000);
  EXPECT_EQ(Ms("2145600000"), kMaxDurationMs);
}

TEST(DurationTest, GarbageKeepsTheConvertMessage) {
  const std::string hint = " (give milliseconds, or a number with a unit: 1500ms, 2s, 1m, 1h)";
  EXPECT_EQ(ErrorOf("abc"), "can't convert send timeout to number: \"abc\"" + hint);
  EXPECT_EQ(ErrorOf(""), "can't convert send timeout to number: \"\"" + hint);
  for (const char* bad : {"1x", "2 s", " 2s", "2s ", "s", "ms", "1.5s", "2S", "1sec", "1m30s",
                          "+5", "0x10", "5ms5", "-", "-s"}) {
    EXPECT_EQ(ErrorOf(bad).rfind("can't convert send timeout to number: \"" + std::string(bad) + "\"", 0),
              0u)
        << bad;
  }
}

TEST(DurationTest, ZeroAndNegativeAreRefused) {
  EXPECT_EQ(ErrorOf("0"), "send timeout must be positive: \"0\"");
  EXPECT_EQ(ErrorOf("0s"), "send timeout must be positive: \"0s\"");
  EXPECT_EQ(ErrorOf("-5"), "send timeout must be positive: \"-5\"");
  EXPECT_EQ(ErrorOf("-2s"), "send timeout must be positive: \"-2s\"");
}

TEST(DurationTest, OverflowIsRefused) {
  EXPECT_EQ(ErrorOf("597h"), "send timeout is too large: \"597h\" (at most 596h)");
  EXPECT_EQ(ErrorOf("2145600001"), "send timeout is too large: \"2145600001\" (at most 596h)");
  EXPECT_EQ(ErrorOf("9999999999"), "send timeout is too large: \"9999999999\" (at most 596h)");
  EXPECT_EQ(ErrorOf("99999999999999999999999999h"),
            "send timeout is too large: \"99999999999999999999999999h\" (at most 596h)");
  EXPECT_EQ(ErrorOf("35792m"), "send timeout is too large: \"35792m\" (at most 596h)");
}

}  // namespace
}  // namespace cli
