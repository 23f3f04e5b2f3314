// What every mode does first: read the hosts, prepare credentials, watch
// for SIGINT/SIGTERM and connect to every host.
#ifndef ORGALORG_APP_SETUP_H_
#define ORGALORG_APP_SETUP_H_

#include <functional>
#include <memory>
#include <span>

#include "app/host_ledger.h"
#include "cli/options.h"
#include "cluster/lock.h"
#include "cluster/node.h"
#include "ssh/key_ring.h"
#include "cluster/remote_command.h"
#include "cluster/run_on_all.h"
#include "cluster/stop.h"
#include "cluster/sync_relay.h"
#include "loop/event_loop.h"
#include "output/output.h"
#include "util/status.h"

namespace ssh {
class JumpRouter;
}  // namespace ssh

namespace app {

// The state shared by the phases of one run. Not copyable; lives in the
// mode's function.
class RunContext {
 public:
  // `ledger` (not null) learns every host and how each phase ended for it.
  RunContext(const cli::Options& options, output::Output* out, HostLedger* ledger);
  ~RunContext();
  RunContext(const RunContext&) = delete;
  RunContext& operator=(const RunContext&) = delete;

  // Reads hosts, installs the signal watch, asks for a password (-p).
  // Checks first that the --failed-hosts file could be written.
  util::Status Prepare();
  // Connects to every host. Failed hosts end the run with an error naming
  // each, unless -w: then they are warned about and dropped.
  util::Status Connect();
  // Connect()'s end when `failed` hosts could not be connected: an error
  // naming each (one per failed jump host, with the count of hosts behind
  // it), or with -w warnings and the failed hosts dropped.
  util::Status ConnectFailed(size_t failed);
  // Takes the cluster lock (unless -y) and starts its heartbeat. A lost
  // heartbeat stops the run (kHeartbeatLost); End() reports its cause.
  util::Status Lock();
  // Prepare(), Connect() and Lock(), stopping at the first error.
  util::Status Start();
  // Releases the lock, if held, and waits for every holder to exit.
  void Unlock();

  // Ends a run whose last phase was RunOnAll: records every outcome,
  // releases the lock unless the run was stopped, and returns End() with
  // the result's error or its summary (under `halted`, when a rollout was
  // stopped by --max-fail).
  int Conclude(const cluster::RunResult& result, util::Status halted = util::Status::Ok());

  // The one way a run ends. When a signal or a lost heartbeat stopped it,
  // reports that (and marks the nodes' errors); otherwise a non-OK `status`
  // is the run's failure, reported as such. Returns ExitStatusFor() of the
  // stop reason.
  int End(const util::Status& status);

  // Marks failed outcomes in the ledger, and successful ones too when
  // `final` (the run's last phase: the host is done).
  void Record(const std::vector<cluster::HostOutcome>& outcomes, bool final);
  // Marks every node whose `error` is set (lock refused, heartbeat lost).
  void RecordNodeErrors();
  // Marks every node still in the run as succeeded (lock mode).
  void RecordAllSucceeded();

  loop::EventLoop& loop() { return loop_; }
  output::Output* out() { return out_; }
  cluster::Nodes& nodes() { return nodes_; }
  // Requested by SIGINT/SIGTERM or a lost heartbeat: every phase stops at
  // once. End() requests kFailed for a run that failed.
  const cluster::Stop& stop() const { return stop_; }
  bool stopped() const { return stop_.requested(); }
  // After Connect(): the run's keys (loaded once) and the key files tried.
  ssh::KeyRing* key_ring() { return key_ring_.get(); }
  const std::vector<std::string>& identity_files() const { return identity_files_; }

 private:
  const cli::Options& options_;
  output::Output* out_;
  HostLedger* ledger_;
  loop::EventLoop loop_;
  cluster::Nodes nodes_;
  std::unique_ptr<ssh::JumpRouter> jump_router_;  // -J and ProxyJump.
  std::optional<std::string> password_;
  std::unique_ptr<cluster::ClusterLock> lock_;
  int signal_fd_ = -1;
  cluster::Stop stop_;
  util::Status heartbeat_error_;
  std::shared_ptr<ssh::KeyRing> key_ring_;
  std::vector<std::string> identity_files_;
};

// What sync mode adds to the last phase.
struct PhaseHooks {
  // With the protocol: the relay among the hosts of one run of the tool
  // (every node, or one batch).
  std::function<std::unique_ptr<cluster::SyncRelay>(std::span<const cluster::Node>)> make_relay;
  // Run on the hosts a rollout stopped by --max-fail never started (their
  // run directory goes); empty: nothing.
  std::string not_started_cleanup;
};

// The last phase of command and sync mode: RunOnAll with `spec` (and the
// --fold buffer and report when asked) on every node, or batch by batch
// with --batch (app/batches.h), then context.Conclude().
int RunAndConclude(RunContext& context, const cli::Options& options, cluster::RunSpec spec,
                   const PhaseHooks& hooks = {});

// The run's shell template (--shell) and sudo (-x), for every remote line.
cluster::RemoteCommandSpec RemoteWrapper(const cli::Options& options);

// The current user's login name ($USER fallback), for default -u.
std::string CurrentUserName();

}  // namespace app

#endif  // ORGALORG_APP_SETUP_H_
