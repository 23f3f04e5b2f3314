// Test-only: the fixture most cluster-layer tests share: an event loop,
// `count` fake hosts behind the exec seam (fake_exec_for_test.h), a stop
// flag and captured output. Header-only (kept out of the program by the
// build's *.cc glob).
#ifndef ORGALORG_CLUSTER_FAKE_CLUSTER_TEST_FOR_TEST_H_
#define ORGALORG_CLUSTER_FAKE_CLUSTER_TEST_FOR_TEST_H_

#include <gtest/gtest.h>

#include <functional>
#include <utility>
#include <vector>

#include "cluster/capture_output_for_test.h"
#include "cluster/fake_exec_for_test.h"
#include "cluster/stop.h"
#include "loop/event_loop.h"

namespace cluster {

class FakeClusterTest : public ::testing::Test {
 protected:
  explicit FakeClusterTest(size_t count = 3) : nodes_(FakeNodes(&loop_, count, &hosts_)) {}

  // Runs `action` on the loop after `delay`.
  void After(loop::Milliseconds delay, std::function<void()> action) {
    loop_.AddTimerAfter(delay, std::move(action));
  }

  loop::EventLoop loop_;
  std::vector<FakeHost*> hosts_;
  Nodes nodes_;
  Stop stop_;
  CapturedOutput out_;
};

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_FAKE_CLUSTER_TEST_FOR_TEST_H_
