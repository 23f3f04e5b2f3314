#include "ssh/channel.h"

#include <libssh/callbacks.h>
#include <libssh/libssh.h>

#include <algorithm>
#include <cstring>

#include "ssh/open_failure.h"
#include "ssh/send_budget.h"
#include "ssh/session.h"

namespace ssh {

Channel::Channel(Session* session, SendBudget* budget, std::string command,
                 ChannelCallbacks callbacks)
    : session_(session),
      budget_(budget),
      command_(std::move(command)),
      callbacks_(std::move(callbacks)) {}

Channel::~Channel() {
  Session* session = session_;
  Release();
  if (session != nullptr) {
    session->RemoveChannel(this);
    session->UpdateInterest();  // Our CLOSE may be waiting for the socket.
  }
}

bool Channel::Open() {
  channel_ = ssh_channel_new(session_->session_);
  if (channel_ == nullptr) return false;
  libssh_callbacks_ = std::make_unique<ssh_channel_callbacks_struct>();
  std::memset(libssh_callbacks_.get(), 0, sizeof(ssh_channel_callbacks_struct));
  ssh_callbacks_init(libssh_callbacks_.get());
  libssh_callbacks_->userdata = this;
  libssh_callbacks_->channel_data_function = &Channel::OnData;
  libssh_callbacks_->channel_close_function = &Channel::OnClose;
  libssh_callbacks_->channel_eof_function = &Channel::OnEof;
  libssh_callbacks_->channel_exit_status_function = &Channel::OnExitStatus;
  libssh_callbacks_->channel_exit_signal_function = &Channel::OnExitSignal;
  ssh_set_channel_callbacks(channel_, libssh_callbacks_.get());
  return true;
}

void Channel::Advance() {
  if (channel_ == nullptr || failed_ || state_ == State::kDone) return;
  if (state_ == State::kOpening) {
    int rc = forward_host_.empty()
                 ? ssh_channel_open_session(channel_)
                 : ssh_channel_open_forward(channel_, forward_host_.c_str(), forward_port_,
                                            "127.0.0.1", 0);
    if (rc == SSH_AGAIN) return;
    if (rc != SSH_OK) {
      // A forward's owner names target and jump host; the reason is enough.
      const char* error = ssh_get_error(session_->session_);
      return Fail(util::Status::Error(
          forward_host_.empty() ? "can't open channel: " + DescribeOpenFailure(error, ChannelKind::kSession)
                                : DescribeOpenFailure(error, ChannelKind::kForward)));
    }
    state_ = forward_host_.empty() ? State::kStarting : State::kRunning;
    if (state_ == State::kRunning) want_writable_ = true;
  }
  if (state_ == State::kStarting && forward_agent_) {
    // No reply is asked for: sshd opens agent channels back once it has
    // set SSH_AUTH_SOCK for the command (see agent_forward.h).
    forward_agent_ = false;
    if (ssh_channel_request_auth_agent(channel_) == SSH_ERROR) {
      return Fail(util::Status::Error(
          "can't forward the agent: " + NormalizeErrorText(ssh_get_error(session_->session_))));
    }
  }
  if (state_ == State::kStarting) {
    int rc = ssh_channel_request_exec(channel_, command_.c_str());
    if (rc == SSH_AGAIN) return;
    if (rc != SSH_OK) {
      return Fail(util::Status::Error(
          "can't start command: " +
          NormalizeErrorText(ssh_get_error(session_->session_))));
    }
    state_ = State::kRunning;
    want_writable_ = true;
    if (stdin_closed_) ssh_channel_send_eof(channel_);
  }
}

ExitReport DescribeExit(const util::Status* failure, int exit_status,
                        const std::string& exit_signal) {
  if (failure != nullptr) return {-1, failure->message()};
  if (!exit_signal.empty()) return {-1, exit_signal};
  if (exit_status == -1) return {-1, "no exit status"};
  return {exit_status, ""};
}

void Channel::Dispatch() {
  std::weak_ptr<char> alive = alive_;
  HandOver(&stdout_buffer_, callbacks_.on_stdout);
  if (alive.expired()) return;
  HandOver(&stderr_buffer_, callbacks_.on_stderr);
  if (alive.expired()) return;
  if (want_writable_ && CanTakeBytes()) {
    want_writable_ = false;
    if (callbacks_.on_writable) callbacks_.on_writable();
    if (alive.expired()) return;
  }
  if (exit_reported_ || !(remote_closed_ || failed_)) return;
  exit_reported_ = true;
  state_ = State::kDone;
  ExitReport report = DescribeExit(failed_ ? &error_ : nullptr, exit_status_, exit_signal_);
  if (!failed_) {
    ssh_channel_close(channel_);  // Answer the peer's CLOSE.
    if (session_ != nullptr) session_->UpdateInterest();
  }
  if (callbacks_.on_exit) callbacks_.on_exit(report.status, std::move(report.reason));
}

void Channel::HandOver(std::string* buffer,
                       const std::function<void(std::string_view)>& callback) {
  if (buffer->empty()) return;
  std::string data;
  data.swap(*buffer);
  if (callback) callback(data);
}

bool Channel::CanTakeBytes() {
  return state_ == State::kRunning && !stdin_closed_ && !remote_closed_ &&
         channel_ != nullptr && ssh_channel_window_size(channel_) > 0 &&
         budget_ != nullptr && budget_->Room() > 0;
}

void Channel::Fail(util::Status reason) {
  if (exit_reported_ || failed_) return;
  failed_ = true;
  error_ = std::move(reason);
  if (session_ == nullptr) return;
  std::weak_ptr<char> alive = alive_;
  session_->loop_->Post([this, alive] {
    if (!alive.expired()) Dispatch();
  });
}

size_t Channel::Write(std::string_view data) {
  if (state_ != State::kRunning || stdin_closed_ || remote_closed_ ||
      channel_ == nullptr || data.empty()) {
    return 0;
  }
  size_t window = ssh_channel_window_size(channel_);
  size_t n = budget_->Grant(std::min(data.size(), window));
  if (n == 0) {
    want_writable_ = true;
    session_->UpdateInterest();
    return 0;
  }
  int rc = ssh_channel_write(channel_, data.data(), static_cast<uint32_t>(n));
  size_t taken = rc > 0 ? static_cast<size_t>(rc) : 0;
  budget_->Consume(taken);
  if (taken < data.size()) want_writable_ = true;
  session_->UpdateInterest();
  return taken;
}

void Channel::CloseStdin() {
  if (stdin_closed_) return;
  stdin_closed_ = true;
  if (state_ == State::kRunning && channel_ != nullptr && !remote_closed_) {
    ssh_channel_send_eof(channel_);
    session_->UpdateInterest();
  }
}

void Channel::Signal(const char* name) {
  if (state_ != State::kRunning || channel_ == nullptr || remote_closed_) return;
  ssh_channel_request_send_signal(channel_, name);
  session_->UpdateInterest();
}

void Channel::Close() {
  callbacks_ = ChannelCallbacks();
  exit_reported_ = true;
  state_ = State::kDone;
  Release();
  if (session_ != nullptr) session_->UpdateInterest();
}

void Channel::Detach() {
  Release();
  session_ = nullptr;
  budget_ = nullptr;
  if (!exit_reported_) {
    exit_reported_ = true;
    state_ = State::kDone;
  }
}

void Channel::Release() {
  if (channel_ == nullptr) return;
  ssh_remove_channel_callbacks(channel_, libssh_callbacks_.get());
  ssh_channel_free(channel_);  // Sends CLOSE when still open.
  channel_ = nullptr;
}

bool Channel::Resume(size_t limit) {
  if (channel_ == nullptr || session_ == nullptr) {
    held_ = false;
    return true;
  }
  // What libssh kept while held, a bounded part at a time (read calls
  // refill the peer's window).
  char chunk[16384];
  size_t taken = 0;
  int n = 1;
  while (taken < limit &&
         (n = ssh_channel_read_nonblocking(channel_, chunk,
                                           static_cast<uint32_t>(std::min(sizeof chunk, limit - taken)),
                                           0)) > 0) {
    stdout_buffer_.append(chunk, static_cast<size_t>(n));
    taken += static_cast<size_t>(n);
  }
  held_ = ssh_channel_poll(channel_, 0) > 0;
  // Reading may have made libssh take other packets off the socket, for
  // any channel, with no readable event to come: pump the whole session.
  Session* session = session_;
  std::weak_ptr<char> session_alive = session_->alive_;
  session_->loop_->Post([session, session_alive] {
    if (!session_alive.expired() && session->connected()) session->StepReady(false);
  });
  return !held_;
}

int Channel::OnData(ssh_session_struct*, ssh_channel_struct*, void* data,
                    uint32_t len, int is_stderr, void* userdata) {
  auto* self = static_cast<Channel*>(userdata);
  if (self->held_) return 0;  // libssh keeps it; see Resume().
  (is_stderr ? self->stderr_buffer_ : self->stdout_buffer_)
      .append(static_cast<const char*>(data), len);
  return static_cast<int>(len);
}

void Channel::OnEof(ssh_session_struct*, ssh_channel_struct*, void* userdata) {
  // A forward's peer sends EOF when its TCP connection ended (a target that
  // went away), and OpenSSH sends CLOSE only once we close too: the end.
  auto* self = static_cast<Channel*>(userdata);
  if (!self->forward_host_.empty()) self->remote_closed_ = true;
}

void Channel::OnClose(ssh_session_struct*, ssh_channel_struct*,
                      void* userdata) {
  static_cast<Channel*>(userdata)->remote_closed_ = true;
}

void Channel::OnExitStatus(ssh_session_struct*, ssh_channel_struct*,
                           int status, void* userdata) {
  static_cast<Channel*>(userdata)->exit_status_ = status;
}

void Channel::OnExitSignal(ssh_session_struct*, ssh_channel_struct*,
                           const char* signal, int, const char*, const char*,
                           void* userdata) {
  static_cast<Channel*>(userdata)->exit_signal_ = signal ? signal : "";
}

}  // namespace ssh
