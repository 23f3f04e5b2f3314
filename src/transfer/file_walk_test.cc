#include "transfer/file_walk.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "transfer/test_tree_for_test.h"

namespace transfer {
namespace {

using testing_util::ScopedChdir;
using testing_util::TempDir;
using testing_util::WriteFile;

std::vector<std::string> ArchivePaths(const std::vector<Entry>& entries) {
  std::vector<std::string> out;
  for (const Entry& e : entries) out.push_back(e.archive_path);
  return out;
}

// "/tmp/x" -> "tmp/x".
std::string NoSlash(const std::string& path) { return path.substr(1); }

TEST(CleanArchivePathTest, Cleans) {
  EXPECT_EQ(*CleanArchivePath("/b/c/a", true), "b/c/a");
  EXPECT_EQ(*CleanArchivePath("/b/c/../d", true), "b/d");
  EXPECT_EQ(*CleanArchivePath("/../../x", true), "x");
  EXPECT_EQ(*CleanArchivePath("/", true), ".");
  EXPECT_EQ(*CleanArchivePath("./x//y/", false), "x/y");
  EXPECT_EQ(*CleanArchivePath("a/../b", false), "b");
  EXPECT_EQ(*CleanArchivePath("/abs/p", false), "abs/p");
  EXPECT_EQ(*CleanArchivePath(".", false), ".");
  EXPECT_EQ(*CleanArchivePath("a/./b/.", false), "a/b");
}

TEST(CleanArchivePathTest, RejectsEscapeWhenRelative) {
  auto r = CleanArchivePath("../x", false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(), "path escapes the upload root: ../x");
  EXPECT_FALSE(CleanArchivePath("a/../../x", false).ok());
}

class FileWalkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = tmp_.path() + "/t";
    ASSERT_EQ(mkdir(root_.c_str(), 0755), 0);
    ASSERT_EQ(mkdir((root_ + "/d").c_str(), 0755), 0);
    ASSERT_EQ(mkdir((root_ + "/d/empty").c_str(), 0700), 0);
    WriteFile(root_ + "/d/b", "bee");
    WriteFile(root_ + "/d/a", "a");
    ASSERT_EQ(symlink("nowhere", (root_ + "/d/dangling").c_str()), 0);
  }

  TempDir tmp_;
  std::string root_;
};

