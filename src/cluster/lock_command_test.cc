// Runs the lock holder script (LockCommand) with sh on this machine: host
// safety of its owner note and lock file against planted names.
#include "cluster/lock.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "util/run_shell_for_test.h"
#include "util/shell_quote.h"

namespace cluster {
namespace {

// Runs the lock holder script locally (no wrapper), with `input` on stdin.
class LockCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lock_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    canary_ = dir_ + "/canary";
    std::ofstream(canary_) << "canary\n";
  }
  void TearDown() override {
    EXPECT_EQ(Read(canary_), "canary\n") << "the holder wrote through a planted name";
    std::string cmd = "rm -rf " + util::ShellQuote(dir_);
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  static std::string Read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }
  std::string Run(const LockSpec& spec, const std::string& input) {
    LockSpec local = spec;
    local.wrapper.shell_template.clear();
    std::string cmd = "printf " + util::ShellQuote(input) + " | sh -c " + util::ShellQuote(LockCommand(local)) +
                      " 2>" + util::ShellQuote(dir_ + "/stderr");
    return util::RunShellForTest(cmd, &exit_code_);
  }
  LockSpec Spec(const std::string& path, bool directory) {
    LockSpec spec;
    spec.path = path;
    spec.create_directory = directory;
    spec.owner = "me@here pid 1 since now";
    return spec;
  }

  std::string dir_;
  std::string canary_;
  int exit_code_ = -1;
};

TEST_F(LockCommandTest, LocksEchoesAndRemovesItsNote) {
  std::string out = Run(Spec(dir_ + "/lockdir", true), "PING\n");
  EXPECT_EQ(out, "LOCKED\nPING\n");
  EXPECT_EQ(exit_code_, 0);
  struct stat info;
  EXPECT_NE(lstat((dir_ + "/lockdir/.orgalorg-lock-owner").c_str(), &info), 0);
}

TEST_F(LockCommandTest, ANoteThatCantBeWrittenStillHoldsTheLock) {
  // A directory planted at the note's name: ln can't replace it, the lock
  // holds all the same, and release leaves the directory alone.
  ASSERT_EQ(mkdir((dir_ + "/lockdir").c_str(), 0755), 0);
  ASSERT_EQ(mkdir((dir_ + "/lockdir/.orgalorg-lock-owner").c_str(), 0755), 0);
  EXPECT_EQ(Run(Spec(dir_ + "/lockdir", true), "PING\nPING\n"), "LOCKED\nPING\nPING\n");
  struct stat info;
  ASSERT_EQ(lstat((dir_ + "/lockdir/.orgalorg-lock-owner").c_str(), &info), 0);
  EXPECT_TRUE(S_ISDIR(info.st_mode));
}

TEST_F(LockCommandTest, AStaleNoteIsReplacedThenRemoved) {
  std::string lock = dir_ + "/lockfile";
  std::ofstream(lock) << "";
  ASSERT_EQ(symlink("someone else", (lock + ".orgalorg-lock-owner").c_str()), 0);
  EXPECT_EQ(Run(Spec(lock, false), "PING\n"), "LOCKED\nPING\n");
  EXPECT_EQ(exit_code_, 0);
  struct stat info;
  EXPECT_NE(lstat((lock + ".orgalorg-lock-owner").c_str(), &info), 0);
}

TEST_F(LockCommandTest, ARelativeFileLockKeepsItsNoteBesideIt) {
  std::string lock = dir_ + "/lockfile";
  std::ofstream(lock) << "";
  LockSpec spec = Spec("lockfile", false);
  spec.wrapper.shell_template.clear();
  // The note is written while held: a second holder finds it busy and names the owner.
  std::string cmd = "cd " + util::ShellQuote(dir_) + " && { sleep 1 | sh -c " + util::ShellQuote(LockCommand(spec)) +
                    " >/dev/null & sleep 0.5; sh -c " + util::ShellQuote(LockCommand(spec)) + " </dev/null; wait; }";
  EXPECT_EQ(util::RunShellForTest(cmd, &exit_code_), "BUSY\nme@here pid 1 since now\n");
  struct stat info;
  EXPECT_NE(lstat((lock + ".orgalorg-lock-owner").c_str(), &info), 0) << "removed at release";
}

TEST_F(LockCommandTest, PlantedSymlinkAtTheNoteOfADirectoryLockIsNotFollowed) {
  ASSERT_EQ(mkdir((dir_ + "/lockdir").c_str(), 0755), 0);
  ASSERT_EQ(symlink(canary_.c_str(), (dir_ + "/lockdir/.orgalorg-lock-owner").c_str()), 0);
  EXPECT_EQ(Run(Spec(dir_ + "/lockdir", true), ""), "LOCKED\n");
}

TEST_F(LockCommandTest, PlantedSymlinkAtTheNoteOfAFileLockIsNotFollowed) {
  std::string lock = dir_ + "/lockfile";
  ASSERT_EQ(symlink(canary_.c_str(), (lock + ".orgalorg-lock-owner").c_str()), 0);
  EXPECT_EQ(Run(Spec(lock, false), ""), "LOCKED\n");
  EXPECT_EQ(Read(lock), "");
}

TEST_F(LockCommandTest, PlantedDanglingSymlinkAtAMissingLockFileIsRefused) {
  std::string lock = dir_ + "/lockfile";
  ASSERT_EQ(symlink((dir_ + "/created-through-link").c_str(), lock.c_str()), 0);
  std::string out = Run(Spec(lock, false), "");
  EXPECT_EQ(out.rfind("NOPATH ", 0), 0u) << out;
  EXPECT_NE(out.find(lock), std::string::npos) << out;  // sh: "cannot create <lock>: File exists"
  struct stat info;
  EXPECT_NE(lstat((dir_ + "/created-through-link").c_str(), &info), 0);
}

TEST_F(LockCommandTest, AFifoAsLockPathIsRefusedNotWaitedOn) {
  std::string lock = dir_ + "/fifo";
  ASSERT_EQ(mkfifo(lock.c_str(), 0644), 0);
  EXPECT_EQ(Run(Spec(lock, false), ""), "NOPATH not a directory or a regular file\n");
}

TEST_F(LockCommandTest, UncreatableLockDirectorySaysNoPathWithTheCause) {
  std::string blocker = dir_ + "/file";
  std::ofstream(blocker) << "x";
  std::string out = Run(Spec(blocker + "/sub", true), "");
  EXPECT_EQ(out.rfind("NOPATH mkdir: ", 0), 0u) << out;
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(out.find('\n'), out.size() - 1) << "one line";
  EXPECT_NE(exit_code_, 0);
}

TEST_F(LockCommandTest, BusyLockShowsTheNoteWithoutControlBytes) {
  std::string lock = dir_ + "/lockdir";
  ASSERT_EQ(mkdir(lock.c_str(), 0755), 0);
  ASSERT_EQ(symlink("someone\033[2J else", (lock + "/.orgalorg-lock-owner").c_str()), 0);
  // flock(1) holds the lock while the holder runs and finds it busy.
  LockSpec spec = Spec(lock, true);
  spec.wrapper.shell_template.clear();
  std::string cmd = "flock -nx " + util::ShellQuote(lock) + " sh -c " +
                    util::ShellQuote("sh -c " + util::ShellQuote(LockCommand(spec)) + " </dev/null");
  FILE* pipe = popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  EXPECT_EQ(out, "BUSY\nsomeone[2J else\n");
}

}  // namespace
}  // namespace cluster
