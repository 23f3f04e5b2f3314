#include "ssh/jump_host.h"

#include <algorithm>

namespace ssh {

JumpHost::JumpHost(EventLoop* loop, SessionOptions options)
    : loop_(loop), session_(loop, std::move(options)) {}

JumpHost::~JumpHost() {
  tunnels_.clear();  // Before the session their channels live on.
}

void JumpHost::Route(const std::shared_ptr<JumpHost>& jump, SessionOptions* options) {
  options->tunnel = [jump](const std::string& host, int port, Tunnel::OpenedCallback done) {
    jump->OpenTunnel(host, port, std::move(done));
  };
}

void JumpHost::OpenTunnel(const std::string& host, int port, Tunnel::OpenedCallback done) {
  Request request{host, port, std::move(done)};
  switch (state_) {
    case State::kIdle:
      state_ = State::kConnecting;
      session_.SetOnDisconnect([this](util::Status reason) {
        state_ = State::kFailed;
        cause_ = reason;
        error_ = reason.Wrap("jump host " + session_.identity());
        auto tunnels = std::move(tunnels_);  // Each closes its target's socket.
        tunnels.clear();
      });
      session_.Connect([this](util::Status status) { OnConnected(std::move(status)); });
      [[fallthrough]];
    case State::kConnecting:
      waiting_.push_back(std::move(request));
      return;
    case State::kReady:
      return Start(std::move(request));
    case State::kFailed: {
      util::Status error = error_;
      loop_->Post([done = std::move(request.done), error] { done(error); });
      return;
    }
  }
}

void JumpHost::OnConnected(util::Status status) {
  state_ = status.ok() ? State::kReady : State::kFailed;
  if (!status.ok()) {
    cause_ = status;
    error_ = status.Wrap("jump host " + session_.identity());
  }
  std::vector<Request> waiting = std::move(waiting_);
  waiting_.clear();
  for (Request& request : waiting) {
    if (status.ok()) {
      Start(std::move(request));
    } else {
      request.done(error_);
    }
  }
}

void JumpHost::Start(Request request) {
  tunnels_.push_back(std::make_unique<Tunnel>(loop_));
  Tunnel* tunnel = tunnels_.back().get();
  std::weak_ptr<char> alive = alive_;
  auto drop_later = [this, alive, tunnel] {
    loop_->Post([this, alive, tunnel] {
      if (!alive.expired()) Drop(tunnel);
    });
  };
  tunnel->Open(
      &session_, request.host, request.port,
      [done = std::move(request.done), drop_later](util::StatusOr<int> fd) {
        if (!fd.ok()) drop_later();
        done(std::move(fd));
      },
      drop_later);
}

void JumpHost::Drop(Tunnel* tunnel) {
  auto it = std::find_if(tunnels_.begin(), tunnels_.end(),
                         [tunnel](const std::unique_ptr<Tunnel>& t) { return t.get() == tunnel; });
  if (it != tunnels_.end()) tunnels_.erase(it);
}

util::Status ParseJumpSpec(const std::string& spec, SessionOptions* options) {
  if (spec.empty()) return util::Status::Error("empty jump host");
  if (spec.find(',') != std::string::npos) {
    return util::Status::Error("jump host " + spec + ": only one hop is supported");
  }
  std::string rest = spec;
  size_t at = rest.rfind('@');
  if (at != std::string::npos) {
    if (at == 0) return util::Status::Error("jump host " + spec + ": empty user");
    options->user = rest.substr(0, at);
    rest = rest.substr(at + 1);
  }
  size_t colon = rest.rfind(':');
  if (colon != std::string::npos && rest.find(':') == colon) {
    std::string port = rest.substr(colon + 1);
    int value = 0;
    bool digits = !port.empty() && port.size() <= 5 &&
                  std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits) value = std::stoi(port);
    if (!digits || value < 1 || value > 65535) {
      return util::Status::Error("jump host " + spec + ": bad port '" + port + "'");
    }
    options->port = value;
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return util::Status::Error("jump host " + spec + ": empty host");
  options->host = rest;
  return util::Status::Ok();
}

}  // namespace ssh
