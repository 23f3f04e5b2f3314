#include "ssh/session.h"

#include <libssh/libssh.h>
#include <libssh/server.h>  // ssh_send_keepalive (a client call despite the header).
#include <pwd.h>
#include <unistd.h>

#include <netinet/in.h>
#include <linux/tcp.h>  // TCP_NODELAY, struct tcp_info with tcpi_bytes_received
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "ssh/authenticator.h"
#include "ssh/known_hosts.h"

namespace ssh {
namespace {

// GCM first: cheapest per byte with AES-NI (DESIGN "Transport").
constexpr char kCiphers[] =
    "aes128-gcm@openssh.com,aes256-gcm@openssh.com,"
    "chacha20-poly1305@openssh.com,aes128-ctr";
// curve25519 first: the cheapest handshake libssh 0.10 offers.
constexpr char kKeyExchange[] =
    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
    "diffie-hellman-group14-sha256,diffie-hellman-group16-sha512,"
    "diffie-hellman-group18-sha512";

constexpr char kSystemConfig[] = "/etc/ssh/ssh_config";

std::string CurrentUser() {
  if (const passwd* pw = getpwuid(getuid())) return pw->pw_name;
  return "root";
}

}  // namespace

Session::Session(EventLoop* loop, SessionOptions options)
    : loop_(loop), options_(std::move(options)) {
  key_ring_ = options_.key_ring ? options_.key_ring
                                : std::make_shared<KeyRing>();
  identity_ = SessionIdentity(options_.user.value_or(CurrentUser()),
                              options_.host,
                              options_.port.value_or(kDefaultPort));
}

Session::~Session() {
  for (Channel* channel : channels_) channel->Detach();
  channels_.clear();
  Teardown();
}

util::Status Session::Configure() {
  session_ = ssh_new();
  if (session_ == nullptr) return util::Status::Error("out of memory");
  ssh_options_set(session_, SSH_OPTIONS_LOG_VERBOSITY, &options_.log_verbosity);
  if (ssh_options_set(session_, SSH_OPTIONS_HOST, options_.host.c_str()) < 0) {
    return util::Status::Error("invalid host name " + options_.host);
  }
  if (options_.read_ssh_config) {
    // libssh would find "~" through the password database; $HOME is what
    // the user (and our tests) mean. Missing files are not an error.
    std::string user_config = options_.ssh_config_path;
    const char* home = std::getenv("HOME");
    if (user_config.empty() && home != nullptr) {
      user_config = std::string(home) + "/.ssh/config";
    }
    for (const std::string& path : {user_config, std::string(kSystemConfig)}) {
      if (path.empty()) continue;
      if (ssh_options_parse_config(session_, path.c_str()) < 0) {
        return util::Status::Error("can't read ssh config " + path + ": " +
                                   NormalizeErrorText(ssh_get_error(session_)));
      }
    }
  }
  if (options_.read_ssh_config && options_.identity_from_config) AddConfigIdentity();
  // Done above (or deliberately skipped): ssh_connect must not do it again.
  bool process_config = false;
  ssh_options_set(session_, SSH_OPTIONS_PROCESS_CONFIG, &process_config);
  // Explicit values win over ~/.ssh/config, so they are set after it.
  if (options_.user) ssh_options_set(session_, SSH_OPTIONS_USER, options_.user->c_str());
  if (options_.port) {
    int port = *options_.port;
    ssh_options_set(session_, SSH_OPTIONS_PORT, &port);
  }
  if (!options_.known_hosts_path.empty()) {
    ssh_options_set(session_, SSH_OPTIONS_KNOWNHOSTS,
                    options_.known_hosts_path.c_str());
  }
  ssh_options_set(session_, SSH_OPTIONS_CIPHERS_C_S, kCiphers);
  ssh_options_set(session_, SSH_OPTIONS_CIPHERS_S_C, kCiphers);
  ssh_options_set(session_, SSH_OPTIONS_KEY_EXCHANGE, kKeyExchange);
  int nodelay = 1;
  ssh_options_set(session_, SSH_OPTIONS_NODELAY, &nodelay);
  ssh_set_blocking(session_, 0);

  char* user = nullptr;
  unsigned int port = kDefaultPort;
  ssh_options_get_port(session_, &port);
  if (ssh_options_get(session_, SSH_OPTIONS_USER, &user) == SSH_OK) {
    identity_ = SessionIdentity(user, options_.host, static_cast<int>(port));
    ssh_string_free_char(user);
  }
  return util::Status::Ok();
}

void Session::AddConfigIdentity() {
  // libssh's list starts with its own defaults (`%d/id_*`) unless the config
  // put an IdentityFile in front of them.
  char* first = nullptr;
  if (ssh_options_get(session_, SSH_OPTIONS_IDENTITY, &first) != SSH_OK) return;
  std::string path = first;
  ssh_string_free_char(first);
  if (path.rfind("%d/id_", 0) == 0) return;
  const char* home = std::getenv("HOME");
  path = ExpandIdentityPath(path, home != nullptr ? home : "", CurrentUser());
  std::vector<std::string>& files = options_.identity_files;
  if (std::find(files.begin(), files.end(), path) == files.end()) {
    files.insert(files.begin(), path);
  }
}

void Session::Connect(DoneCallback done) {
  done_ = std::move(done);
  connect_started_ = last_receive_ = Clock::now();
  state_ = State::kConnecting;
  // Run the first step from the loop: `done` never fires inside Connect().
  std::weak_ptr<char> alive = alive_;
  loop_->Post([this, alive] {
    if (!alive.expired() && state_ == State::kConnecting) StartConnect();
  });
}

void Session::StartConnect() {
  connect_started_ = last_receive_ = Clock::now();
  ArmTimer(connect_started_ + options_.connect_timeout);
  Attempt();
}

void Session::Attempt() {
  util::Status status = Configure();
  if (!status.ok()) return Finish(status);
  char* proxy = nullptr;
  bool proxied = ssh_options_get(session_, SSH_OPTIONS_PROXYCOMMAND, &proxy) == SSH_OK;
  if (proxy != nullptr) ssh_string_free_char(proxy);
  if (!options_.resolver || proxied) return StartSsh();
  if (!endpoints_.empty()) {  // A retry: the name is known already.
    next_endpoint_ = 0;
    return ConnectNextEndpoint();
  }
  std::string name = options_.host;  // ~/.ssh/config's HostName, if any, below.
  char* host = nullptr;
  if (ssh_options_get(session_, SSH_OPTIONS_HOST, &host) == SSH_OK) {
    name = host;
    ssh_string_free_char(host);
  }
  unsigned int port = kDefaultPort;
  ssh_options_get_port(session_, &port);
  std::weak_ptr<char> alive = alive_;
  lookup_ = options_.resolver->Lookup(name, static_cast<int>(port),
                                      [this, alive](util::StatusOr<std::vector<Endpoint>> result) {
                                        if (alive.expired()) return;
                                        lookup_ = 0;
                                        OnResolved(std::move(result));
                                      });
}

void Session::OnResolved(util::StatusOr<std::vector<Endpoint>> endpoints) {
  if (!endpoints.ok()) return Finish(endpoints.status());
  endpoints_ = std::move(*endpoints);
  next_endpoint_ = 0;
  ConnectNextEndpoint();
}

void Session::ConnectNextEndpoint() {
  while (next_endpoint_ < endpoints_.size()) {
    const Endpoint& endpoint = endpoints_[next_endpoint_++];
    int fd = socket(endpoint.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      tcp_error_ = std::strerror(errno);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, reinterpret_cast<const sockaddr*>(&endpoint.address), endpoint.length) == 0) {
      tcp_fd_ = fd;
      return StartSsh();
    }
    if (errno != EINPROGRESS) {
      tcp_error_ = std::strerror(errno);
      close(fd);
      continue;
    }
    tcp_fd_ = fd;
    std::weak_ptr<char> alive = alive_;
    util::Status status;
    tcp_watch_ = loop_->Watch(
        fd, kWritable,
        [this, alive](uint32_t) {
          if (!alive.expired()) OnTcpEvent();
        },
        true, &status);
    if (tcp_watch_ == 0) return Finish(status);
    return;
  }
  Finish(util::Status::Error(NormalizeErrorText(tcp_error_.empty() ? "can't connect" : tcp_error_)));
}

