#include "util/fd_limit.h"

#include <sys/resource.h>

#include <gtest/gtest.h>

namespace util {
namespace {

// Restores the process's limit after each test.
class FdLimitTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved_), 0); }
  void TearDown() override { setrlimit(RLIMIT_NOFILE, &saved_); }
  rlimit saved_{};
};

TEST_F(FdLimitTest, EnoughAlreadyChangesNothing) {
  StatusOr<FdLimitChange> change = EnsureOpenFilesFor(1);
  ASSERT_TRUE(change.ok()) << change.status().ToString();
  EXPECT_EQ(change->before, change->after);
}

TEST_F(FdLimitTest, RaisesTheSoftLimitToTheHardOne) {
  if (saved_.rlim_max == RLIM_INFINITY || saved_.rlim_max < 512) GTEST_SKIP() << "hard limit unusable";
  rlimit low = saved_;
  low.rlim_cur = 256;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  StatusOr<FdLimitChange> change = EnsureOpenFilesFor(300);
  ASSERT_TRUE(change.ok()) << change.status().ToString();
  EXPECT_EQ(change->before, 256u);
  EXPECT_EQ(change->after, saved_.rlim_max);
  rlimit now{};
  getrlimit(RLIMIT_NOFILE, &now);
  EXPECT_EQ(now.rlim_cur, saved_.rlim_max);
}

TEST_F(FdLimitTest, AboveTheHardLimitIsAnErrorWithBothNumbers) {
  if (saved_.rlim_max == RLIM_INFINITY) GTEST_SKIP() << "no hard limit";
  StatusOr<FdLimitChange> change = EnsureOpenFilesFor(saved_.rlim_max);
  ASSERT_FALSE(change.ok());
  EXPECT_NE(change.status().ToString().find(std::to_string(OpenFilesRequired(saved_.rlim_max))),
            std::string::npos);
  EXPECT_NE(change.status().ToString().find("hard limit is " + std::to_string(saved_.rlim_max)),
            std::string::npos);
}

}  // namespace
}  // namespace util
