#include "app/run.h"

#include <gtest/gtest.h>

namespace app {
namespace {

TEST(ExitStatusForTest, EachStopReasonHasItsExitStatus) {
  EXPECT_EQ(ExitStatusFor(cluster::StopReason::kNone), kExitOk);
  EXPECT_EQ(ExitStatusFor(cluster::StopReason::kFailed), kExitError);
  EXPECT_EQ(ExitStatusFor(cluster::StopReason::kHeartbeatLost), kExitHeartbeat);
  EXPECT_EQ(ExitStatusFor(cluster::StopReason::kInterrupted), kExitInterrupted);
}

TEST(StopTest, TheFirstReasonWins) {
  cluster::Stop stop;
  EXPECT_FALSE(stop.requested());
  EXPECT_EQ(stop.reason(), cluster::StopReason::kNone);
  stop.Request(cluster::StopReason::kHeartbeatLost);
  stop.Request(cluster::StopReason::kInterrupted);
  EXPECT_TRUE(stop.requested());
  EXPECT_EQ(stop.reason(), cluster::StopReason::kHeartbeatLost);
  EXPECT_EQ(ExitStatusFor(stop.reason()), kExitHeartbeat);
}

}  // namespace
}  // namespace app
