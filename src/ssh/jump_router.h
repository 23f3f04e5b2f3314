// Every jump host of a run: one JumpHost per distinct hop, shared by all
// the sessions that go through it, whether they got their chain from -J or
// from ProxyJump in the ssh config.
//
// Contract:
//  * Hop(chain) gives the JumpHost next to the target for `chain` (not
//    empty), creating the chain's hops on first use: hop k is keyed by the
//    hops as written up to it ("a,ops@b:2222"), so every target behind the
//    same hops shares one connection per hop. Hop k > 0 runs through hop
//    k-1; the first hop follows its own ProxyJump in the ssh config, as
//    OpenSSH does.
//  * `requester` is the session asking: when the jump host would (through
//    the hops before it) run through `requester` itself, a loop of
//    ProxyJump lines, Hop() returns an error naming it instead.
//  * Jump hosts connect lazily (JumpHost::OpenTunnel). The router outlives
//    every session of the run; its jump hosts go with it.
#ifndef ORGALORG_SSH_JUMP_ROUTER_H_
#define ORGALORG_SSH_JUMP_ROUTER_H_

#include <map>
#include <memory>
#include <string>

#include "ssh/jump_host.h"
#include "ssh/session_options.h"
#include "util/status.h"

namespace ssh {

class JumpRouter {
 public:
  // `hop_base`: what every jump host's session starts from (keys, known
  // hosts, timeouts); host, user, port and route are set per hop.
  JumpRouter(EventLoop* loop, SessionOptions hop_base);
  ~JumpRouter();
  JumpRouter(const JumpRouter&) = delete;
  JumpRouter& operator=(const JumpRouter&) = delete;

  util::StatusOr<JumpHost*> Hop(const JumpChain& chain, const Session* requester);

  size_t size() const { return hops_.size(); }

 private:
  JumpHost* GetOrCreate(const JumpChain& chain, size_t last);

  EventLoop* loop_;
  SessionOptions hop_base_;
  std::map<std::string, std::unique_ptr<JumpHost>> hops_;
};

}  // namespace ssh

#endif  // ORGALORG_SSH_JUMP_ROUTER_H_
