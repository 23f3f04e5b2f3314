#include "cluster/remote_cleanup.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace cluster
