// Runs one exec request's command as a simulated host would: `sh -c
// <command>` as the leader of a new process group, with stdin,
// stdout and stderr on pipes, in the host's own world:
//
//  * isolation kMount (needs root): the child starts in a new mount
//    namespace (unshare(CLONE_NEWNS)) where the host's directory
//    <root>/<addr>/run is bind-mounted on /run/orgalorg (also reached as
//    /var/run/orgalorg) and <root>/<addr>/tmp on /tmp; HOME=/tmp/home and
//    the working directory is that home. So every absolute path under /tmp
//    or /run/orgalorg is the host's own; the rest of the file system is
//    shared by all hosts (as on real hosts, / is not theirs to write).
//  * isolation kCwd (no root): no namespace; HOME, TMPDIR and the working
//    directory are <root>/<addr>/tmp/home; only relative paths (and
//    $HOME, $TMPDIR) are the host's own.
//
// The child makes its namespace itself (unshare) before exec.
//
// The hosts' commands stand for other machines' work: they get the CPU only
// when the simulator and the client under test leave it. Each runs under
// SCHED_IDLE (set once its exec has left the simulator's memory), inside
// the cgroup of MakeIdleGroup() when there is one: within one run queue an
// idle task still weighs 3 against a normal task's 1024, so 10,000 of them
// outweigh the client 30 to 1; a group with cpu.idle weighs 3 in all.
#ifndef ORGALORG_TESTS_FLEET_SPAWN_H_
#define ORGALORG_TESTS_FLEET_SPAWN_H_

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fleet {

enum class Isolation { kMount, kCwd };

struct Child {
  pid_t pid = -1;
  int in = -1, out = -1, err = -1;  // Our non-blocking ends of its stdio.
};

// Makes <root>/<addr>/{run,tmp,tmp/home} when missing. Returns the host's
// directory, or "" with `error` set.
std::string HostDirectory(const std::string& root, const std::string& addr, std::string* error);

// Prepares what kMount needs once (the mount point /run/orgalorg).
bool PrepareIsolation(Isolation isolation, std::string* error);

// A command to start: its host, and the child's ends of its three pipes.
struct SpawnJob {
  uint64_t token = 0;  // The caller's name for the job.
  Isolation isolation = Isolation::kMount;
  std::string host_dir, command;
  int in = -1, out = -1, err = -1;
};

// Makes the three pipes: our non-blocking ends in `ours`, the child's in
// `job`.
bool MakePipes(Child* ours, SpawnJob* job, std::string* error);

// Starts the job (and closes the child's ends here). Returns its pid, or -1
// with `error` set.
pid_t RunJob(const SpawnJob& job, std::string* error);

// The cgroup (v1 cpu controller) for the hosts' commands,
// /sys/fs/cgroup/cpu/orgalorg-fleet with cpu.idle = 1 (or cpu.shares = 2),
// made if missing and shared by every simulator process; "" when it can't
// be had (no root, no such controller), `why` then says why.
std::string MakeIdleGroup(std::string* why);

struct SpawnResult {
  uint64_t token;
  pid_t pid;
  std::string error;
  double seconds;  // Wall time of the start.
};

// Starts jobs on threads of its own, so that the event loop never waits for
// a process to start (under load a start took 20+ ms here; 10,000 of them
// on the loop's thread left every session silent for minutes). The child
// is made with clone(CLONE_VM | CLONE_VFORK) on a thread's own stack: the
// simulator's memory is not copied, and only that thread waits until the
// child has exec'd. Children are the process's: waitpid() from any thread.
// `wake_fd()` becomes readable when results are waiting. With an
// `idle_group` (MakeIdleGroup), its threads join that cgroup, so that every
// child starts in it (no migration per child); within it they run at normal
// priority, ahead of the hosts' idle commands.
class Spawner {
 public:
  Spawner(int threads, std::string idle_group);
  ~Spawner();
  Spawner(const Spawner&) = delete;
  Spawner& operator=(const Spawner&) = delete;

  void Submit(SpawnJob job);
  std::vector<SpawnResult> TakeResults();
  int wake_fd() const { return wake_; }

 private:
  void Work();

  std::string idle_group_;
  int wake_ = -1;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<SpawnJob> jobs_;
  std::vector<SpawnResult> results_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace fleet

#endif  // ORGALORG_TESTS_FLEET_SPAWN_H_
