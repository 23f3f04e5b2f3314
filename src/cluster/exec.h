// The exec seam: how the cluster layer starts and drives remote commands.
//
// Every fan-out (run_on_all, upload, lock, remote_cleanup) talks to a host
// through ExecHost and to each remote command through ExecChannel, never to
// the ssh layer directly. In a run both are thin adapters over ssh::Session
// and ssh::Channel (cluster/ssh_exec.h), and their contract is
// ssh::Channel's:
//  * Callbacks run on the event loop thread, never inside a call the owner
//    made into the channel. The owner may destroy the channel, or call any
//    method, from inside a callback.
//  * on_exit is called exactly once, after all output, unless the owner
//    called Close() or destroyed the channel first: the exit status and an
//    empty text, or -1 and the signal name ("TERM"), or -1 and a reason when
//    the channel failed (error() then holds that reason).
//  * Write() takes what the peer's window and the socket's room allow now,
//    possibly 0 (back-pressure); on_writable says when to write again, and
//    comes once when the command has started. Nothing is buffered beyond it.
// In unit tests a fake (cluster/fake_exec_for_test.h) plays the hosts.
#ifndef ORGALORG_CLUSTER_EXEC_H_
#define ORGALORG_CLUSTER_EXEC_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "util/status.h"

namespace cluster {

struct ExecCallbacks {
  std::function<void(std::string_view)> on_stdout;
  std::function<void(std::string_view)> on_stderr;
  std::function<void(int exit_status, std::string signal_name)> on_exit;
  std::function<void()> on_writable;
};

// One remote command. Destroying it closes it (no callback after).
class ExecChannel {
 public:
  virtual ~ExecChannel() = default;

  // Sends as much of `data` as can go now; returns how many bytes went.
  // 0 before the command has started, after CloseStdin(), or when there is
  // no room: wait for on_writable.
  virtual size_t Write(std::string_view data) = 0;
  // Sends EOF on the command's stdin (idempotent).
  virtual void CloseStdin() = 0;
  // Delivers a signal ("TERM") to the command, once it has started.
  virtual void Signal(const char* name) = 0;
  // Closes the channel; no callback is called afterwards.
  virtual void Close() = 0;
  // The exec request was granted: the command runs (or ran).
  virtual bool started() const = 0;
  // on_exit was reported, or Close() was called: nothing more will come.
  virtual bool finished() const = 0;
  // Why the channel failed (connection lost, exec refused); OK otherwise.
  virtual const util::Status& error() const = 0;
};

// One host's connection, which starts remote commands.
class ExecHost {
 public:
  virtual ~ExecHost() = default;

  virtual bool connected() const = 0;
  // Starts `command`; the exec request goes out asynchronously, so
  // started() is false at first.
  virtual util::StatusOr<std::unique_ptr<ExecChannel>> Exec(const std::string& command,
                                                            ExecCallbacks callbacks) = 0;
  // Asks for a kernel send buffer of `bytes` (bulk uploads).
  virtual void ReserveSendBuffer(int bytes) = 0;

  // Relay (cluster/relay_upload.h). Exec() whose command gets the agent
  // given to ForwardAgent(), filtered (ssh/agent_forward.h), until
  // StopAgentForwarding(). The defaults (fakes) forward nothing.
  virtual util::StatusOr<std::unique_ptr<ExecChannel>> ExecForwardingAgent(const std::string& command,
                                                                           ExecCallbacks callbacks) {
    return Exec(command, std::move(callbacks));
  }
  virtual util::Status ForwardAgent(const std::string& /*socket*/) { return util::Status::Ok(); }
  virtual void StopAgentForwarding() {}
  // The host key verified at connect, "<type> <base64>"; empty if unknown.
  virtual std::string HostKey() const { return ""; }
};

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_EXEC_H_
