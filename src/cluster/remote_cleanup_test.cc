#include "cluster/remote_cleanup.h"

#include <gtest/gtest.h>

#include "cluster/fake_exec_for_test.h"

namespace cluster {
namespace {

TEST(RemoteCleanupTest, SparesTheLockHolderAndItself) {
  std::string line = CleanupCommand({});
  EXPECT_EQ(line.rfind("bash -c '", 0), 0u);
  EXPECT_NE(line.find("*orgalorg-lock-holder*|*orgalorg-cleanup*) continue"), std::string::npos);
  EXPECT_NE(line.find("hit TERM"), std::string::npos);
  EXPECT_NE(line.find("hit KILL"), std::string::npos);
}

TEST(RemoteCleanupTest, RunsUnderSudoWithX) {
  RemoteCommandSpec wrapper;
  wrapper.sudo = true;
  EXPECT_EQ(CleanupCommand(wrapper).rfind("sudo -n -E -H bash -c '", 0), 0u);
}

TEST(RemoteCleanupTest, IsValidShell) {
  RemoteCommandSpec wrapper;
  wrapper.shell_template = "";
  // Parse the raw script with sh -n (syntax only): it must be valid POSIX sh.
  std::string script = CleanupCommand(wrapper);
  FILE* sh = popen("sh -n", "w");
  ASSERT_NE(sh, nullptr);
  fwrite(script.data(), 1, script.size(), sh);
  EXPECT_EQ(pclose(sh), 0);
}

class StopOnHostsTest : public ::testing::Test {
 protected:
  // Starts "work" on every host; returns what StopOnHosts needs.
  std::vector<RunningCommand> StartWork() {
    std::vector<RunningCommand> running;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      auto channel = nodes_[i].exec->Exec("work", {});
      EXPECT_TRUE(channel.ok());
      channels_.push_back(std::move(*channel));
      running.push_back({i, channels_.back().get()});
    }
    return running;
  }

  loop::EventLoop loop_;
  std::vector<FakeHost*> hosts_;
  Nodes nodes_ = FakeNodes(&loop_, 2, &hosts_);
  std::vector<std::unique_ptr<ExecChannel>> channels_;
};

TEST_F(StopOnHostsTest, WithoutACleanupCommandItTermsAndCloses) {
  std::vector<RunningCommand> running = StartWork();
  ASSERT_TRUE(StopOnHosts(&loop_, nodes_, running, "").ok());
  for (FakeHost* host : hosts_) {
    EXPECT_EQ(host->log, (std::vector<std::string>{"exec work", "start work", "signal TERM work", "close work"}));
  }
}

TEST_F(StopOnHostsTest, ADisconnectedHostGetsNoCleanupButItsChannelIsClosed) {
  for (FakeHost* host : hosts_) {
    host->script = [](FakeCommand& c) {
      if (c.command() == "cleanup") c.Exit(0);
    };
  }
  std::vector<RunningCommand> running = StartWork();
  loop_.RunOnce(loop::Milliseconds(0));  // Both commands start.
  hosts_[1]->connected_ = false;
  ASSERT_TRUE(StopOnHosts(&loop_, nodes_, running, "cleanup").ok());
  EXPECT_EQ(hosts_[0]->Started("cleanup").size(), 1u);
  EXPECT_TRUE(hosts_[1]->Started("cleanup").empty());
  EXPECT_TRUE(hosts_[1]->commands[0]->closed());
}

TEST_F(StopOnHostsTest, ACommandThatEndedMeanwhileIsNotSignalled) {
  hosts_[0]->script = [](FakeCommand& c) {
    if (c.command() == "cleanup") c.Exit(0);
  };
  hosts_[1]->script = [](FakeCommand& c) {
    if (c.command() == "work") c.Exit(0);  // Ends before the cleanup.
    if (c.command() == "cleanup") c.Exit(0);
  };
  std::vector<RunningCommand> running = StartWork();
  ASSERT_TRUE(StopOnHosts(&loop_, nodes_, running, "cleanup").ok());
  EXPECT_EQ(hosts_[0]->commands[0]->signals(), std::vector<std::string>{"TERM"});
  EXPECT_TRUE(hosts_[1]->commands[0]->signals().empty());
}

}  // namespace
}  // namespace cluster
