// The shape of a relayed upload (orgalorg(1), --relay): which host feeds
// which.
//
// The client sends the archive to one host, the root (the first host of
// the list); every host forwards what it receives to at most `fanout`
// further hosts. Hosts are placed in host-list order, level by level (heap
// order): the children of host i are hosts fanout*i+1 .. fanout*i+fanout.
// fanout 1 is a chain. The client's link carries the archive once whatever
// the fan-out; each host's link carries it once in and `fanout` times out.
//
// Pure functions; indexes are positions in the list the plan was made for.
#ifndef ORGALORG_TRANSFER_RELAY_PLAN_H_
#define ORGALORG_TRANSFER_RELAY_PLAN_H_

#include <cstddef>
#include <optional>
#include <vector>

namespace transfer {

struct RelayPlan {
  // parent[i]: the host that feeds host i; nullopt: the client does.
  std::vector<std::optional<size_t>> parent;
  // children[i]: the hosts host i forwards to, in order.
  std::vector<std::vector<size_t>> children;
  // Hosts the client feeds itself.
  std::vector<size_t> roots;
};

// The plan for `hosts` hosts with fan-out `fanout` (>= 1).
RelayPlan PlanRelay(size_t hosts, size_t fanout);

// Host i's hops from the client (a root is 1).
size_t RelayDepth(const RelayPlan& plan, size_t host);

}  // namespace transfer

#endif  // ORGALORG_TRANSFER_RELAY_PLAN_H_
