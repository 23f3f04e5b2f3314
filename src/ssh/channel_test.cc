#include "ssh/channel.h"

#include <gtest/gtest.h>

namespace ssh {
namespace {

TEST(DescribeExitTest, AnExitStatusComesWithoutText) {
  ExitReport report = DescribeExit(nullptr, 0, "");
  EXPECT_EQ(report.status, 0);
  EXPECT_EQ(report.reason, "");
  EXPECT_EQ(DescribeExit(nullptr, 17, "").status, 17);
}

TEST(DescribeExitTest, ASignalGivesMinusOneAndItsName) {
  ExitReport report = DescribeExit(nullptr, 0, "TERM");
  EXPECT_EQ(report.status, -1);
  EXPECT_EQ(report.reason, "TERM");
}

TEST(DescribeExitTest, NoStatusAtAllIsSaid) {
  ExitReport report = DescribeExit(nullptr, -1, "");
  EXPECT_EQ(report.status, -1);
  EXPECT_EQ(report.reason, "no exit status");
}

TEST(DescribeExitTest, AFailureWinsOverWhateverArrived) {
  util::Status failure = util::Status::Error("connection lost: reset");
  ExitReport report = DescribeExit(&failure, 3, "KILL");
  EXPECT_EQ(report.status, -1);
  EXPECT_EQ(report.reason, "connection lost: reset");
}

}  // namespace
}  // namespace ssh
