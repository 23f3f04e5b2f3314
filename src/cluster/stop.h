// Why a run stops before its phases are done: one reason per run.
//
// The run owns one Stop and hands it to every phase. A signal (SIGINT,
// SIGTERM) or a lost heartbeat requests it from an event loop callback; a
// phase that failed requests it when it returns. The first reason wins.
// Every phase waits with requested() in its condition and, once it holds,
// stops what it started on the hosts and returns at once. The exit status is
// derived from reason() in one place (app::ExitStatusFor).
#ifndef ORGALORG_CLUSTER_STOP_H_
#define ORGALORG_CLUSTER_STOP_H_

namespace cluster {

enum class StopReason {
  kNone,           // Not stopped: every phase ran (its hosts may have failed).
  kInterrupted,    // SIGINT or SIGTERM.
  kHeartbeatLost,  // The cluster lock was lost during the run.
  kFailed,         // A phase failed: nothing more is started.
};

class Stop {
 public:
  void Request(StopReason reason) {
    if (reason_ == StopReason::kNone) reason_ = reason;
  }
  bool requested() const { return reason_ != StopReason::kNone; }
  StopReason reason() const { return reason_; }

 private:
  StopReason reason_ = StopReason::kNone;
};

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_STOP_H_
