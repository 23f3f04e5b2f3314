#include "cluster/run_on_all.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "cluster/fake_cluster_test_for_test.h"

namespace cluster {
namespace {

using namespace std::chrono_literals;

class RunOnAllTest : public FakeClusterTest {
 protected:
  RunResult Run(const RunSpec& spec) { return RunOnAll(&loop_, nodes_, spec, out_.get(), stop_); }
};

TEST_F(RunOnAllTest, ExitsInAnyOrderLandOnTheirOwnHosts) {
  hosts_[0]->script = [&](FakeCommand& c) { After(30ms, [&c] { c.Stdout("zero\n"); c.Exit(3); }); };
  hosts_[1]->script = [&](FakeCommand& c) { After(20ms, [&c] { c.Exit(0); }); };
  hosts_[2]->script = [&](FakeCommand& c) { c.Stdout("two\n"); c.Exit(0); };
  RunResult result = Run(RunSpec{"work", "", false, ""});
  ASSERT_TRUE(result.error.ok()) << result.error.ToString();
  ASSERT_EQ(result.outcomes.size(), 3u);
  EXPECT_EQ(result.outcomes[0].host, "h0");
  EXPECT_EQ(result.outcomes[0].exit_code, 3);
  EXPECT_TRUE(result.outcomes[1].ok());
  EXPECT_TRUE(result.outcomes[2].ok());
  std::string text = out_.Text();
  EXPECT_NE(text.find("zero"), std::string::npos) << text;
  EXPECT_NE(text.find("two"), std::string::npos) << text;
  // No -i: an empty stdin (host 2 exited before it could take its EOF).
  EXPECT_TRUE(hosts_[0]->commands[0]->stdin_closed());
  EXPECT_TRUE(hosts_[1]->commands[0]->stdin_closed());
}

TEST_F(RunOnAllTest, SerialOutputComesInHostOrderWhateverTheExitOrder) {
  hosts_[0]->script = [&](FakeCommand& c) { After(30ms, [&c] { c.Stdout("from h0\n"); c.Exit(0); }); };
  hosts_[1]->script = [&](FakeCommand& c) { After(15ms, [&c] { c.Stdout("from h1\n"); c.Exit(0); }); };
  hosts_[2]->script = [](FakeCommand& c) { c.Stdout("from h2\n"); c.Exit(0); };
  RunResult result = Run(RunSpec{"work", "", /*serial=*/true, ""});
  ASSERT_TRUE(result.error.ok());
  std::string text = out_.Text();
  size_t h0 = text.find("from h0"), h1 = text.find("from h1"), h2 = text.find("from h2");
  ASSERT_NE(h2, std::string::npos) << text;
  EXPECT_LT(h0, h1) << text;
  EXPECT_LT(h1, h2) << text;
}

TEST_F(RunOnAllTest, AHostFailingMidStreamFailsAloneWithItsReason) {
  hosts_[0]->script = [&](FakeCommand& c) { After(10ms, [&c] { c.Exit(0); }); };
  hosts_[1]->script = [&](FakeCommand& c) {
    c.Stdout("partial");
    After(5ms, [&c] { c.Fail("connection lost"); });
  };
  hosts_[2]->script = [&](FakeCommand& c) { After(20ms, [&c] { c.Exit(0); }); };
  RunResult result = Run(RunSpec{"work", "", false, ""});
  EXPECT_TRUE(result.outcomes[0].ok());
  EXPECT_EQ(result.outcomes[1].error.ToString(), "connection lost");
  EXPECT_TRUE(result.outcomes[2].ok());
  EXPECT_NE(out_.Text().find("partial"), std::string::npos);  // The unterminated line is flushed.
}

TEST_F(RunOnAllTest, AHostThatCannotStartTheCommandFailsAlone) {
  hosts_[1]->refusal = util::Status::Error("channel refused");
  for (FakeHost* host : {hosts_[0], hosts_[2]}) host->script = [](FakeCommand& c) { c.Exit(0); };
  RunResult result = Run(RunSpec{"work", "", false, ""});
  EXPECT_TRUE(result.outcomes[0].ok());
  EXPECT_EQ(result.outcomes[1].error.ToString(), "can't start the command: channel refused");
  EXPECT_TRUE(result.outcomes[2].ok());
}

TEST_F(RunOnAllTest, AnInterruptDuringStartWaitsForTheExecThenCleansUpAndTerms) {
  hosts_[0]->start_at_once = false;  // Its exec request is still on its way.
  for (FakeHost* host : hosts_) {
    host->script = [](FakeCommand& c) {
      if (c.command() == "cleanup") c.Exit(0);
    };
  }
  After(10ms, [&] { stop_.Request(StopReason::kInterrupted); });
  After(60ms, [&] {
    hosts_[0]->start_at_once = true;
    hosts_[0]->commands[0]->Start();
  });
  RunResult result = Run(RunSpec{"work", "", false, "cleanup"});
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(result.outcomes[i].error.ToString(), "interrupted") << i;
    // The command started before the cleanup looked for it, then TERM, close.
    EXPECT_EQ(hosts_[i]->log, (std::vector<std::string>{"exec work", "start work", "exec cleanup",
                                                          "start cleanup", "close cleanup", "signal TERM work",
                                                          "close work"}))
        << i;
  }
}

TEST_F(RunOnAllTest, ATimeoutStopsTheSlowHostAloneWithItsCleanup) {
  hosts_[0]->script = [](FakeCommand& c) {
    if (c.command() == "cleanup") c.Exit(0);  // The slow command never ends by itself.
  };
  hosts_[1]->script = [](FakeCommand& c) { c.Exit(0); };
  hosts_[2]->script = [&](FakeCommand& c) { After(5ms, [&c] { c.Exit(4); }); };
  RunSpec spec{"work", "", false, "cleanup"};
  spec.timeout = 40ms;
  loop::TimePoint start = loop::Clock::now();
  RunResult result = Run(spec);
  EXPECT_GE(loop::Clock::now() - start, 40ms);
  EXPECT_EQ(result.outcomes[0].error.ToString(), "timed out after 40 ms");
  EXPECT_TRUE(result.outcomes[1].ok());
  EXPECT_EQ(result.outcomes[2].exit_code, 4);
  EXPECT_EQ(hosts_[0]->Started("cleanup").size(), 1u);
  EXPECT_EQ(hosts_[0]->commands[0]->signals(), std::vector<std::string>{"TERM"});
  EXPECT_TRUE(hosts_[0]->commands[0]->closed());
  EXPECT_TRUE(hosts_[1]->Started("cleanup").empty());
  EXPECT_TRUE(hosts_[2]->Started("cleanup").empty());
}

TEST_F(RunOnAllTest, StdinReachesEveryHostAtTheSlowestHostsPace) {
  std::string path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/orgalorg-stdin-XXXXXX";
  int fd = mkstemp(path.data());
  ASSERT_GE(fd, 0);
  std::string content;
  for (int i = 0; i < 200000; ++i) content += static_cast<char>('a' + i % 26);
  ASSERT_EQ(write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
  close(fd);
  for (size_t i = 0; i < 3; ++i) {
    uint64_t step = 1000 * (i + 1);  // Each host takes its stdin at its own pace.
    hosts_[i]->script = [step](FakeCommand& c) {
      c.SetRoom(step);
      c.on_eof = [&c] { c.Exit(0); };
    };
  }
  // Room grows every millisecond until every stdin is closed.
  std::function<void()> tick = [&] {
    bool open = false;
    for (size_t i = 0; i < 3; ++i) {
      FakeCommand& c = *hosts_[i]->commands[0];
      if (!c.stdin_closed()) {
        open = true;
        c.AddRoom(1000 * (i + 1));
      }
    }
    if (open) After(1ms, tick);
  };
  After(1ms, tick);
  RunResult result = Run(RunSpec{"cat", path, false, ""});
  unlink(path.c_str());
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(result.outcomes[i].ok()) << i << " " << result.outcomes[i].error.ToString();
    EXPECT_EQ(hosts_[i]->commands[0]->stdin_data().size(), content.size()) << i;
    EXPECT_TRUE(hosts_[i]->commands[0]->stdin_data() == content) << i;
  }
}

}  // namespace
}  // namespace cluster
