#include "spawn.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fleet {
namespace {

constexpr const char* kRunMount = "/run/orgalorg";
constexpr size_t kChildStackBytes = 64 * 1024;
alignas(16) char child_stack[kChildStackBytes];  // Used by one vfork child at a time.

struct SpawnArgs {
  bool mount = false;
  const char* run_source;
  const char* tmp_source;
  const char* home;
  int in, out, err;  // The child's ends.
  char* const* argv;
  char* const* envp;
};

// Runs in the child, on child_stack, sharing the parent's memory until
// execve: only system calls, no allocation.
int ChildMain(void* raw) {
  auto* a = static_cast<SpawnArgs*>(raw);
  if (a->mount) {
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(125);
    if (mount(a->run_source, kRunMount, nullptr, MS_BIND, nullptr) != 0) _exit(125);
    if (mount(a->tmp_source, "/tmp", nullptr, MS_BIND, nullptr) != 0) _exit(125);
  }
  if (chdir(a->home) != 0) _exit(125);
  if (dup2(a->in, 0) < 0 || dup2(a->out, 1) < 0 || dup2(a->err, 2) < 0) _exit(125);
  setsid();
  for (int sig : {SIGPIPE, SIGCHLD, SIGTERM, SIGINT, SIGHUP}) signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execve("/bin/sh", a->argv, a->envp);
  _exit(127);
}

bool MakeDir(const std::string& path, mode_t mode, std::string* error) {
  if (mkdir(path.c_str(), mode) == 0 || errno == EEXIST) return true;
  *error = "can't make " + path + ": " + strerror(errno);
  return false;
}

}  // namespace

std::string HostDirectory(const std::string& root, const std::string& addr, std::string* error) {
  std::string dir = root + "/" + addr;
  struct stat st;
  if (stat((dir + "/tmp/home").c_str(), &st) == 0) return dir;
  // /tmp of a host is world-writable and sticky, like a real /tmp.
  if (!MakeDir(root, 0755, error) || !MakeDir(dir, 0755, error) || !MakeDir(dir + "/run", 0755, error) ||
      !MakeDir(dir + "/tmp", 01777, error) || chmod((dir + "/tmp").c_str(), 01777) != 0 ||
      !MakeDir(dir + "/tmp/home", 0700, error)) {
    return "";
  }
  return dir;
}

bool PrepareIsolation(Isolation isolation, std::string* error) {
  if (isolation != Isolation::kMount) return true;
  return MakeDir(kRunMount, 0755, error);
}

Child Spawn(Isolation isolation, const std::string& host_dir, const std::string& command, std::string* error) {
  Child child;
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + strerror(errno);
    return child;
  }
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]), close(in[1]);
    *error = std::string("pipe: ") + strerror(errno);
    return child;
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(in[0]), close(in[1]), close(out[0]), close(out[1]);
    *error = std::string("pipe: ") + strerror(errno);
    return child;
  }
  bool mount = isolation == Isolation::kMount;
  std::string run = host_dir + "/run", tmp = host_dir + "/tmp";
  std::string home = mount ? "/tmp/home" : host_dir + "/tmp/home";
  std::string home_env = "HOME=" + home, tmp_env = "TMPDIR=" + (mount ? std::string("/tmp") : home);
  const char* argv[] = {"sh", "-c", command.c_str(), nullptr};
  const char* envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                        home_env.c_str(), tmp_env.c_str(), "SHELL=/bin/sh", "USER=root", "LOGNAME=root", nullptr};
  SpawnArgs args{mount, run.c_str(), tmp.c_str(), home.c_str(), in[0], out[1], err[1],
                 const_cast<char* const*>(argv), const_cast<char* const*>(envp)};
  int flags = CLONE_VM | CLONE_VFORK | SIGCHLD | (mount ? CLONE_NEWNS : 0);
  child.pid = clone(ChildMain, child_stack + kChildStackBytes, flags, &args);
  int saved = errno;
  close(in[0]), close(out[1]), close(err[1]);
  if (child.pid < 0) {
    close(in[1]), close(out[0]), close(err[0]);
    *error = std::string("clone: ") + strerror(saved);
    return child;
  }
  child.in = in[1], child.out = out[0], child.err = err[0];
  for (int fd : {child.in, child.out, child.err}) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return child;
}

}  // namespace fleet
