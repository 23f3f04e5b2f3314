#include "transfer/relay_plan.h"

#include <algorithm>

namespace transfer {

RelayPlan PlanRelay(size_t hosts, size_t fanout) {
  fanout = std::max<size_t>(fanout, 1);
  RelayPlan plan;
  plan.parent.resize(hosts);
  plan.children.resize(hosts);
  for (size_t i = 0; i < hosts; ++i) {
    if (i == 0) {
      plan.roots.push_back(i);
      continue;
    }
    size_t parent = (i - 1) / fanout;
    plan.parent[i] = parent;
    plan.children[parent].push_back(i);
  }
  return plan;
}

size_t RelayDepth(const RelayPlan& plan, size_t host) {
  size_t depth = 1;
  for (std::optional<size_t> up = plan.parent[host]; up; up = plan.parent[*up]) ++depth;
  return depth;
}

}  // namespace transfer
