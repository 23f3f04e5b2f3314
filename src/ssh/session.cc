#include "ssh/session.h"

#include <libssh/libssh.h>
#include <libssh/server.h>  // ssh_send_keepalive (a client call despite the header).

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <random>

#include <fmt/format.h>

#include "ssh/agent_forward.h"
#include "ssh/authenticator.h"
#include "ssh/jump_host.h"
#include "ssh/jump_router.h"
#include "ssh/jump_spec.h"
#include "ssh/known_hosts.h"
#include "ssh/ssh_config.h"

namespace ssh {

Session::Session(EventLoop* loop, SessionOptions options)
    : loop_(loop),
      options_(std::move(options)),
      liveness_(options_.keep_alive, options_.dead_after),
      send_budget_([this] { return ReadSendBudget(); }) {
  key_ring_ = options_.key_ring ? options_.key_ring
                                : std::make_shared<KeyRing>();
  identity_ = SessionIdentity(options_.user.value_or(LocalUser()),
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
  util::Status status =
      ConfigureSession(session_, &options_, std::getenv("HOME"), LocalUser(), &config_jump_);
  if (!status.ok()) return status;
  SshTarget target = ReadTarget(session_, options_.host);
  if (target.user) identity_ = SessionIdentity(*target.user, options_.host, target.port);
  return util::Status::Ok();
}

void Session::Connect(DoneCallback done) {
  done_ = std::move(done);
  connect_started_ = Clock::now();
  liveness_.NoteReceived(connect_started_);
  state_ = State::kConnecting;
  // Run the first step from the loop: `done` never fires inside Connect().
  std::weak_ptr<char> alive = alive_;
  loop_->Post([this, alive] {
    if (!alive.expired() && state_ == State::kConnecting) StartConnect();
  });
}

void Session::StartConnect() {
  connect_started_ = Clock::now();
  liveness_.NoteReceived(connect_started_);
  ArmTimer(connect_started_ + options_.connect_timeout);
  Attempt();
}

void Session::Attempt() {
  util::Status status = Configure();
  if (!status.ok()) return Finish(status);
  SshTarget target = ReadTarget(session_, options_.host);
  util::StatusOr<JumpChain> chain = JumpRoute();
  if (!chain.ok()) return Finish(chain.status());
  if (options_.direct_only && (!chain->empty() || target.proxied)) {
    needs_route_ = true;
    return Finish(util::Status::Error("needs a jump host or a ProxyCommand"));
  }
  if (!chain->empty()) return ConnectThrough(*chain, target.name, target.port);
  std::weak_ptr<char> alive = alive_;
  if (!options_.resolver || target.proxied) return StartSsh();
  if (!connector_) connector_ = std::make_unique<TcpConnector>(loop_, options_.resolver.get());
  // A retry reuses the addresses found the first time.
  connector_->Connect(target.name, target.port, [this, alive](util::StatusOr<int> fd) {
    if (!alive.expired()) OnTcpConnected(std::move(fd));
  });
}

util::StatusOr<JumpChain> Session::JumpRoute() const {
  if (options_.jump) return *options_.jump;
  if (!config_jump_) return JumpChain{};
  util::StatusOr<JumpChain> chain = ParseJumpChain(*config_jump_);
  if (!chain.ok()) return chain.status().Wrap("ProxyJump " + *config_jump_ + " in the ssh config");
  return chain;
}

void Session::ConnectThrough(const JumpChain& chain, const std::string& host, int port) {
  if (options_.jump_router == nullptr) {
    return Finish(util::Status::Error("can't go through jump host " + JumpChainText(chain) + " here"));
  }
  util::StatusOr<JumpHost*> hop = options_.jump_router->Hop(chain, this);
  if (!hop.ok()) return Finish(hop.status());
  via_ = *hop;
  std::weak_ptr<char> alive = alive_;
  (*hop)->OpenTunnel(host, port, [this, alive](util::StatusOr<int> fd) {
    if (alive.expired()) {
      if (fd.ok()) close(*fd);  // Gone meanwhile: the tunnel sees EOF and ends.
      return;
    }
    if (!fd.ok()) blocked_by_ = via_->failed_hop();
    OnTcpConnected(std::move(fd));
  });
}

std::string Session::route() const { return via_ != nullptr ? via_->Route() : ""; }

void Session::OnTcpConnected(util::StatusOr<int> fd) {
  if (session_ == nullptr || state_ != State::kConnecting) {  // Late: we gave up.
    if (fd.ok()) close(*fd);
    return;
  }
  if (!fd.ok()) return Finish(fd.status());
  socket_t socket = *fd;
  if (ssh_options_set(session_, SSH_OPTIONS_FD, &socket) < 0) {
    close(socket);
    return Finish(ConnectError());
  }
  own_socket_ = true;  // libssh closes it from now on.
  StartSsh();
}

void Session::StartSsh() {
  kex_known_hosts_ = std::make_unique<KexKnownHosts>(session_);
  int rc = ssh_connect(session_);  // Without our socket: resolves, connects.
  if (rc == SSH_ERROR) return Finish(ConnectError());
  socket_t fd = ssh_get_fd(session_);
  if (fd == SSH_INVALID_SOCKET) {
    return Finish(util::Status::Error("can't connect: no socket"));
  }
  util::Status watched = WatchSocket(fd, kReadable | kWritable);
  if (!watched.ok()) return Finish(watched);
  if (rc == SSH_OK) {
    StepConnect();
  } else {
    UpdateInterest();
  }
}

namespace {

// Randomness for retry pauses only; one generator per thread (shards).
long Jitter() {
  thread_local std::minstd_rand generator(std::random_device{}());
  return static_cast<long>(generator());
}

}  // namespace

bool Session::RetryBannerRefusal() {
  if (!own_socket_ || ssh_get_serverbanner(session_) != nullptr) return false;
  std::optional<Milliseconds> pause =
      banner_backoff_.Next(Clock::now(), HandshakeDeadline(), Jitter());
  if (!pause) return false;
  ResetAttempt();
  std::weak_ptr<char> alive = alive_;
  retry_timer_ = loop_->AddTimerAfter(*pause, [this, alive] {
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
  if (events & kReadable) liveness_.NoteReceived(Clock::now());
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
    if (!before_banner || banner_backoff_.refusals() == 0) return Finish(ConnectError());
    return Finish(util::Status::Error(
        banner_backoff_.GiveUpText(MillisecondsSince(connect_started_))));
  }
  kex_known_hosts_->Restore();
  util::Status host_key = VerifyHostKey(session_, options_.host_key_policy,
                                        options_.host,
                                        options_.known_hosts_path);
  if (!host_key.ok()) return Finish(host_key);
  host_key_ = ServerHostKeyText(session_);
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
  if (result.ok()) result = StartPolling();
  if (!result.ok()) return Finish(result);
  UpdateInterest();
  Finish(util::Status::Ok());
}

util::Status Session::StartPolling() {
  // Established: from now on the socket is pumped through an event that
  // holds only this session (O(1) per call, unlike one shared ssh_event).
  event_ = ssh_event_new();
  if (event_ == nullptr || ssh_event_add_session(event_, session_) != SSH_OK) {
    return util::Status::Error("can't set up session polling");
  }
  state_ = State::kReady;
  // The handshake's bytes are not news.
  liveness_.Start(Clock::now(), KernelBytesReceived(Fd()));
  return util::Status::Ok();
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
  send_budget_.NewEvent(writable);  // The kernel may have sent (or acknowledged) data.
  int rc = ssh_event_dopoll(event_, 0);
  bool lost = rc == SSH_ERROR || ssh_is_connected(session_) == 0 ||
              (ssh_get_status(session_) & (SSH_CLOSED | SSH_CLOSED_ERROR));
  if (!PumpChannels(lost)) return;
  send_budget_.Forget();
  if (lost) {
    std::string text = NormalizeErrorText(ssh_get_error(session_));
    if (text.empty()) text = "connection closed by remote host";
    return Lose(util::Status::Error("connection lost: " + text));
  }
  UpdateInterest();
}

bool Session::PumpChannels(bool lost) {
  std::weak_ptr<char> alive = alive_;
  // Deliver what arrived first, even when the connection just died.
  std::vector<std::pair<Channel*, std::weak_ptr<char>>> snapshot;
  snapshot.reserve(channels_.size());
  for (Channel* channel : channels_) snapshot.emplace_back(channel, channel->alive_);
  for (auto& [channel, channel_alive] : snapshot) {
    if (alive.expired()) return false;
    if (channel_alive.expired()) continue;
    if (!lost) channel->Advance();
    channel->Dispatch();
  }
  return !alive.expired();
}

void Session::Lose(util::Status reason) {
  if (state_ != State::kReady) return;
  if (const JumpHost* hop = via_ != nullptr ? via_->failed_hop() : nullptr) {
    reason = util::Status::Error("connection to jump host " + hop->identity() + " lost");
    std::string why = hop->failure()->message();  // "connection lost: <why>"
    if (why.rfind("connection lost: ", 0) == 0) why.erase(0, 17);
    reason.AddCause(util::Status::Error(why));
  }
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

void Session::LeaveLoop() {
  if (timer_ != 0) loop_->CancelTimer(timer_);
  timer_ = 0;
  if (watch_ != 0) loop_->Unwatch(watch_);
  watch_ = 0;
  interest_ = 0;
  connector_.reset();          // It belongs to the old loop.
  options_.resolver = nullptr;  // So does the resolver.
  loop_ = nullptr;
}

util::Status Session::JoinLoop(EventLoop* loop) {
  loop_ = loop;
  util::Status watched = WatchSocket(Fd(), kReadable);
  if (!watched.ok()) return watched;
  UpdateInterest();
  OnTimer();  // Arms the keep-alive timer here.
  return util::Status::Ok();
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
  ResetAttempt();
}

void Session::ResetAttempt() {
  agent_.reset();  // Before the libssh session it uses.
  if (connector_) connector_->Cancel();  // A lookup or a socket still connecting.
  own_socket_ = false;
  if (watch_ != 0) loop_->Unwatch(watch_);  // Before the fd is closed.
  watch_ = 0;
  interest_ = 0;
  authenticator_.reset();
  kex_known_hosts_.reset();
  if (event_ != nullptr) {
    if (session_ != nullptr) ssh_event_remove_session(event_, session_);
    ssh_event_free(event_);
    event_ = nullptr;
  }
  if (session_ != nullptr) ssh_free(session_);
  session_ = nullptr;
}

util::Status Session::WatchSocket(int fd, uint32_t interest) {
  std::weak_ptr<char> alive = alive_;
  util::Status status;
  watch_ = loop_->Watch(
      fd, interest,
      [this, alive](uint32_t events) {
        if (!alive.expired()) OnFdEvent(events);
      },
      true, &status);
  if (watch_ == 0) return status;
  interest_ = interest;
  return util::Status::Ok();
}

void Session::UpdateInterest() {
  if (watch_ == 0 || session_ == nullptr) return;
  uint32_t interest = kReadable;
  if ((ssh_get_poll_flags(session_) & SSH_WRITE_PENDING) || send_budget_.waiting_for_room()) {
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
    return CheckHandshakeDeadline(now);
  }
  if (state_ == State::kReady) CheckLiveness(now);
}

TimePoint Session::HandshakeDeadline() const {
  return std::max(connect_started_, key_ring_->last_prompt_end()) + options_.connect_timeout;
}

void Session::CheckHandshakeDeadline(TimePoint now) {
  TimePoint deadline = HandshakeDeadline();
  if (now < deadline) return ArmTimer(deadline);
  Finish(util::Status::Error("connection timed out after " +
                             std::to_string(options_.connect_timeout.count()) + " ms" +
                             banner_backoff_.TimeoutNote()));
}

void Session::CheckLiveness(TimePoint now) {
  if (std::optional<uint64_t> count = KernelBytesReceived(Fd())) {
    liveness_.NoteKernelCount(*count, now);
  }
  Liveness::Decision decision = liveness_.Check(now);
  if (decision.dead) {
    return Lose(util::Status::Error(
        "host stopped answering: nothing received for " +
        std::to_string(liveness_.dead_after().count()) + " ms"));
  }
  if (decision.send_keep_alive) SendKeepAlive();
  ArmTimer(decision.next);
}

void Session::SendKeepAlive() {
  // libssh keeps one global request in flight: the first call collects the
  // previous answer when there is one, so call twice to send one request
  // per interval. The server answers (with a refusal), which is what proves
  // it is alive.
  ssh_send_keepalive(session_);
  ssh_send_keepalive(session_);
  UpdateInterest();
}

int Session::Fd() const {
  return session_ != nullptr ? ssh_get_fd(session_) : -1;
}

util::StatusOr<std::unique_ptr<Channel>> Session::Exec(
    std::string command, ChannelCallbacks callbacks) {
  if (state_ != State::kReady) {
    return util::Status::Error("can't run command: not connected");
  }
  return AddChannel(std::unique_ptr<Channel>(
      new Channel(this, &send_budget_, std::move(command), std::move(callbacks))));
}

util::StatusOr<std::unique_ptr<Channel>> Session::ExecForwardingAgent(
    std::string command, ChannelCallbacks callbacks) {
  if (state_ != State::kReady) {
    return util::Status::Error("can't run command: not connected");
  }
  std::unique_ptr<Channel> channel(new Channel(this, &send_budget_, std::move(command), std::move(callbacks)));
  channel->SetForwardAgent();
  return AddChannel(std::move(channel));
}

util::Status Session::ForwardAgent(const std::string& socket) {
  if (state_ != State::kReady) return util::Status::Error("can't forward the agent: not connected");
  if (agent_ && agent_->stopped()) agent_.reset();  // A new phase: forward again.
  if (!agent_) {
    std::weak_ptr<char> alive = alive_;
    agent_ = std::make_unique<AgentForwarder>(loop_, session_, socket, [this, alive] {
      if (!alive.expired()) UpdateInterest();
    });
  }
  return util::Status::Ok();
}

void Session::StopAgentForwarding() {
  if (agent_) agent_->Stop();
}

util::StatusOr<std::unique_ptr<Channel>> Session::OpenForward(const std::string& host, int port,
                                                              ChannelCallbacks callbacks) {
  if (state_ != State::kReady) {
    return util::Status::Error("can't open a forward: not connected");
  }
  std::unique_ptr<Channel> channel(new Channel(this, &send_budget_, "", std::move(callbacks)));
  channel->SetForward(host, port);
  return AddChannel(std::move(channel));
}

util::StatusOr<std::unique_ptr<Channel>> Session::AddChannel(std::unique_ptr<Channel> channel) {
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
  // A size set by hand no longer moves (the kernel stops autotuning it):
  // read it back once instead of at every reading.
  fixed_sndbuf_ = FixSendBuffer(Fd(), bytes);
  send_budget_.Forget();
}

std::optional<SendBudget::Reading> Session::ReadSendBudget() const {
  SendBudget::Reading nothing_fits;
  nothing_fits.unsent = true;
  if (session_ == nullptr) return nothing_fits;
  if (ssh_get_poll_flags(session_) & SSH_WRITE_PENDING) return nothing_fits;
  return ReadSendQueue(Fd(), fixed_sndbuf_);
}

void Session::RemoveChannel(Channel* channel) {
  channels_.erase(std::remove(channels_.begin(), channels_.end(), channel),
                  channels_.end());
}

}  // namespace ssh
