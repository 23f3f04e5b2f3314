// Test-only helpers for transfer/ tests: temporary directories, files, and
// running a shell command. Header-only so that the build (which globs *.cc)
// does not put it into orgalorg_core.
#ifndef ORGALORG_TRANSFER_TEST_TREE_FOR_TEST_H_
#define ORGALORG_TRANSFER_TEST_TREE_FOR_TEST_H_

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace transfer {
namespace testing_util {

// A fresh directory under $TMPDIR (or /tmp), removed recursively at scope
// exit.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string templ =
        std::string(base != nullptr ? base : "/tmp") + "/orgalorg-test-XXXXXX";
    if (mkdtemp(templ.data()) == nullptr) std::abort();
    path_ = templ;
  }
  ~TempDir() {
    nftw(
        path_.c_str(),
        [](const char* p, const struct stat*, int flag, struct FTW*) {
          if (flag == FTW_DP) chmod(p, 0700);  // Never through a symlink.
          remove(p);
          return 0;
        },
        64, FTW_DEPTH | FTW_PHYS);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Changes the current directory for the scope of the object.
class ScopedChdir {
 public:
  explicit ScopedChdir(const std::string& dir) {
    old_fd_ = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (old_fd_ < 0 || chdir(dir.c_str()) != 0) std::abort();
  }
  ~ScopedChdir() {
    if (fchdir(old_fd_) != 0) std::abort();
    close(old_fd_);
  }

 private:
  int old_fd_;
};

inline void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << content;
  if (!f) std::abort();
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs `command` with /bin/sh; returns its exit status (-1 if it did not
// exit normally).
inline int RunShell(const std::string& command) {
  int status = std::system(command.c_str());
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

}  // namespace testing_util
}  // namespace transfer

#endif  // ORGALORG_TRANSFER_TEST_TREE_FOR_TEST_H_
