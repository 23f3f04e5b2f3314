#include "cluster/relay_cleanup.h"

#include <gtest/gtest.h>

#include "cluster/fake_cluster_test_for_test.h"

namespace cluster {
namespace {

TEST(RelayCleanupTest, OnlyAReceiverDirectoryIsEverRemoved) {
  EXPECT_TRUE(IsRelayDir("/tmp/orgalorg-relay.Ab3xY9"));
  EXPECT_FALSE(IsRelayDir("/"));
  EXPECT_FALSE(IsRelayDir("/tmp"));
  EXPECT_FALSE(IsRelayDir("/tmp/orgalorg-relay."));
  EXPECT_FALSE(IsRelayDir("/tmp/orgalorg-relay.Ab3xY9/../.."));
  EXPECT_FALSE(IsRelayDir("/tmp/orgalorg-relay.Ab3 /"));
  EXPECT_FALSE(IsRelayDir("/home/u/tmp/orgalorg-relay.Ab3xY9"));
}

TEST(RelayCleanupTest, TheRemovalCarriesTheCleanupMarkerAndTheWrapper) {
  RemoteCommandSpec wrapper;
  wrapper.sudo = true;
  std::string command = RemoveRelayDirCommand("/tmp/orgalorg-relay.Ab3xY9", wrapper);
  EXPECT_NE(command.find("rm -rf -- "), std::string::npos) << command;
  EXPECT_NE(command.find("orgalorg-relay.Ab3xY9"), std::string::npos) << command;
  EXPECT_NE(command.find("orgalorg-cleanup"), std::string::npos) << command;
  EXPECT_NE(command.find("sudo"), std::string::npos) << command;
}

TEST(RelayCleanupTest, ShellReportsOfKilledJobsAreRecognised) {
  EXPECT_TRUE(IsShellKillReport("Terminated"));
  EXPECT_TRUE(IsShellKillReport("Killed"));
  EXPECT_TRUE(IsShellKillReport("bash: line 1:  4242 Terminated              tar --directory /x -x"));
  EXPECT_TRUE(IsShellKillReport("sh: 1: Terminated"));
  EXPECT_FALSE(IsShellKillReport("tar: ./a: Cannot write: No space left on device"));
  EXPECT_FALSE(IsShellKillReport("tar: Unexpected EOF in archive"));
  EXPECT_FALSE(IsShellKillReport("Terminatedness"));
}

class RemoveRelayDirsTest : public FakeClusterTest {};

TEST_F(RemoveRelayDirsTest, RemovesOnEveryConnectedHostAndNamesTheFailures) {
  hosts_[0]->script = [](FakeCommand& c) { c.Exit(0); };
  hosts_[1]->script = [](FakeCommand& c) { c.Exit(1); };
  nodes_[2].exec.reset();  // Lost: nothing can be done there.
  util::Status status = RemoveRelayDirs(
      &loop_, nodes_, {{0, "/tmp/orgalorg-relay.aaaaaa"}, {1, "/tmp/orgalorg-relay.bbbbbb"}, {2, "/x"}}, {});
  ASSERT_EQ(hosts_[0]->commands.size(), 1u);
  EXPECT_NE(hosts_[0]->commands[0]->command().find("/tmp/orgalorg-relay.aaaaaa"), std::string::npos);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("h1"), std::string::npos) << status.ToString();
  EXPECT_EQ(status.message().find("h0"), std::string::npos) << status.ToString();
}

TEST_F(RemoveRelayDirsTest, ADirectoryAHostMadeUpIsNotTouched) {
  util::Status status = RemoveRelayDirs(&loop_, nodes_, {{0, "/"}, {1, "/tmp/orgalorg-relay.x/../../etc"}}, {});
  EXPECT_TRUE(status.ok());
  EXPECT_TRUE(hosts_[0]->commands.empty());
  EXPECT_TRUE(hosts_[1]->commands.empty());
}

}  // namespace
}  // namespace cluster
