// An exec channel: one remote command on an established Session.
//
// Contract:
//  * Created by Session::Exec(); many channels may share one session.
//  * Callbacks run on the event loop thread, never inside a call the owner
//    made into this class (no re-entrancy surprises). The owner may destroy
//    the Channel, or call any method, from inside a callback.
//  * on_stdout/on_stderr receive the command's output as it arrives.
//  * on_exit is called exactly once, after all output, unless the owner
//    called Close() or destroyed the channel first. A normal end gives the
//    exit status (signal_name empty), or -1 and the signal name ("TERM").
//    When the channel can't be opened, the command can't be started or the
//    connection dies, it gives -1 and a reason text; error() then holds the
//    same reason as a Status.
//  * on_writable is called when Write() can take bytes again after it took
//    fewer than offered (and once when the command has started).
//  * Memory is bounded: Write() takes only what the peer's window allows,
//    never buffering beyond it; received data is handed over per read.
//  * A forward channel (Session::OpenForward, `direct-tcpip`) carries a TCP
//    stream instead of a command: on_stdout gets the stream, Write() sends,
//    CloseStdin() sends EOF, on_exit(-1, reason) reports its end (the
//    peer's EOF or CLOSE, or a failure). Its reader
//    may Hold() incoming data: libssh then keeps it, the peer's window is
//    not refilled, and Resume(limit) collects up to `limit` bytes of it at a
//    time (back-pressure). libssh 0.10 grants windows of 1,280,000 bytes
//    and nothing smaller, so a held channel may keep up to that much.
//  * A Channel must not outlive its EventLoop; it may outlive its Session
//    (it is then detached and inert).
#ifndef ORGALORG_SSH_CHANNEL_H_
#define ORGALORG_SSH_CHANNEL_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "util/status.h"

struct ssh_session_struct;
struct ssh_channel_struct;
struct ssh_channel_callbacks_struct;

namespace ssh {

class SendBudget;
class Session;

struct ChannelCallbacks {
  std::function<void(std::string_view)> on_stdout;
  std::function<void(std::string_view)> on_stderr;
  std::function<void(int exit_status, std::string signal_name)> on_exit;
  std::function<void()> on_writable;
};

// What on_exit reports (see the contract above): the exit status with no
// text, or -1 with the failure's message (`failure` set), the signal name,
// or "no exit status".
struct ExitReport {
  int status;
  std::string reason;
};
ExitReport DescribeExit(const util::Status* failure, int exit_status,
                        const std::string& exit_signal);

class Channel {
 public:
  ~Channel();  // Closes the remote end if still open. No callback after.
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Sends as much of `data` as the remote window takes now (possibly 0)
  // and returns how many bytes were taken. Wait for on_writable to write
  // the rest. Returns 0 before the command has started or after EOF.
  size_t Write(std::string_view data);
  // Sends EOF on the command's stdin (idempotent).
  void CloseStdin();
  // Delivers a signal ("TERM", "INT", "KILL", ...) to the remote command.
  void Signal(const char* name);
  // Closes the channel; no callback is called afterwards.
  void Close();
  // Forward channels: stop / restart taking data from the peer.
  void Hold() { held_ = true; }
  // Takes up to `limit` held bytes (delivered through on_stdout later);
  // returns true when nothing is left held (the channel then delivers as
  // usual), false when it stays held with more to collect.
  bool Resume(size_t limit);

  bool started() const { return state_ == State::kRunning; }
  bool finished() const { return state_ == State::kDone; }
  const util::Status& error() const { return error_; }
  const std::string& command() const { return command_; }

 private:
  friend class Session;
  enum class State { kOpening, kStarting, kRunning, kDone };

  Channel(Session* session, SendBudget* budget, std::string command,
          ChannelCallbacks callbacks);
  // A direct-tcpip channel to host:port instead of a command.
  // Asks sshd to forward the agent to this command (before exec).
  void SetForwardAgent() { forward_agent_ = true; }
  void SetForward(std::string host, int port) {
    forward_host_ = std::move(host);
    forward_port_ = port;
  }
  // Called by Session.
  bool Open();                      // Allocates the libssh channel.
  void Advance();                   // Drives open and exec requests.
  void Dispatch();                  // Hands buffered events to callbacks.
  // Hands `buffer` (emptied) to `callback`, which may destroy this channel.
  void HandOver(std::string* buffer,
                const std::function<void(std::string_view)>& callback);
  bool CanTakeBytes();              // Running, stdin open, window and room.
  void Fail(util::Status reason);   // Reports -1 + reason (via Dispatch).
  void Detach();                    // The session is going away.
  void Release();                   // Frees the libssh channel.

  static int OnData(ssh_session_struct*, ssh_channel_struct*, void* data,
                    uint32_t len, int is_stderr, void* userdata);
  static void OnClose(ssh_session_struct*, ssh_channel_struct*, void* userdata);
  static void OnEof(ssh_session_struct*, ssh_channel_struct*, void* userdata);
  static void OnExitStatus(ssh_session_struct*, ssh_channel_struct*,
                           int status, void* userdata);
  static void OnExitSignal(ssh_session_struct*, ssh_channel_struct*,
                           const char* signal, int core, const char* errmsg,
                           const char* lang, void* userdata);

  Session* session_;
  SendBudget* budget_;  // The session's; null once detached.
  std::string command_;
  ChannelCallbacks callbacks_;
  ssh_channel_struct* channel_ = nullptr;
  std::unique_ptr<ssh_channel_callbacks_struct> libssh_callbacks_;
  State state_ = State::kOpening;
  std::string stdout_buffer_;
  std::string stderr_buffer_;
  bool remote_closed_ = false;
  bool stdin_closed_ = false;
  bool want_writable_ = false;
  bool exit_reported_ = false;
  int exit_status_ = -1;
  std::string exit_signal_;
  util::Status error_;
  bool failed_ = false;
  std::string forward_host_;  // Non-empty: a forward channel.
  int forward_port_ = 0;
  bool held_ = false;         // Forward: leave incoming data in libssh.
  bool forward_agent_ = false;  // auth-agent-req before exec.
  // Lets Session detect that a callback destroyed this channel.
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace ssh

#endif  // ORGALORG_SSH_CHANNEL_H_
