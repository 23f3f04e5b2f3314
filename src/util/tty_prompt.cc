#include "util/tty_prompt.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace util {
namespace {

// Closes the terminal and restores its modes when the prompt ends.
class TtyGuard {
 public:
  explicit TtyGuard(int fd) : fd_(fd) {
    restore_ = tcgetattr(fd_, &saved_) == 0;
    if (restore_) {
      termios quiet = saved_;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      quiet.c_lflag |= ECHONL;
      tcsetattr(fd_, TCSAFLUSH, &quiet);
    }
  }
  ~TtyGuard() {
    if (restore_) tcsetattr(fd_, TCSAFLUSH, &saved_);
    close(fd_);
  }
  TtyGuard(const TtyGuard&) = delete;
  TtyGuard& operator=(const TtyGuard&) = delete;

 private:
  int fd_;
  bool restore_ = false;
  termios saved_{};
};

}  // namespace

void Scrub(std::string* secret) {
  volatile char* bytes = secret->data();
  for (size_t i = 0; i < secret->size(); ++i) bytes[i] = 0;
  secret->clear();
}

StatusOr<std::string> PromptSecret(const std::string& prompt) {
  // From here on the process holds a secret: no core file, no ptrace or
  // /proc/<pid>/mem by other processes of the same user.
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    return Status::Error(std::string("can't ask \"") + prompt + "\": no terminal (" +
                         std::strerror(errno) + ")");
  }
  TtyGuard guard(fd);
  if (write(fd, prompt.data(), prompt.size()) < 0) {
    return Status::Error(std::string("can't write to the terminal: ") + std::strerror(errno));
  }
  std::string secret;
  char c;
  for (;;) {
    ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (secret.empty()) return Status::Error("no answer on the terminal");
      break;
    }
    if (c == '\n' || c == '\r') break;
    secret.push_back(c);
  }
  return secret;
}

}  // namespace util
