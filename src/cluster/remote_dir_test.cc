#include "cluster/remote_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "util/run_shell_for_test.h"
#include "util/shell_quote.h"

namespace cluster {
namespace {

class RemoteDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/remote_dir_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::string cmd = "rm -rf " + util::ShellQuote(dir_);
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  // Runs `line` under /bin/sh; returns its stderr, sets exit_code_.
  std::string Run(const std::string& line) {
    std::string cmd = "sh -c " + util::ShellQuote(line) + " 2>&1 >/dev/null";
    return util::RunShellForTest(cmd, &exit_code_);
  }
  mode_t ModeOf(const std::string& path) {
    struct stat info;
    EXPECT_EQ(lstat(path.c_str(), &info), 0) << path;
    return info.st_mode & 07777;
  }

  std::string dir_;
  int exit_code_ = -1;
};

TEST_F(RemoteDirTest, FreshRunDirectoryIsNewAndPrivate) {
  std::string run = dir_ + "/base/deeper/42";
  Run(PrepareRootCommand(run, /*fresh=*/true));
  EXPECT_EQ(exit_code_, 0);
  EXPECT_EQ(ModeOf(run), 0700u);
  struct stat info;
  ASSERT_EQ(stat(run.c_str(), &info), 0);
  EXPECT_EQ(info.st_uid, geteuid());
}

TEST_F(RemoteDirTest, FreshRunDirectoryThatExistsIsRefused) {
  std::string run = dir_ + "/43";
  ASSERT_EQ(mkdir(run.c_str(), 0777), 0);
  std::string err = Run(PrepareRootCommand(run, /*fresh=*/true));
  EXPECT_NE(exit_code_, 0);
  EXPECT_NE(err.find("can't create the run directory " + run + " as a new directory"), std::string::npos) << err;
}

TEST_F(RemoteDirTest, GivenRootIsMadeLikeMkdirP) {
  std::string root = dir_ + "/a b/c";
  Run(PrepareRootCommand(root, /*fresh=*/false));
  EXPECT_EQ(exit_code_, 0);
  EXPECT_TRUE(S_ISDIR(ModeOf(root) | S_IFDIR));
}

TEST_F(RemoteDirTest, GroupWritableDirectoryOnTheWayIsRefused) {
  std::string open_dir = dir_ + "/open";
  ASSERT_EQ(mkdir(open_dir.c_str(), 0700), 0);
  ASSERT_EQ(chmod(open_dir.c_str(), 0770), 0);
  std::string err = Run(PrepareRootCommand(open_dir + "/root", /*fresh=*/false));
  EXPECT_NE(exit_code_, 0);
  EXPECT_NE(err.find("directory " + open_dir + " is writable by group or others without the sticky bit"),
            std::string::npos)
      << err;
  err = Run(PrepareRootCommand(open_dir + "/run", /*fresh=*/true));
  EXPECT_NE(exit_code_, 0);
  struct stat info;
  EXPECT_NE(stat((open_dir + "/run").c_str(), &info), 0);
}

TEST_F(RemoteDirTest, StickyWorldWritableDirectoryIsAccepted) {
  std::string sticky = dir_ + "/sticky";
  ASSERT_EQ(mkdir(sticky.c_str(), 0700), 0);
  ASSERT_EQ(chmod(sticky.c_str(), 01777), 0);
  Run(PrepareRootCommand(sticky + "/run", /*fresh=*/true));
  EXPECT_EQ(exit_code_, 0);
}

TEST_F(RemoteDirTest, DirectoryOwnedByAnotherUserIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  std::string theirs = dir_ + "/theirs";
  ASSERT_EQ(mkdir(theirs.c_str(), 0755), 0);
  ASSERT_EQ(chown(theirs.c_str(), 65534, 65534), 0);
  std::string err = Run(PrepareRootCommand(theirs, /*fresh=*/false));
  EXPECT_NE(exit_code_, 0);
  EXPECT_NE(err.find("directory " + theirs + " is owned by uid 65534, neither root nor the user the upload runs as"),
            std::string::npos)
      << err;
}

TEST_F(RemoteDirTest, SymlinkedPathIsCheckedWhereItLeads) {
  std::string open_dir = dir_ + "/open2";
  ASSERT_EQ(mkdir(open_dir.c_str(), 0700), 0);
  ASSERT_EQ(chmod(open_dir.c_str(), 0777), 0);
  std::string link = dir_ + "/link";
  ASSERT_EQ(symlink(open_dir.c_str(), link.c_str()), 0);
  std::string err = Run(PrepareRootCommand(link, /*fresh=*/false));
  EXPECT_NE(exit_code_, 0);
  EXPECT_NE(err.find("directory " + open_dir + " is writable"), std::string::npos) << err;
}

}  // namespace
}  // namespace cluster
