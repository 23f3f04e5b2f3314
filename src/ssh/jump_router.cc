#include "ssh/jump_router.h"

#include "ssh/jump_spec.h"

namespace ssh {
namespace {

// Far more hops than any real route; a longer walk is a loop.
constexpr int kMaxHops = 64;

}  // namespace

JumpRouter::JumpRouter(EventLoop* loop, SessionOptions hop_base)
    : loop_(loop), hop_base_(std::move(hop_base)) {
  hop_base_.jump.reset();
  hop_base_.jump_router = this;
}

JumpRouter::~JumpRouter() {
  // Hops nearer the targets first: each may hold tunnels of the one before.
  while (!hops_.empty()) {
    auto longest = hops_.begin();
    for (auto it = hops_.begin(); it != hops_.end(); ++it) {
      if (it->first.size() > longest->first.size()) longest = it;
    }
    hops_.erase(longest);
  }
}

JumpHost* JumpRouter::GetOrCreate(const JumpChain& chain, size_t last) {
  JumpChain prefix(chain.begin(), chain.begin() + static_cast<std::ptrdiff_t>(last) + 1);
  std::unique_ptr<JumpHost>& hop = hops_[JumpChainText(prefix)];
  if (hop) return hop.get();
  SessionOptions options = hop_base_;
  options.host = chain[last].host;
  options.user = chain[last].user;
  options.port = chain[last].port;
  if (last > 0) options.jump = JumpChain(prefix.begin(), prefix.end() - 1);
  hop = std::make_unique<JumpHost>(loop_, std::move(options));
  return hop.get();
}

util::StatusOr<JumpHost*> JumpRouter::Hop(const JumpChain& chain, const Session* requester) {
  if (chain.empty()) return util::Status::Error("no jump host");
  JumpHost* hop = GetOrCreate(chain, chain.size() - 1);
  int steps = 0;
  for (const JumpHost* h = hop; h != nullptr; h = h->session().via()) {
    if (&h->session() == requester || ++steps > kMaxHops) {
      return util::Status::Error("jump host " + hop->identity() + " is reached through " +
                                 requester->identity() + " itself (a loop of ProxyJump lines)");
    }
  }
  return hop;
}

}  // namespace ssh
