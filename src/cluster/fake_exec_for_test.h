// A fake of the exec seam (cluster/exec.h) for unit tests: hosts that
// record every command started on them, and commands a test plays through
// the real event loop (their callbacks run from posted tasks and timers,
// never inside a call the code under test made, as the seam promises).
// Header-only so that the build (which globs *.cc) keeps it out of the
// program.
#ifndef ORGALORG_CLUSTER_FAKE_EXEC_FOR_TEST_H_
#define ORGALORG_CLUSTER_FAKE_EXEC_FOR_TEST_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cluster/exec.h"
#include "cluster/node.h"
#include "loop/event_loop.h"

namespace cluster {

// One remote command: what the code under test did to it, and the drivers
// a test uses to play the remote side. Outlives its channel.
class FakeCommand {
 public:
  FakeCommand(loop::EventLoop* loop, std::string command, ExecCallbacks callbacks, std::vector<std::string>* log)
      : loop_(loop), command_(std::move(command)), callbacks_(std::move(callbacks)), log_(log) {}

  // --- What the code under test did.
  const std::string& command() const { return command_; }
  const std::string& stdin_data() const { return stdin_data_; }
  bool stdin_closed() const { return stdin_closed_; }
  bool closed() const { return closed_; }
  const std::vector<std::string>& signals() const { return signals_; }

  // --- The remote side. No-ops once the command is closed or has exited.
  // The exec request is granted: started() turns true, on_writable once.
  void Start() {
    if (started_ || !live()) return;
    started_ = true;
    log_->push_back("start " + command_);
    Writable();
  }
  void Stdout(std::string_view data) {
    if (live() && callbacks_.on_stdout) callbacks_.on_stdout(data);
  }
  void Stderr(std::string_view data) {
    if (live() && callbacks_.on_stderr) callbacks_.on_stderr(data);
  }
  // The command ends: its exit status, or -1 and a signal name.
  void Exit(int status, std::string signal_name = "") {
    if (!live()) return;
    exited_ = true;
    if (callbacks_.on_exit) callbacks_.on_exit(status, std::move(signal_name));
  }
  // The channel fails (connection lost): error() holds `reason`.
  void Fail(const std::string& reason) {
    error_ = util::Status::Error(reason);
    Exit(-1, reason);
  }
  // Back-pressure: Write() takes at most `bytes` more until the next
  // AddRoom(); when it took fewer than offered, AddRoom calls on_writable.
  void SetRoom(uint64_t bytes) { room_ = bytes; }
  void AddRoom(uint64_t bytes) {
    room_ += bytes;
    if (wants_writable_) Writable();
  }
  // Called (from a posted task) each time stdin gets EOF.
  std::function<void()> on_eof;
  // Called (from a posted task) with the bytes each Write() took.
  std::function<void(std::string)> on_stdin;

  // --- The seam's side (FakeChannel forwards here).
  size_t Write(std::string_view data) {
    if (!started_ || stdin_closed_ || !live()) return 0;
    size_t taken = static_cast<size_t>(std::min<uint64_t>(data.size(), room_));
    room_ -= taken;
    stdin_data_.append(data.substr(0, taken));
    if (taken < data.size()) wants_writable_ = true;
    if (on_stdin && taken > 0) {
      loop_->Post([this, bytes = std::string(data.substr(0, taken))] {
        if (on_stdin) on_stdin(bytes);
      });
    }
    return taken;
  }
  void CloseStdin() {
    if (stdin_closed_) return;
    stdin_closed_ = true;
    if (on_eof) loop_->Post([this] { if (on_eof) on_eof(); });
  }
  void Signal(const char* name) {
    if (!started_ || !live()) return;
    signals_.push_back(name);
    log_->push_back(std::string("signal ") + name + " " + command_);
  }
  void Close() {
    if (closed_) return;
    closed_ = true;
    callbacks_ = ExecCallbacks();
    log_->push_back("close " + command_);
  }
  bool started() const { return started_; }
  bool finished() const { return !live(); }
  const util::Status& error() const { return error_; }

 private:
  bool live() const { return !closed_ && !exited_; }
  void Writable() {
    wants_writable_ = false;
    loop_->Post([this] {
      if (live() && started_ && callbacks_.on_writable) callbacks_.on_writable();
    });
  }

  loop::EventLoop* loop_;
  std::string command_;
  ExecCallbacks callbacks_;
  std::vector<std::string>* log_;
  bool started_ = false;
  bool exited_ = false;
  bool closed_ = false;
  bool stdin_closed_ = false;
  bool wants_writable_ = false;
  uint64_t room_ = UINT64_MAX;
  std::string stdin_data_;
  std::vector<std::string> signals_;
  util::Status error_;
};

class FakeChannel : public ExecChannel {
 public:
  explicit FakeChannel(std::shared_ptr<FakeCommand> command) : command_(std::move(command)) {}
  ~FakeChannel() override { command_->Close(); }
  size_t Write(std::string_view data) override { return command_->Write(data); }
  void CloseStdin() override { command_->CloseStdin(); }
  void Signal(const char* name) override { command_->Signal(name); }
  void Close() override { command_->Close(); }
  bool started() const override { return command_->started(); }
  bool finished() const override { return command_->finished(); }
  const util::Status& error() const override { return command_->error(); }

 private:
  std::shared_ptr<FakeCommand> command_;
};

// One host. Each Exec() records a FakeCommand, grants it at once (unless
// start_at_once is false) and hands it to `script`, from a posted task.
class FakeHost : public ExecHost {
 public:
  explicit FakeHost(loop::EventLoop* loop) : loop_(loop) {}

  bool connected() const override { return connected_; }
  util::StatusOr<std::unique_ptr<ExecChannel>> Exec(const std::string& command, ExecCallbacks callbacks) override {
    if (!refusal.ok()) return refusal;
    auto fake = std::make_shared<FakeCommand>(loop_, command, std::move(callbacks), &log);
    commands.push_back(fake);
    log.push_back("exec " + command);
    loop_->Post([this, fake] {
      if (start_at_once) fake->Start();
      if (script) script(*fake);
    });
    return std::unique_ptr<ExecChannel>(std::make_unique<FakeChannel>(fake));
  }
  void ReserveSendBuffer(int bytes) override { send_buffer = bytes; }

  // The commands started with `command`, in order.
  std::vector<FakeCommand*> Started(const std::string& command) const {
    std::vector<FakeCommand*> found;
    for (const auto& fake : commands) {
      if (fake->command() == command) found.push_back(fake.get());
    }
    return found;
  }

  bool connected_ = true;
  bool start_at_once = true;
  util::Status refusal;  // Not OK: Exec() fails with it.
  std::function<void(FakeCommand&)> script;
  std::vector<std::shared_ptr<FakeCommand>> commands;
  std::vector<std::string> log;  // "exec C", "start C", "signal TERM C", "close C"
  int send_buffer = 0;

 private:
  loop::EventLoop* loop_;
};

// `count` connected nodes "h0", "h1", ... on fake hosts; `hosts` gets them.
inline Nodes FakeNodes(loop::EventLoop* loop, size_t count, std::vector<FakeHost*>* hosts) {
  Nodes nodes(count);
  for (size_t i = 0; i < count; ++i) {
    nodes[i].ref.display = "h" + std::to_string(i);
    nodes[i].ref.identity = "[u@h" + std::to_string(i) + ":22]";
    auto host = std::make_unique<FakeHost>(loop);
    hosts->push_back(host.get());
    nodes[i].exec = std::move(host);
  }
  return nodes;
}

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_FAKE_EXEC_FOR_TEST_H_
