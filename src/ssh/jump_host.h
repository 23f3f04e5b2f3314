// A jump host (bastion) shared by every connection behind it: one Session
// to it for the whole run, and one Tunnel per connection through it. Its
// own session may itself run through another jump host (a chain: see
// jump_router.h, which owns every JumpHost of a run).
//
// Contract:
//  * Construct cheaply; the first OpenTunnel() starts connecting to the jump
//    host (authenticated and host-key-checked like any host: `options`).
//    Requests made meanwhile wait for that handshake.
//  * OpenTunnel() calls `done` once, never from inside the call: with the
//    target's socket (see Tunnel) or an error naming the jump host: "jump
//    host [u@b:22]: connection refused" when the jump host failed (every
//    waiting and later request gets the same error; when it failed because
//    a hop before it did, the error names that hop), or the Tunnel's
//    refusal naming target and jump host.
//  * When the connection to the jump host is lost, every tunnel ends: the
//    sessions behind it see their connections lost (and name the jump host,
//    see Session).
//  * Single-threaded; outlives every session that goes through it.
#ifndef ORGALORG_SSH_JUMP_HOST_H_
#define ORGALORG_SSH_JUMP_HOST_H_

#include <memory>
#include <string>
#include <vector>

#include "ssh/session.h"
#include "ssh/tunnel.h"
#include "util/status.h"

namespace ssh {

class JumpHost {
 public:
  JumpHost(EventLoop* loop, SessionOptions options);
  ~JumpHost();
  JumpHost(const JumpHost&) = delete;
  JumpHost& operator=(const JumpHost&) = delete;

  void OpenTunnel(const std::string& host, int port, Tunnel::OpenedCallback done);

  // Once the jump host failed (or was lost): the hop that failed by itself,
  // this one or one before it in the chain; else null.
  const JumpHost* failed_hop() const { return state_ == State::kFailed ? failed_hop_ : nullptr; }
  // Once failed: why (unwrapped), else null.
  const util::Status* failure() const { return state_ == State::kFailed ? &cause_ : nullptr; }
  // "[user@host:port]".
  const std::string& identity() const { return session_.identity(); }
  // The hops to it, itself last: "[u@a:22],[u@b:22]".
  std::string Route() const;
  const Session& session() const { return session_; }

 private:
  struct Request {
    std::string host;
    int port;
    Tunnel::OpenedCallback done;
  };
  void OnConnected(util::Status status);
  void Fail(util::Status cause);
  void Start(Request request);
  void Drop(Tunnel* tunnel);

  EventLoop* loop_;
  Session session_;
  enum class State { kIdle, kConnecting, kReady, kFailed } state_ = State::kIdle;
  util::Status cause_;  // Why the jump host failed.
  util::Status error_;  // What requests get: naming the hop that failed.
  const JumpHost* failed_hop_ = nullptr;
  std::vector<Request> waiting_;
  std::vector<std::unique_ptr<Tunnel>> tunnels_;
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace ssh

#endif  // ORGALORG_SSH_JUMP_HOST_H_
