// One SSH connection to one host, driven by an EventLoop.
//
// Contract:
//  * Construct cheaply (no I/O); Connect() starts the handshake (name
//    lookup, TCP connect, key exchange, host key check, authentication)
//    without blocking, except for a passphrase prompt, if any. With a
//    Resolver in the options the name is looked up off the loop thread and
//    the TCP connection is made here (each address in turn); without one,
//    or with a ProxyCommand, libssh does both (its lookup blocks). Behind
//    jump hosts (options.jump, else the config's ProxyJump; see
//    jump_router.h) the connection is a socket tunnelled through the last
//    hop instead, and no ProxyCommand runs. The caller bounds how many
//    handshakes are in flight (-d); a tunnel's channel open is part of
//    the handshake.
//  * A server that closes the connection before sending its SSH banner
//    (sshd's MaxStartups refusing handshakes beyond its limit) is tried
//    again after a growing, jittered pause (50 ms doubling, at most 1 s)
//    until connect_timeout; only then does the host fail, saying so.
//  * `done` is called exactly once, never from inside Connect(): OK, or an
//    error such as "connection refused", "connection timed out after 10000
//    ms", "host key for web1 has changed (...)", "key refused (...)",
//    "password refused", "no authentication method succeeded". The caller
//    adds the host to the message.
//  * Once connected, Exec() opens channels; each reports through its own
//    callbacks. If the connection dies (reset, EOF, no answer to
//    keep-alives within dead_after), every running channel gets
//    on_exit(-1, reason) and then on_disconnect(reason) is called once.
//    When it died because a jump host on its route was lost, the reason
//    names that jump host: "connection to jump host [u@b:22] lost".
//  * The owner may destroy the Session from inside any callback. Channels
//    still alive are detached (inert) when the session is destroyed.
//  * Single-threaded: use only from the loop's thread. The loop must outlive
//    the session, or the session must leave it first (LeaveLoop).
//  * With options.direct_only, a host that needs a jump host or a
//    ProxyCommand is not connected: `done` gets an error and needs_route()
//    says why (handshake shards leave those to the main loop).
//  * Idle cost: one libssh session, one epoll entry and one timer.
//
// This file keeps the handshake state machine and the channel registry; the
// parts it drives live beside it: ssh_config.h (config files and options),
// tcp_connector.h (lookup, TCP connect, banner-refusal backoff),
// send_budget.h (how much the socket takes now), liveness.h (keep-alives,
// dead hosts) and authenticator.h. Behind a jump host the socket is one end
// of a socketpair: liveness then goes by readable events alone (no TCP_INFO)
// and the send budget by the unix socket's queue (what the tunnel has not
// read yet).
#ifndef ORGALORG_SSH_SESSION_H_
#define ORGALORG_SSH_SESSION_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ssh/channel.h"
#include "ssh/key_ring.h"
#include "ssh/liveness.h"
#include "ssh/loop_names.h"
#include "ssh/resolver.h"
#include "ssh/send_budget.h"
#include "ssh/session_options.h"
#include "ssh/tcp_connector.h"
#include "util/status.h"

struct ssh_session_struct;
struct ssh_event_struct;

namespace ssh {

class AgentForwarder;
class Authenticator;
class KexKnownHosts;
class JumpHost;

class Session {
 public:
  using DoneCallback = std::function<void(util::Status)>;

