#include "util/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace util {
namespace {

std::string DirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status Failure(const std::string& path, int error) {
  return Status::Error("can't write " + path + ": " + std::strerror(error));
}

}  // namespace

Status WriteFileAtomically(const std::string& path, std::string_view contents) {
  std::string pattern = DirectoryOf(path) + "/.orgalorg-tmp-XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  int fd = mkstemp(name.data());
  if (fd < 0) return Failure(path, errno);
  auto fail = [&](int error) {
    close(fd);
    unlink(name.data());
    return Failure(path, error);
  };
  mode_t mask = umask(0);
  umask(mask);
  if (fchmod(fd, 0644 & ~mask) != 0) return fail(errno);
  while (!contents.empty()) {
    ssize_t n = write(fd, contents.data(), contents.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno);
    contents.remove_prefix(static_cast<size_t>(n));
  }
  if (fsync(fd) != 0) return fail(errno);
  if (close(fd) != 0) {
    int error = errno;
    unlink(name.data());
    return Failure(path, error);
  }
  if (rename(name.data(), path.c_str()) != 0) {
    int error = errno;
    unlink(name.data());
    return Failure(path, error);
  }
  return Status::Ok();
}

Status CheckWritable(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return Status::Error("can't write " + path + ": Is a directory");
  }
  std::string dir = DirectoryOf(path);
  if (access(dir.c_str(), W_OK | X_OK) != 0) return Failure(path, errno);
  return Status::Ok();
}

}  // namespace util
