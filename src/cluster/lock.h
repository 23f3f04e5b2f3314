// The global cluster lock (orgalorg(1), LOCK).
//
// On every node a long-lived remote process (the "holder") takes
// `flock -nx` on the lock path and then echoes every line it reads on stdin
// back on stdout. The lock lives exactly as long as that process: closing
// its stdin (Release), or losing the connection, ends it. It runs on the
// node's one SSH connection, like everything else of the run.
//
// Acquire() is all-or-nothing: when any node can't be locked, every lock
// already taken is released (and Acquire waits until those holders have
// exited) before it returns the error naming each such node. With
// `no_lock_fail` (-t) those nodes are warned about and the run goes on;
// without it each such node's `error` is set to its cause.
//
// Heartbeat: every `interval` each holder is sent "PING" and must echo it
// within `answer_timeout` (checked at each beat, so a missing answer is seen
// between answer_timeout and answer_timeout + interval after its PING). A
// slow answer is not a lost lock: the lock ends only with the holder or its
// connection, and both of those are seen at once (the holder's exit, the
// session's liveness). A PING the socket has no room for waits for it.
// A holder that exits, echoes something else or does not answer in time
// makes `on_lost` run once with an error naming the node and the word
// "heartbeat"; the node's `error` is set to it too.
#ifndef ORGALORG_CLUSTER_LOCK_H_
#define ORGALORG_CLUSTER_LOCK_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cluster/node.h"
#include "cluster/remote_command.h"
#include "cluster/stop.h"
#include "loop/event_loop.h"
#include "output/output.h"

namespace cluster {

struct LockSpec {
  std::string path;               // What to flock.
  bool create_directory = false;  // A missing path is made with mkdir -p (the -r dir).
  bool no_lock_fail = false;      // -t
  RemoteCommandSpec wrapper;      // shell template and sudo; words/root unused
  // Written beside the lock path while held ("user@host pid N since T"), and
  // shown to a run that finds the lock busy.
  std::string owner;
};

// The holder's remote command line (exposed for tests).
std::string LockCommand(const LockSpec& spec);

// The message of a node that can't be locked.
inline constexpr const char* kLockBusyMessage =
    "can't acquire lock, lock already obtained by another process or unavailable";

class ClusterLock {
 public:
  ClusterLock(loop::EventLoop* loop, Nodes* nodes, output::Output* out);
  ~ClusterLock();
  ClusterLock(const ClusterLock&) = delete;
  ClusterLock& operator=(const ClusterLock&) = delete;

  // Returns an error when the lock was refused or the wait was stopped.
  util::Status Acquire(const LockSpec& spec, const Stop& stop);
  void StartHeartbeat(loop::Milliseconds interval, loop::Milliseconds answer_timeout,
                      std::function<void(util::Status)> on_lost);
  // Ends every holder and waits (at most kReleaseWait) for them to exit.
  void Release();

 private:
  struct Holder;
  // Acquire's steps.
  void StartHolders(const std::string& command);
  ExecCallbacks CallbacksFor(size_t i);
  void OnHolderLine(size_t i, const std::string& line);
  void OnHolderExit(size_t i, int status, const std::string& signal_name);
  util::Status Verdict(const LockSpec& spec);
  // The heartbeat's.
  void Beat();
  static void Flush(Holder* holder);
  void Lost(size_t index, const std::string& why);
  static bool Awaited(const Holder& holder);

  loop::EventLoop* loop_;
  Nodes* nodes_;
  output::Output* out_;
  std::vector<std::unique_ptr<Holder>> holders_;
  size_t waiting_ = 0;  // Holders that have not answered yet.
  // Holders Release() waits for (started, not exited, heartbeat not lost):
  // kept as they change, so that each event of the wait costs O(1), not a
  // scan of every host.
  size_t awaited_ = 0;
  loop::Milliseconds interval_{0};
  loop::Milliseconds answer_timeout_{0};
  loop::EventLoop::TimerId timer_ = 0;
  std::function<void(util::Status)> on_lost_;
  bool lost_ = false;
};

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_LOCK_H_
