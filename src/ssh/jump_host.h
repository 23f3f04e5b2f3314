// A jump host (bastion) shared by every target behind it: one Session to
// it for the whole run, and one Tunnel per target connection through it.
//
// Contract:
//  * Construct cheaply; the first OpenTunnel() starts connecting to the jump
//    host (authenticated and host-key-checked like any host: `options`).
//    Requests made meanwhile wait for that handshake.
//  * OpenTunnel() calls `done` once, never from inside the call: with the
//    target's socket (see Tunnel) or an error naming the jump host: "jump
//    host [u@b:22]: connection refused" when the jump host itself failed
//    (every waiting and later request gets the same error), or the
//    Tunnel's refusal naming target and jump host.
//  * When the connection to the jump host is lost, every tunnel ends: the
//    targets' sessions see their connections lost.
//  * Targets hold it through a shared_ptr (in SessionOptions::tunnel): it
//    lives as long as the last session behind it. Single-threaded.
#ifndef ORGALORG_SSH_JUMP_HOST_H_
#define ORGALORG_SSH_JUMP_HOST_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ssh/session.h"
#include "ssh/tunnel.h"
#include "util/status.h"

namespace ssh {

class JumpHost : public std::enable_shared_from_this<JumpHost> {
 public:
  JumpHost(EventLoop* loop, SessionOptions options);
  ~JumpHost();
  JumpHost(const JumpHost&) = delete;
  JumpHost& operator=(const JumpHost&) = delete;

  void OpenTunnel(const std::string& host, int port, Tunnel::OpenedCallback done);

  // Once the jump host itself failed: why (unwrapped), else null.
  const util::Status* failure() const { return state_ == State::kFailed ? &cause_ : nullptr; }
  // "[user@host:port]".
  const std::string& identity() const { return session_.identity(); }

  // Sets options->tunnel so that the session connects through `jump`.
  static void Route(const std::shared_ptr<JumpHost>& jump, SessionOptions* options);

 private:
  struct Request {
    std::string host;
    int port;
    Tunnel::OpenedCallback done;
  };
  void OnConnected(util::Status status);
  void Start(Request request);
  void Drop(Tunnel* tunnel);

  EventLoop* loop_;
  Session session_;
  enum class State { kIdle, kConnecting, kReady, kFailed } state_ = State::kIdle;
  util::Status cause_;  // Why the jump host failed.
  util::Status error_;  // The same, naming the jump host.
  std::vector<Request> waiting_;
  std::vector<std::unique_ptr<Tunnel>> tunnels_;
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

// Parses -J's value "[user@]host[:port]" (one hop). Sets options' host,
// user and port; an error names what is wrong.
util::Status ParseJumpSpec(const std::string& spec, SessionOptions* options);

}  // namespace ssh

#endif  // ORGALORG_SSH_JUMP_HOST_H_
