#include "app/batches.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cluster/fake_cluster_test_for_test.h"

namespace app {
namespace {

using namespace std::chrono_literals;

// Six fake hosts; each command logs "start hN", and "end hN" when it exits
// 10 ms later with the code in exit_codes_.
class BatchesTest : public cluster::FakeClusterTest {
 protected:
  BatchesTest() : FakeClusterTest(6) {
    for (size_t i = 0; i < hosts_.size(); ++i) {
      hosts_[i]->script = [this, i](cluster::FakeCommand& c) {
        events_.push_back("start h" + std::to_string(i));
        loop_.AddTimerAfter(10ms, [this, i, &c] {
          events_.push_back("end h" + std::to_string(i));
          c.Exit(exit_codes_[i]);
        });
      };
    }
  }
  Rollout Run(const std::string& sizes, cli::Amount max_fail = {}, loop::Milliseconds wait = 0ms) {
    BatchPlan plan{*cli::ParseBatchSizes(sizes), max_fail, wait};
    cluster::RunSpec spec{"work", "", false, ""};
    return RunInBatches(&loop_, &nodes_, spec, plan, out_.get(), stop_,
                        [this](std::span<cluster::Node> batch, const cluster::RunSpec& batch_spec) {
                          labels_.push_back(batch_spec.status_label);
                          return cluster::RunOnAll(&loop_, batch, batch_spec, out_.get(), stop_);
                        });
  }
  std::vector<std::string> Errors(const Rollout& rollout) const {
    std::vector<std::string> errors;
    for (const cluster::HostOutcome& o : rollout.run.outcomes) {
      errors.push_back(o.host + (o.ok() ? "" : o.error.ok() ? " code" : " " + o.error.ToString()));
    }
    return errors;
  }

  std::vector<int> exit_codes_ = std::vector<int>(6, 0);
  std::vector<std::string> events_;
  std::vector<std::string> labels_;
};

TEST_F(BatchesTest, BatchesRunOneAfterAnotherInTheSizesAsked) {
  Rollout rollout = Run("1,2,50%");
  EXPECT_TRUE(rollout.halted.ok());
  EXPECT_TRUE(rollout.run.error.ok());
  // A batch starts only when the previous one has ended.
  auto index = [&](const std::string& event) {
    return std::find(events_.begin(), events_.end(), event) - events_.begin();
  };
  EXPECT_LT(index("end h0"), index("start h1"));
  EXPECT_LT(index("end h1"), index("start h3"));
  EXPECT_LT(index("end h2"), index("start h3"));
  EXPECT_LT(index("start h2"), index("end h1"));  // h1 and h2 together
  EXPECT_EQ(events_.size(), 12u);
  EXPECT_EQ(labels_, (std::vector<std::string>{"batch 1/3: exec", "batch 2/3: exec", "batch 3/3: exec"}));
  EXPECT_EQ(Errors(rollout), (std::vector<std::string>{"h0", "h1", "h2", "h3", "h4", "h5"}));
  std::string text = out_.Text();
  EXPECT_NE(text.find("batch 2/3: 2 hosts"), std::string::npos) << text;
  EXPECT_NE(text.find("batch 3/3: 3 hosts"), std::string::npos) << text;
}

TEST_F(BatchesTest, AFailureStopsTheRolloutByDefault) {
  exit_codes_[2] = 3;
  Rollout rollout = Run("1,2,50%");
  EXPECT_EQ(rollout.halted.ToString(),
            "rollout stopped after batch 2/3: 1 host of 3 hosts started failed, more than --max-fail 0; "
            "3 hosts not started");
  EXPECT_EQ(Errors(rollout), (std::vector<std::string>{"h0", "h1", "h2 code", "h3 not started",
                                                       "h4 not started", "h5 not started"}));
  EXPECT_EQ(events_.size(), 6u);  // h3..h5 never ran
}

TEST_F(BatchesTest, MaxFailLetsTheRolloutGoOn) {
  exit_codes_[2] = 3;
  Rollout rollout = Run("1,2,50%", cli::Amount{1, false});
  EXPECT_TRUE(rollout.halted.ok());
  EXPECT_EQ(events_.size(), 12u);
  EXPECT_EQ(Errors(rollout)[2], "h2 code");
}

TEST_F(BatchesTest, MaxFailShareCountsTheHostsStartedSoFar) {
  exit_codes_[0] = 1;
  // 1 of 1 started failed: over 50%.
  Rollout rollout = Run("1", cli::Amount{50, true});
  EXPECT_FALSE(rollout.halted.ok());
  EXPECT_EQ(events_.size(), 2u);
}

TEST_F(BatchesTest, AStopDuringTheWaitStartsNothingMore) {
  loop_.AddTimerAfter(50ms, [this] { stop_.Request(cluster::StopReason::kInterrupted); });
  loop::TimePoint began = loop::Clock::now();
  Rollout rollout = Run("2", {}, 10000ms);
  EXPECT_LT(loop::MillisecondsSince(began), 5000);
  EXPECT_TRUE(rollout.halted.ok());
  EXPECT_EQ(Errors(rollout), (std::vector<std::string>{"h0", "h1", "h2 not started", "h3 not started",
                                                       "h4 not started", "h5 not started"}));
}

TEST_F(BatchesTest, TheWaitSeparatesBatches) {
  loop::TimePoint began = loop::Clock::now();
  Rollout rollout = Run("3", {}, 100ms);
  EXPECT_GE(loop::MillisecondsSince(began), 100);
  EXPECT_EQ(events_.size(), 12u);
}

}  // namespace
}  // namespace app
