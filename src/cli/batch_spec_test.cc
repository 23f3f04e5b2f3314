#include "cli/batch_spec.h"

#include <gtest/gtest.h>

namespace cli {
namespace {

std::vector<size_t> Counts(std::string_view sizes, size_t hosts) {
  util::StatusOr<std::vector<Amount>> parsed = ParseBatchSizes(sizes);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? BatchCounts(*parsed, hosts) : std::vector<size_t>{};
}

std::string BatchError(std::string_view text) {
  util::StatusOr<std::vector<Amount>> parsed = ParseBatchSizes(text);
  return parsed.ok() ? "" : parsed.status().ToString();
}

TEST(BatchSpecTest, ParsesCountsAndPercentages) {
  util::StatusOr<std::vector<Amount>> sizes = ParseBatchSizes("1,10%,100%");
  ASSERT_TRUE(sizes.ok());
  EXPECT_EQ(*sizes, (std::vector<Amount>{{1, false}, {10, true}, {100, true}}));
}

TEST(BatchSpecTest, RejectsBadSizesNamingOptionAndValue) {
  EXPECT_EQ(BatchError(""), "--batch takes counts or percentages (5, 10%): \"\"");
  EXPECT_EQ(BatchError("1,,2"), "--batch takes counts or percentages (5, 10%): \"1,,2\"");
  EXPECT_EQ(BatchError("1,"), "--batch takes counts or percentages (5, 10%): \"1,\"");
  EXPECT_EQ(BatchError("-1"), "--batch takes counts or percentages (5, 10%): \"-1\"");
  EXPECT_EQ(BatchError("x%"), "--batch takes counts or percentages (5, 10%): \"x%\"");
  EXPECT_EQ(BatchError("%"), "--batch takes counts or percentages (5, 10%): \"%\"");
  EXPECT_EQ(BatchError("1,0"), "--batch sizes must be at least 1 host or 1%: \"1,0\"");
  EXPECT_EQ(BatchError("0%"), "--batch sizes must be at least 1 host or 1%: \"0%\"");
  EXPECT_EQ(BatchError("101%"), "--batch percentage is over 100%: \"101%\"");
  EXPECT_EQ(BatchError("99999999999999999999"), "--batch count is too large: \"99999999999999999999\"");
}

TEST(BatchSpecTest, LastSizeRepeatsUntilEveryHostIsDone) {
  EXPECT_EQ(Counts("1,2", 8), (std::vector<size_t>{1, 2, 2, 2, 1}));
  EXPECT_EQ(Counts("3", 3), (std::vector<size_t>{3}));
  EXPECT_EQ(Counts("10", 3), (std::vector<size_t>{3}));
  EXPECT_EQ(Counts("1,2,50%", 6), (std::vector<size_t>{1, 2, 3}));
  EXPECT_EQ(Counts("5", 0), (std::vector<size_t>{}));
}

TEST(BatchSpecTest, PercentagesOfAllHostsRoundUpToAtLeastOne) {
  EXPECT_EQ(Counts("1,10%,100%", 100), (std::vector<size_t>{1, 10, 89}));
  EXPECT_EQ(Counts("10%", 25), (std::vector<size_t>{3, 3, 3, 3, 3, 3, 3, 3, 1}));
  EXPECT_EQ(Counts("1%", 3), (std::vector<size_t>{1, 1, 1}));
  EXPECT_EQ(Counts("50%", 5), (std::vector<size_t>{3, 2}));
}

TEST(BatchSpecTest, MaxFailParses) {
  util::StatusOr<Amount> count = ParseMaxFail("0");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, (Amount{0, false}));
  util::StatusOr<Amount> share = ParseMaxFail("25%");
  ASSERT_TRUE(share.ok());
  EXPECT_EQ(*share, (Amount{25, true}));
  EXPECT_EQ(AmountText(*share), "25%");
  EXPECT_EQ(ParseMaxFail("two").status().ToString(), "--max-fail takes counts or percentages (5, 10%): \"two\"");
  EXPECT_EQ(ParseMaxFail("150%").status().ToString(), "--max-fail percentage is over 100%: \"150%\"");
}

TEST(BatchSpecTest, TooManyFailedWhenOverTheCount) {
  EXPECT_FALSE(TooManyFailed({0, false}, 0, 5));
  EXPECT_TRUE(TooManyFailed({0, false}, 1, 5));
  EXPECT_FALSE(TooManyFailed({1, false}, 1, 5));
  EXPECT_TRUE(TooManyFailed({1, false}, 2, 5));
}

TEST(BatchSpecTest, TooManyFailedWhenOverTheShareOfStartedHosts) {
  EXPECT_FALSE(TooManyFailed({0, true}, 0, 3));
  EXPECT_TRUE(TooManyFailed({0, true}, 1, 3));
  EXPECT_FALSE(TooManyFailed({50, true}, 1, 2));  // exactly 50%: not over
  EXPECT_TRUE(TooManyFailed({50, true}, 2, 3));
  EXPECT_FALSE(TooManyFailed({100, true}, 3, 3));
  EXPECT_FALSE(TooManyFailed({34, true}, 1, 3));
  EXPECT_TRUE(TooManyFailed({33, true}, 1, 3));
}

}  // namespace
}  // namespace cli
