#include "cluster/exit_summary.h"

#include <gtest/gtest.h>

namespace cluster {
namespace {

TEST(ExitSummaryTest, AllSucceededIsOk) {
  EXPECT_TRUE(Summarize({{"a", 0, {}}, {"b", 0, {}}}).ok());
  EXPECT_TRUE(Summarize({}).ok());
}

TEST(ExitSummaryTest, SomeFailedNamesEachHost) {
  util::Status s = Summarize({{"a", 0, {}}, {"b", 3, {}},
                              {"c", 0, util::Status::Error("connection refused")}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "commands are failed on 2 out of 3 nodes");
  ASSERT_EQ(s.causes().size(), 2u);
  EXPECT_EQ(s.causes()[0].message(), "b: exit code 3");
  EXPECT_EQ(s.causes()[1].ToString(), "c: connection refused");
}

TEST(ExitSummaryTest, AllFailedGroupsByCodeLargestFirst) {
  util::Status s = Summarize({{"a", 1, {}}, {"b", 17, {}}, {"c", 17, {}},
                              {"d", 0, util::Status::Error("timed out")}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "commands are failed on all 4 nodes");
  ASSERT_EQ(s.causes().size(), 3u);
  EXPECT_EQ(s.causes()[0].message(), "code 17 (2 nodes)");
  EXPECT_EQ(s.causes()[1].message(), "code 1 (1 node)");
  EXPECT_EQ(s.causes()[2].ToString(), "d: timed out");
}

}  // namespace
}  // namespace cluster
