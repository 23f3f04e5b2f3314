#include "spawn.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <utility>

namespace fleet {
namespace {

constexpr const char* kRunMount = "/run/orgalorg";
constexpr const char* kIdleGroup = "/sys/fs/cgroup/cpu/orgalorg-fleet";

struct SpawnArgs {
  bool mount = false;
  const char* run_source;
  const char* tmp_source;
  const char* home;
  int in, out, err;  // The child's ends.
  char* const* argv;
  char* const* envp;
};

// Runs in the vfork child, on its thread's stack, sharing memory until
// execve: only system calls, no allocation.
int ChildMain(void* raw) {
  auto* a = static_cast<SpawnArgs*>(raw);
  if (a->mount) {
    if (unshare(CLONE_NEWNS) != 0) _exit(125);
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(125);
    if (mount(a->run_source, kRunMount, nullptr, MS_BIND, nullptr) != 0) _exit(125);
    if (mount(a->tmp_source, "/tmp", nullptr, MS_BIND, nullptr) != 0) _exit(125);
  }
  if (chdir(a->home) != 0) _exit(125);
  if (dup2(a->in, 0) < 0 || dup2(a->out, 1) < 0 || dup2(a->err, 2) < 0) _exit(125);
  // Its own process group (signals go to -pid), but not its own session: with
  // kernel.sched_autogroup_enabled (the default) setsid() makes a new
  // scheduler autogroup, and every group gets an equal share of the CPU
  // whatever its tasks' policy, so 3,000 hosts' commands took 3,000 shares
  // against the simulator's one and starved its loop (heartbeats answered
  // after 60 s). In the simulator's own group, they yield to it.
  setpgid(0, 0);
  for (int sig : {SIGPIPE, SIGCHLD, SIGTERM, SIGINT, SIGHUP}) signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execve("/bin/sh", a->argv, a->envp);
  _exit(127);
}

// A simulated host's commands stand for work done on other machines: they
// run only when the simulator and the client under test have nothing to do
// (SCHED_IDLE, inherited by what they start), so that thousands of them
// never starve the heartbeat answers or the client's own loop. Set from
// here once clone() has returned: with CLONE_VFORK that is after the
// child's execve has left our memory. An idle child that shares our memory
// starves while it holds its lock (page faults, exec), and every
// mmap/mremap of the event loop then waits for it (seconds at 3,000
// hosts). sh runs its first instructions at normal priority.
void MakeIdle(pid_t pid) {
  sched_param idle{};
  sched_setscheduler(pid, SCHED_IDLE, &idle);
}

bool WriteFile(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok;
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

std::string MakeIdleGroup(std::string* why) {
  if (mkdir(kIdleGroup, 0755) != 0 && errno != EEXIST) {
    *why = std::string("can't make ") + kIdleGroup + ": " + strerror(errno);
    return "";
  }
  std::string dir = kIdleGroup;
  if (WriteFile(dir + "/cpu.idle", "1") || WriteFile(dir + "/cpu.shares", "2")) return dir;
  *why = "can't set " + dir + "/cpu.idle nor cpu.shares: " + strerror(errno);
  return "";
}

bool MakePipes(Child* ours, SpawnJob* job, std::string* error) {
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + strerror(errno);
    return false;
  }
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]), close(in[1]);
    *error = std::string("pipe: ") + strerror(errno);
    return false;
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(in[0]), close(in[1]), close(out[0]), close(out[1]);
    *error = std::string("pipe: ") + strerror(errno);
    return false;
  }
  ours->in = in[1], ours->out = out[0], ours->err = err[0];
  for (int fd : {ours->in, ours->out, ours->err}) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  job->in = in[0], job->out = out[1], job->err = err[1];
  return true;
}

pid_t RunJob(const SpawnJob& job, std::string* error) {
  bool mount = job.isolation == Isolation::kMount;
  std::string run = job.host_dir + "/run", tmp = job.host_dir + "/tmp";
  std::string home = mount ? "/tmp/home" : job.host_dir + "/tmp/home";
  std::string home_env = "HOME=" + home, tmp_env = "TMPDIR=" + (mount ? std::string("/tmp") : home);
  const char* argv[] = {"sh", "-c", job.command.c_str(), nullptr};
  const char* envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                        home_env.c_str(), tmp_env.c_str(), "SHELL=/bin/sh", "USER=root", "LOGNAME=root", nullptr};
  SpawnArgs args{mount, run.c_str(), tmp.c_str(), home.c_str(), job.in, job.out, job.err,
                 const_cast<char* const*>(argv), const_cast<char* const*>(envp)};
  // Its own stack per thread: a vfork child runs on it while its parent
  // thread waits; the other threads go on.
  constexpr size_t kStackBytes = 64 * 1024;
  thread_local std::unique_ptr<char[]> stack(new char[kStackBytes]);
  pid_t pid = clone(ChildMain, stack.get() + kStackBytes, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
  int saved = errno;
  close(job.in), close(job.out), close(job.err);
  if (pid < 0) {
    *error = std::string("clone: ") + strerror(saved);
  } else {
    MakeIdle(pid);  // The child has exec'd (or died): CLONE_VFORK waited for it.
  }
  return pid;
}

Spawner::Spawner(int threads, std::string idle_group) : idle_group_(std::move(idle_group)) {
  wake_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
}

Spawner::~Spawner() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread& thread : threads_) thread.join();
  close(wake_);
  if (!idle_group_.empty()) rmdir(idle_group_.c_str());  // Fails while others use it.
}

void Spawner::Submit(SpawnJob job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  ready_.notify_one();
}

std::vector<SpawnResult> Spawner::TakeResults() {
  uint64_t count;
  while (read(wake_, &count, sizeof count) > 0) {
  }
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(results_, {});
}

void Spawner::Work() {
  if (!idle_group_.empty()) WriteFile(idle_group_ + "/tasks", std::to_string(gettid()));
  for (;;) {
    SpawnJob job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    auto started = std::chrono::steady_clock::now();
    SpawnResult result{job.token, -1, {}, 0};
    result.pid = RunJob(job, &result.error);
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      results_.push_back(std::move(result));
    }
    uint64_t one = 1;
    (void)!write(wake_, &one, sizeof one);
  }
}

}  // namespace fleet