void Session::OnTcpEvent() {
  int error = 0;
  socklen_t length = sizeof error;
  if (getsockopt(tcp_fd_, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
  loop_->Unwatch(tcp_watch_);
  tcp_watch_ = 0;
  if (error != 0) {
    tcp_error_ = std::strerror(error);
    close(tcp_fd_);
    tcp_fd_ = -1;
    return ConnectNextEndpoint();
  }
  StartSsh();
}

void Session::StartSsh() {
  if (tcp_fd_ >= 0) {
    socket_t fd = tcp_fd_;
    if (ssh_options_set(session_, SSH_OPTIONS_FD, &fd) < 0) return Finish(ConnectError());
    tcp_fd_ = -1;  // libssh closes it from now on.
    own_socket_ = true;
  }
  int rc = ssh_connect(session_);  // Without our socket: resolves, connects.
  if (rc == SSH_ERROR) return Finish(ConnectError());
  socket_t fd = ssh_get_fd(session_);
  if (fd == SSH_INVALID_SOCKET) {
    return Finish(util::Status::Error("can't connect: no socket"));
  }
  std::weak_ptr<char> alive = alive_;
  util::Status status;
  watch_ = loop_->Watch(
      fd, kReadable | kWritable,
      [this, alive](uint32_t events) {
        if (!alive.expired()) OnFdEvent(events);
      },
      true, &status);
  if (watch_ == 0) return Finish(status);
  interest_ = kReadable | kWritable;
  if (rc == SSH_OK) {
    StepConnect();
  } else {
    UpdateInterest();
  }
}

bool Session::RetryBannerRefusal() {
  if (!own_socket_ || ssh_get_serverbanner(session_) != nullptr) return false;
  ++banner_refusals_;
  long long pause_ms = std::min(1000LL, 50LL << std::min(banner_refusals_ - 1, 5));
  pause_ms = pause_ms / 2 + static_cast<long long>(std::rand() % (pause_ms / 2 + 1));
  TimePoint deadline = std::max(connect_started_, key_ring_->last_prompt_end()) + options_.connect_timeout;
  if (Clock::now() + Milliseconds(pause_ms) >= deadline) return false;
  ResetAttempt();
  std::weak_ptr<char> alive = alive_;
  retry_timer_ = loop_->AddTimerAfter(Milliseconds(pause_ms), [this, alive] {
    if (alive.expired()) return;
    retry_timer_ = 0;
    Attempt();
  });
  return true;
}

util::Status Session::ConnectError() const {
  std::string text = NormalizeErrorText(ssh_get_error(session_));
  if (text.empty()) text = "connection failed";
  return util::Status::Error(text);
}

void Session::OnFdEvent(uint32_t events) {
  if (events & kReadable) last_receive_ = Clock::now();
  switch (state_) {
    case State::kConnecting:
      return StepConnect();
    case State::kAuthenticating:
      return StepAuth();
    case State::kReady:
      return StepReady((events & kWritable) != 0);
    default:
      return;
  }
}

void Session::StepConnect() {
  int rc = ssh_connect(session_);
  if (rc == SSH_AGAIN) return UpdateInterest();
  if (rc != SSH_OK) {
    bool before_banner = own_socket_ && ssh_get_serverbanner(session_) == nullptr;
    if (before_banner && RetryBannerRefusal()) return;
    if (!before_banner || banner_refusals_ == 0) return Finish(ConnectError());
    return Finish(util::Status::Error(
        fmt::format("the server closed the connection before its SSH banner, {} times in {} ms (sshd "
                    "MaxStartups?)",
                    banner_refusals_ + 1, MillisecondsSince(connect_started_))));
  }
  util::Status host_key = VerifyHostKey(session_, options_.host_key_policy,
                                        options_.host,
                                        options_.known_hosts_path);
  if (!host_key.ok()) return Finish(host_key);
  state_ = State::kAuthenticating;
  authenticator_ = std::make_unique<Authenticator>(session_, options_,
                                                   key_ring_.get());
  StepAuth();
}

void Session::StepAuth() {
  util::Status result;
  if (!authenticator_->Step(&result)) return UpdateInterest();
  if (result.ok()) {
    const char* kex = ssh_get_kex_algo(session_);
    const char* cipher = ssh_get_cipher_out(session_);
    details_ = fmt::format("{}, {}, {}", kex ? kex : "?", cipher ? cipher : "?",
                           authenticator_->Method());
  }
  authenticator_.reset();
  if (!result.ok()) return Finish(result);
  // Established: from now on the socket is pumped through an event that
  // holds only this session (O(1) per call, unlike one shared ssh_event).
  event_ = ssh_event_new();
  if (event_ == nullptr || ssh_event_add_session(event_, session_) != SSH_OK) {
    return Finish(util::Status::Error("can't set up session polling"));
  }
  state_ = State::kReady;
  last_receive_ = last_keep_alive_ = Clock::now();
  NoteKernelReceive(last_receive_);  // The handshake's bytes are not news.
  UpdateInterest();
  Finish(util::Status::Ok());
}

void Session::Finish(util::Status status) {
  if (!status.ok()) {
    Teardown();
    state_ = State::kClosed;
  } else {
    OnTimer();  // Replaces the handshake deadline by the keep-alive one.
  }
  DoneCallback done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(status));  // May destroy *this: return right after.
}

void Session::StepReady(bool writable) {
  std::weak_ptr<char> alive = alive_;
  send_room_.reset();  // The kernel may have sent (or acknowledged) data.
  if (writable) {
    writable_credit_ = true;
    waiting_for_room_ = false;
  }
  int rc = ssh_event_dopoll(event_, 0);
  bool lost = rc == SSH_ERROR || ssh_is_connected(session_) == 0 ||
              (ssh_get_status(session_) & (SSH_CLOSED | SSH_CLOSED_ERROR));
  // Deliver what arrived first, even when the connection just died.
  std::vector<std::pair<Channel*, std::weak_ptr<char>>> snapshot;
  snapshot.reserve(channels_.size());
  for (Channel* channel : channels_) snapshot.emplace_back(channel, channel->alive_);
  for (auto& [channel, channel_alive] : snapshot) {
    if (alive.expired()) return;
    if (channel_alive.expired()) continue;
    if (!lost) channel->Advance();
    channel->Dispatch();
  }
  if (alive.expired()) return;
  send_room_.reset();
  if (lost) {
    std::string text = NormalizeErrorText(ssh_get_error(session_));
    if (text.empty()) text = "connection closed by remote host";
    return Lose(util::Status::Error("connection lost: " + text));
  }
  UpdateInterest();
}

void Session::Lose(util::Status reason) {
  if (state_ != State::kReady) return;
  std::weak_ptr<char> alive = alive_;
  state_ = State::kClosed;
  std::vector<std::pair<Channel*, std::weak_ptr<char>>> snapshot;
  for (Channel* channel : channels_) snapshot.emplace_back(channel, channel->alive_);
  for (auto& [channel, channel_alive] : snapshot) {
    if (alive.expired()) return;
    if (channel_alive.expired()) continue;
    channel->Fail(reason);
    if (!channel_alive.expired()) channel->Dispatch();
  }
  if (alive.expired()) return;
  for (Channel* channel : channels_) channel->Release();
  Teardown();
  auto on_disconnect = std::move(on_disconnect_);
  on_disconnect_ = nullptr;
  if (on_disconnect) on_disconnect(reason);
}

void Session::Disconnect() {
  for (Channel* channel : channels_) channel->Detach();
  channels_.clear();
  if (session_ != nullptr && state_ == State::kReady) ssh_disconnect(session_);
  Teardown();
  state_ = State::kClosed;
}

void Session::Teardown() {
  if (timer_ != 0) loop_->CancelTimer(timer_);
  timer_ = 0;
  if (retry_timer_ != 0) loop_->CancelTimer(retry_timer_);
  retry_timer_ = 0;
  if (lookup_ != 0) options_.resolver->Cancel(lookup_);
  lookup_ = 0;
  ResetAttempt();
}

void Session::ResetAttempt() {
  if (tcp_watch_ != 0) loop_->Unwatch(tcp_watch_);
  tcp_watch_ = 0;
  if (tcp_fd_ >= 0) close(tcp_fd_);
  tcp_fd_ = -1;
  own_socket_ = false;
  if (watch_ != 0) loop_->Unwatch(watch_);  // Before the fd is closed.
  watch_ = 0;
  interest_ = 0;
  authenticator_.reset();
  if (event_ != nullptr) {
    if (session_ != nullptr) ssh_event_remove_session(event_, session_);
    ssh_event_free(event_);
    event_ = nullptr;
  }
  if (session_ != nullptr) ssh_free(session_);
  session_ = nullptr;
}

void Session::UpdateInterest() {
  if (watch_ == 0 || session_ == nullptr) return;
  uint32_t interest = kReadable;
  if ((ssh_get_poll_flags(session_) & SSH_WRITE_PENDING) || waiting_for_room_) {
    interest |= kWritable;
  }
  if (interest != interest_) {
    loop_->Modify(watch_, interest);
    interest_ = interest;
  }
}

void Session::ArmTimer(TimePoint when) {
  if (timer_ != 0) loop_->CancelTimer(timer_);
  timer_ = 0;
  if (when == TimePoint::max()) return;
  std::weak_ptr<char> alive = alive_;
  timer_ = loop_->AddTimer(when, [this, alive] {
    if (alive.expired()) return;
    timer_ = 0;
    OnTimer();
  });
}

void Session::OnTimer() {
  TimePoint now = Clock::now();
  if (state_ == State::kConnecting || state_ == State::kAuthenticating) {
    // Time spent at a passphrase prompt does not count against the host.
    TimePoint start = std::max(connect_started_, key_ring_->last_prompt_end());
    TimePoint deadline = start + options_.connect_timeout;
    if (now < deadline) return ArmTimer(deadline);
    std::string why = "connection timed out after " + std::to_string(options_.connect_timeout.count()) + " ms";
    if (banner_refusals_ > 0) {
      why += fmt::format(" (the server closed {} connections before its SSH banner: sshd MaxStartups?)",
                         banner_refusals_);
    }
    return Finish(util::Status::Error(why));
  }
  if (state_ != State::kReady) return;
  const auto& dead_after = options_.dead_after;
  const auto& keep_alive = options_.keep_alive;
  NoteKernelReceive(now);
  if (dead_after.count() > 0 && now - last_receive_ >= dead_after) {
    return Lose(util::Status::Error(
        "host stopped answering: nothing received for " +
        std::to_string(dead_after.count()) + " ms"));
  }
  TimePoint next = TimePoint::max();
  if (keep_alive.count() > 0) {
    TimePoint idle_since = std::max(last_receive_, last_keep_alive_);
    if (now - idle_since >= keep_alive) {
      SendKeepAlive();
      idle_since = now;
    }
    next = idle_since + keep_alive;
  }
  if (dead_after.count() > 0) next = std::min(next, last_receive_ + dead_after);
  ArmTimer(next);
}

void Session::NoteKernelReceive(TimePoint now) {
  int fd = session_ != nullptr ? ssh_get_fd(session_) : -1;
  tcp_info info{};
  socklen_t length = sizeof info;
  if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0 ||
      length < offsetof(tcp_info, tcpi_bytes_received) + sizeof info.tcpi_bytes_received) {
    return;
  }
  if (info.tcpi_bytes_received != bytes_received_) {
    bytes_received_ = info.tcpi_bytes_received;
    last_receive_ = std::max(last_receive_, now);
  }
}

