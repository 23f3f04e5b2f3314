#include "util/stdin_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace util {
namespace {

std::string FdPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

Status Errno(const std::string& what) { return Status::Error(what + ": " + std::strerror(errno)); }

// A new unlinked file, open for reading and writing, close-on-exec.
StatusOr<int> AnonymousFile() {
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir && *dir ? dir : "/tmp") + "/orgalorg-stdin.XXXXXX";
  int fd = mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) return Errno("can't make a temporary file for -i - in " + path.substr(0, path.rfind('/')));
  unlink(path.c_str());
  return fd;
}

Status CopyAll(int from, int to) {
  char buffer[64 * 1024];
  for (;;) {
    ssize_t n = read(from, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("can't read standard input for -i -");
    if (n == 0) return Status::Ok();
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(to, buffer + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return Errno("can't keep standard input for -i - in a temporary file");
      done += w;
    }
  }
}

}  // namespace

StatusOr<std::string> StdinAsFile(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return Errno("can't use standard input for -i -");
  if (S_ISREG(st.st_mode)) return FdPath(fd);
  StatusOr<int> copy = AnonymousFile();
  if (!copy.ok()) return copy.status();
  Status copied = CopyAll(fd, *copy);
  if (!copied.ok()) {
    close(*copy);
    return copied;
  }
  return FdPath(*copy);
}

}  // namespace util
