#include "app/signals.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace app {
namespace {

int g_write_fd = -1;

void OnSignal(int signo) {
  int saved = errno;
  unsigned char byte = static_cast<unsigned char>(signo);
  if (g_write_fd >= 0) (void)!write(g_write_fd, &byte, 1);
  errno = saved;
}

}  // namespace

util::StatusOr<int> InstallSignalPipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    return util::Status::Error(std::string("can't create signal pipe: ") + std::strerror(errno));
  }
  g_write_fd = fds[1];
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return fds[0];
}

int DrainSignalPipe(int fd) {
  unsigned char buffer[64];
  int last = 0;
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) last = buffer[n - 1];
  return last;
}

}  // namespace app