void Session::SendKeepAlive() {
  last_keep_alive_ = Clock::now();
  // libssh keeps one global request in flight: the first call collects the
  // previous answer when there is one, so call twice to send one request
  // per interval. The server answers (with a refusal), which is what proves
  // it is alive.
  ssh_send_keepalive(session_);
  ssh_send_keepalive(session_);
  UpdateInterest();
}

util::StatusOr<std::unique_ptr<Channel>> Session::Exec(
    std::string command, ChannelCallbacks callbacks) {
  if (state_ != State::kReady) {
    return util::Status::Error("can't run command: not connected");
  }
  std::unique_ptr<Channel> channel(
      new Channel(this, std::move(command), std::move(callbacks)));
  if (!channel->Open()) {
    return util::Status::Error("can't open channel: " +
                               NormalizeErrorText(ssh_get_error(session_)));
  }
  channels_.push_back(channel.get());
  channel->Advance();  // Sends the open request now; Dispatch reports later.
  UpdateInterest();
  return channel;
}

void Session::ReserveSendBuffer(int bytes) {
  if (session_ == nullptr || state_ != State::kReady) return;
  int fd = ssh_get_fd(session_);
  // A size set by hand no longer moves (the kernel stops autotuning it):
  // read it back once instead of on every SocketSendRoom().
  socklen_t len = sizeof(fixed_sndbuf_);
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes)) != 0 ||
      getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &fixed_sndbuf_, &len) != 0) {
    fixed_sndbuf_ = 0;
  }
  send_room_.reset();
}

