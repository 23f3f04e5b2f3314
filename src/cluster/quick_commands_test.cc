#include "cluster/quick_commands.h"

#include <gtest/gtest.h>

#include "cluster/fake_cluster_test_for_test.h"

namespace cluster {
namespace {

class QuickCommandsTest : public FakeClusterTest {};

TEST_F(QuickCommandsTest, KeepsEachStatusInOrderAndSkipsLostHosts) {
  hosts_[0]->script = [](FakeCommand& c) { c.Exit(0); };
  hosts_[1]->script = [](FakeCommand& c) { c.Exit(3); };
  nodes_[2].exec.reset();  // Lost (its fake host is gone with it).
  QuickResult result = RunQuickCommands(&loop_, nodes_, {{1, "b"}, {0, "a"}, {2, "c"}}, loop::Milliseconds(1000));
  EXPECT_TRUE(result.waited.ok()) << result.waited.ToString();
  EXPECT_EQ(result.statuses, (std::vector<int>{3, 0, kQuickNotRun}));
  ASSERT_EQ(hosts_[0]->commands.size(), 1u);
  EXPECT_EQ(hosts_[0]->commands[0]->command(), "a");
  ASSERT_EQ(hosts_[1]->commands.size(), 1u);
}

TEST_F(QuickCommandsTest, ACommandThatHangsCostsOnlyTheWaitAndIsClosed) {
  hosts_[0]->script = [](FakeCommand& c) { c.Exit(0); };
  hosts_[1]->script = [](FakeCommand&) {};  // Never ends.
  QuickResult result = RunQuickCommands(&loop_, nodes_, {{0, "a"}, {1, "b"}}, loop::Milliseconds(50));
  EXPECT_TRUE(result.waited.ok()) << result.waited.ToString();
  EXPECT_EQ(result.statuses, (std::vector<int>{0, kQuickNotRun}));
  ASSERT_EQ(hosts_[1]->commands.size(), 1u);
  EXPECT_TRUE(hosts_[1]->commands[0]->closed());
}

}  // namespace
}  // namespace cluster