TEST_F(FileWalkTest, AbsolutePathsByDefault) {
  auto r = CollectEntries({root_ + "/d"}, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::string base = NoSlash(root_);
  EXPECT_EQ(ArchivePaths(*r),
            (std::vector<std::string>{base + "/d", base + "/d/a",
                                      base + "/d/b", base + "/d/dangling",
                                      base + "/d/empty"}));
  EXPECT_EQ((*r)[1].local_path, root_ + "/d/a");
  EXPECT_TRUE(S_ISDIR((*r)[0].st.st_mode));
  EXPECT_TRUE(S_ISLNK((*r)[3].st.st_mode));
  EXPECT_EQ((*r)[3].link_target, "nowhere");
  EXPECT_EQ((*r)[4].st.st_mode & 07777, 0700u);
}

TEST_F(FileWalkTest, RelativeArgumentBecomesAbsolute) {
  ScopedChdir cd(root_ + "/d");
  auto r = CollectEntries({"a", "./b", "../d/empty"}, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::string base = NoSlash(root_);
  EXPECT_EQ(ArchivePaths(*r),
            (std::vector<std::string>{base + "/d/a", base + "/d/b",
                                      base + "/d/empty"}));
  EXPECT_EQ((*r)[1].local_path, "./b");
}

TEST_F(FileWalkTest, RelativeOptionKeepsPathAsGiven) {
  ScopedChdir cd(root_);
  UploadOptions opts;
  opts.relative = true;
  auto r = CollectEntries({"./d/", std::string("/").append(NoSlash(root_)).append("/d/a")}, opts);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(ArchivePaths(*r),
            (std::vector<std::string>{"d", "d/a", "d/b", "d/dangling",
                                      "d/empty", NoSlash(root_) + "/d/a"}));
  EXPECT_EQ((*r)[1].local_path, "./d/a");
}

TEST_F(FileWalkTest, RelativeDotStoresPlainNames) {
  ScopedChdir cd(root_ + "/d");
  UploadOptions opts;
  opts.relative = true;
  auto r = CollectEntries({"."}, opts);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(ArchivePaths(*r), (std::vector<std::string>{
                                  ".", "a", "b", "dangling", "empty"}));
}

TEST_F(FileWalkTest, RelativeRejectsEscape) {
  ScopedChdir cd(root_ + "/d");
  UploadOptions opts;
  opts.relative = true;
  auto r = CollectEntries({"empty/../a", "../d/a"}, opts);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(), "path escapes the upload root: ../d/a");
}

TEST_F(FileWalkTest, DuplicatesKeptOnce) {
  auto r = CollectEntries({root_ + "/d/a", root_ + "/d", root_ + "/d/"}, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::string base = NoSlash(root_);
  EXPECT_EQ(ArchivePaths(*r),
            (std::vector<std::string>{base + "/d/a", base + "/d",
                                      base + "/d/b", base + "/d/dangling",
                                      base + "/d/empty"}));
}

TEST_F(FileWalkTest, MissingPathIsAnError) {
  auto r = CollectEntries({root_ + "/d", root_ + "/nope"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(),
            "can't stat " + root_ + "/nope: No such file or directory");
}

TEST_F(FileWalkTest, MissingOptionLikeFileSaysOptionsComeFirst) {
  UploadOptions relative;
  relative.relative = true;
  auto r = CollectEntries({root_ + "/d", "-g"}, relative);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(),
            "can't stat -g (options come before the files: it was taken as a file): No such file or directory");
}

TEST_F(FileWalkTest, FifoIsAnError) {
  ASSERT_EQ(mkfifo((root_ + "/d/fifo").c_str(), 0644), 0);
  auto r = CollectEntries({root_ + "/d/fifo"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(),
            "unsupported file type (fifo): " + root_ + "/d/fifo");
  // Also when found inside a directory.
  r = CollectEntries({root_}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(),
            "unsupported file type (fifo): " + root_ + "/d/fifo");
}

TEST_F(FileWalkTest, SocketIsAnError) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  std::string path = root_ + "/d/sock";
  ASSERT_LT(path.size(), sizeof(addr.sun_path));
  path.copy(addr.sun_path, path.size());
  ASSERT_EQ(bind(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr)),
            0);
  close(fd);
  auto r = CollectEntries({root_ + "/d"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(), "unsupported file type (socket): " + path);
}

TEST_F(FileWalkTest, DeviceIsAnError) {
  auto r = CollectEntries({"/dev/null"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(),
            "unsupported file type (character device): /dev/null");
}

// The two errors CollectEntries() gives for `root_`/d with d/a unreadable,
// then with d/empty unreadable. Runs as "nobody" in a child when root.
std::vector<std::string> UnreadableErrors(const std::string& root) {
  std::vector<std::string> out;
  chmod((root + "/d/a").c_str(), 0);
  auto r = CollectEntries({root + "/d"}, {});
  out.push_back(r.ok() ? "ok" : r.status().ToString());
  chmod((root + "/d/a").c_str(), 0644);
  chmod((root + "/d/empty").c_str(), 0);
  r = CollectEntries({root + "/d"}, {});
  out.push_back(r.ok() ? "ok" : r.status().ToString());
  chmod((root + "/d/empty").c_str(), 0700);
  return out;
}

TEST_F(FileWalkTest, UnreadableIsAnError) {
  std::vector<std::string> errors;
  if (geteuid() != 0) {
    errors = UnreadableErrors(root_);
  } else {
    // Root reads everything: check as "nobody" in a child process.
    ASSERT_EQ(chmod(tmp_.path().c_str(), 0755), 0);
    ASSERT_EQ(chown(root_.c_str(), 65534, 65534), 0);
    for (const char* p : {"/d", "/d/a", "/d/b", "/d/empty"}) {
      ASSERT_EQ(chown((root_ + p).c_str(), 65534, 65534), 0);
    }
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      if (setgid(65534) != 0 || setuid(65534) != 0) _exit(1);
      std::string text;
      for (const std::string& e : UnreadableErrors(root_)) text += e + "\n";
      if (write(fds[1], text.data(), text.size()) < 0) _exit(1);
      _exit(0);
    }
    close(fds[1]);
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof(buf))) > 0) text.append(buf, n);
    close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    size_t nl = text.find('\n');
    ASSERT_NE(nl, std::string::npos);
    errors = {text.substr(0, nl), text.substr(nl + 1, text.size() - nl - 2)};
  }
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0], "can't read " + root_ + "/d/a: Permission denied");
  EXPECT_EQ(errors[1], "can't read " + root_ + "/d/empty: Permission denied");
}

TEST_F(FileWalkTest, EmptyArgumentIsAnError) {
  EXPECT_FALSE(CollectEntries({""}, {}).ok());
}

}  // namespace
}  // namespace transfer