  Session(EventLoop* loop, SessionOptions options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Starts the handshake; see the contract above. Call at most once.
  void Connect(DoneCallback done);
  // Called once when an established connection is lost.
  void SetOnDisconnect(std::function<void(util::Status)> on_disconnect) {
    on_disconnect_ = std::move(on_disconnect);
  }
  // Starts `command` on a new channel. Fails when not connected.
  util::StatusOr<std::unique_ptr<Channel>> Exec(std::string command,
                                                ChannelCallbacks callbacks);
  // Exec() whose command gets the agent forwarded (ForwardAgent first).
  util::StatusOr<std::unique_ptr<Channel>> ExecForwardingAgent(std::string command,
                                                               ChannelCallbacks callbacks);
  // From now on, agent channels the host opens for ExecForwardingAgent
  // commands reach the agent at `socket` through the filter of
  // agent_forward.h. Fails when not connected.
  util::Status ForwardAgent(const std::string& socket);
  // Closes every forwarded agent channel and refuses new ones.
  void StopAgentForwarding();
  // Opens a direct-tcpip channel to host:port through this connection (a
  // jump host); see Channel. Fails when not connected.
  util::StatusOr<std::unique_ptr<Channel>> OpenForward(const std::string& host, int port,
                                                       ChannelCallbacks callbacks);
  // Moving an established connection to another loop (handshake shards,
  // cluster/handshake_shards.h). LeaveLoop(), on the current loop's thread,
  // drops every watch and timer of this session there: it is then inert (no
  // callback, no keep-alive) until JoinLoop(loop), on `loop`'s thread,
  // watches it there and resumes keep-alives. Only for a connected session
  // without channels or agent forwarding. JoinLoop fails when the loop
  // can't watch the socket.
  void LeaveLoop();
  util::Status JoinLoop(EventLoop* loop);
  // Closes the connection politely; channels get no further callbacks.
  void Disconnect();
  // Asks the kernel for a send buffer of `bytes` (SO_SNDBUF) on the
  // connection, for bulk transfers: larger writes, fewer system calls. No-op
  // when not connected.
  void ReserveSendBuffer(int bytes);

  bool connected() const { return state_ == State::kReady; }
  // Last time bytes arrived from the host (or the handshake started).
  TimePoint last_activity() const { return liveness_.last_receive(); }
  // "[user@host:port]" once Connect() has resolved the configuration,
  // else built from the options.
  const std::string& identity() const { return identity_; }
  const SessionOptions& options() const { return options_; }
  // Once connected: "<kex>, <cipher>, <auth method>" for logs.
  const std::string& details() const { return details_; }
  // The jump host the connection goes through (the last hop), else null.
  const JumpHost* via() const { return via_; }
  // The jump hosts on the way, in order: "[u@a:22],[u@b:22]"; empty when
  // direct.
  std::string route() const;
  // When the handshake failed because a jump host on the route failed:
  // that jump host (the hop that failed by itself), else null.
  const JumpHost* blocked_by() const { return blocked_by_; }
  // See options.direct_only: the handshake stopped because this host needs
  // a jump host or a ProxyCommand.
  bool needs_route() const { return needs_route_; }
  // The host key verified at connect, as "<type> <base64>" (known_hosts
  // form without the host name); empty before.
  const std::string& host_key() const { return host_key_; }

 private:
  // Channels reach their session for the registry (RemoveChannel), the
  // libssh handle, the loop and UpdateInterest; their send budget is
  // send_budget_, through its own API.
  friend class Channel;
  enum class State { kIdle, kConnecting, kAuthenticating, kReady, kClosed };

  util::Status Configure();
  // One handshake attempt: configure libssh, then resolve + TCP connect
  // (with a resolver) or let libssh connect.
  void Attempt();
  // The jump hosts to go through: options_.jump, else the config's.
  util::StatusOr<JumpChain> JumpRoute() const;
  void ConnectThrough(const JumpChain& chain, const std::string& host, int port);
  void OnTcpConnected(util::StatusOr<int> fd);
  void StartSsh();  // The TCP connection (if ours) is up: SSH handshake.
  // After the server closed before its banner: schedules Attempt() again
  // within the deadline, or fails. Returns false when it did neither.
  bool RetryBannerRefusal();
  void ResetAttempt();  // Frees this attempt's libssh state and socket.
  void StartConnect();
  void OnFdEvent(uint32_t events);
  void StepConnect();
  void StepAuth();
  util::Status StartPolling();  // Once authenticated.
  void StepReady(bool writable);
  // Delivers what arrived to every channel (Advance unless `lost`, then
  // Dispatch). Returns false when a callback destroyed the session.
  bool PumpChannels(bool lost);
  void Finish(util::Status status);  // Ends the handshake phase.
  void Lose(util::Status reason);    // Ends an established connection.
  void Teardown();                   // Frees libssh state, unwatches.
  // Watches the connection's socket on loop_ for `interest`; events go to
  // OnFdEvent.
  util::Status WatchSocket(int fd, uint32_t interest);
  void UpdateInterest();
  void ArmTimer(TimePoint when);
  void OnTimer();
  void CheckHandshakeDeadline(TimePoint now);
  void CheckLiveness(TimePoint now);
  // The handshake's deadline: time spent at a passphrase prompt does not
  // count against the host.
  TimePoint HandshakeDeadline() const;
  void SendKeepAlive();
  int Fd() const;  // The connection's socket, or -1.
  std::optional<SendBudget::Reading> ReadSendBudget() const;
  util::Status ConnectError() const;
  util::StatusOr<std::unique_ptr<Channel>> AddChannel(std::unique_ptr<Channel> channel);
  void RemoveChannel(Channel* channel);

  EventLoop* loop_;
  SessionOptions options_;
  std::shared_ptr<KeyRing> key_ring_;
  std::string identity_;
  std::string details_;
  std::optional<std::string> config_jump_;  // ProxyJump from the ssh config.
  const JumpHost* via_ = nullptr;
  const JumpHost* blocked_by_ = nullptr;
  bool needs_route_ = false;
  std::string host_key_;
  std::unique_ptr<AgentForwarder> agent_;
  State state_ = State::kIdle;
  ssh_session_struct* session_ = nullptr;
  ssh_event_struct* event_ = nullptr;  // Holds only this session's socket.
  std::unique_ptr<Authenticator> authenticator_;
  std::unique_ptr<KexKnownHosts> kex_known_hosts_;  // During the key exchange.
  EventLoop::WatchId watch_ = 0;
  uint32_t interest_ = 0;
  EventLoop::TimerId timer_ = 0;
  // Our own name lookup and TCP connect (options_.resolver set).
  std::unique_ptr<TcpConnector> connector_;
  bool own_socket_ = false;          // libssh got its fd from us.
  BannerBackoff banner_backoff_;
  EventLoop::TimerId retry_timer_ = 0;
  TimePoint connect_started_{};
  Liveness liveness_;
  SendBudget send_budget_;
  int fixed_sndbuf_ = 0;             // SO_SNDBUF after ReserveSendBuffer; 0: ask.
  DoneCallback done_;
  std::function<void(util::Status)> on_disconnect_;
  std::vector<Channel*> channels_;
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace ssh

#endif  // ORGALORG_SSH_SESSION_H_