void Session::ConsumeSendRoom(size_t bytes) {
  if (bytes > 0) writable_credit_ = false;
  if (!send_room_) return;
  // libssh adds a header, padding and a MAC to every packet of <= 32 KiB.
  size_t cost = bytes + (bytes / kMinSendChunk + 1) * 128;
  *send_room_ = *send_room_ > cost ? *send_room_ - cost : 0;
}

size_t Session::SocketSendRoom() {
  if (session_ == nullptr) return 0;
  if (send_room_) return *send_room_;
  if (ssh_get_poll_flags(session_) & SSH_WRITE_PENDING) {
    send_room_ = 0;
    return 0;
  }
  int fd = ssh_get_fd(session_);
  int sndbuf = fixed_sndbuf_;
  socklen_t len = sizeof(sndbuf);
  int queued = 0;
  if (fd < 0 || (sndbuf == 0 && getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) != 0) ||
      ioctl(fd, SIOCOUTQ, &queued) != 0) {
    return kMinSendChunk;  // Unknown: allow a modest write.
  }
  // The kernel reports twice the payload it accepts (bookkeeping overhead);
  // stay under the payload estimate so that what we write goes to the
  // kernel at once instead of waiting in libssh's buffer.
  long room = static_cast<long>(sndbuf) / 2 - queued;
  // At EPOLLOUT the kernel had a third of the buffer free.
  if (writable_credit_) room = std::max(room, static_cast<long>(sndbuf) / 4);
  send_room_ = room > 0 ? static_cast<size_t>(room) : 0;
  return *send_room_;
}

void Session::RemoveChannel(Channel* channel) {
  channels_.erase(std::remove(channels_.begin(), channels_.end(), channel),
                  channels_.end());
}

}  // namespace ssh
