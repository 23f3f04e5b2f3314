#include "ssh/jump_host.h"

#include <algorithm>

namespace ssh {

JumpHost::JumpHost(EventLoop* loop, SessionOptions options)
    : loop_(loop), session_(loop, std::move(options)) {}

JumpHost::~JumpHost() {
  tunnels_.clear();  // Before the session their channels live on.
}

std::string JumpHost::Route() const {
  std::string before = session_.route();
  return before.empty() ? identity() : before + "," + identity();
}

void JumpHost::OpenTunnel(const std::string& host, int port, Tunnel::OpenedCallback done) {
  Request request{host, port, std::move(done)};
  switch (state_) {
    case State::kIdle:
      state_ = State::kConnecting;
      session_.SetOnDisconnect([this](util::Status reason) {
        Fail(std::move(reason));
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

void JumpHost::Fail(util::Status cause) {
  state_ = State::kFailed;
  cause_ = std::move(cause);
  // Behind a hop that failed first: that hop is the one to name.
  const JumpHost* before = session_.blocked_by();
  if (before == nullptr && session_.via() != nullptr) before = session_.via()->failed_hop();
  failed_hop_ = before != nullptr ? before : this;
  error_ = failed_hop_ == this ? cause_.Wrap("jump host " + identity()) : failed_hop_->error_;
}

void JumpHost::OnConnected(util::Status status) {
  if (status.ok()) {
    state_ = State::kReady;
  } else {
    Fail(status);
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

}  // namespace ssh
