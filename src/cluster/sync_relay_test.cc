#include "cluster/sync_relay.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <utility>

#include "cluster/fake_exec_for_test.h"

namespace cluster {
namespace {

class SyncRelayTest : public ::testing::Test {
 protected:
  SyncRelayTest() {
    devnull_ = open("/dev/null", O_WRONLY);
    out_ = std::make_unique<output::Output>(output::Config{}, devnull_, devnull_);
    relay_ = std::make_unique<SyncRelay>("ORGALORG:42", std::vector<std::string>{"[u@a:22]", "[u@b:2222]"},
                                         out_.get(),
                                         std::vector<output::HostRef>{{"a", "[u@a:22]"}, {"b", "[u@b:2222]"}});
  }
  ~SyncRelayTest() override { close(devnull_); }

  int devnull_;
  std::unique_ptr<output::Output> out_;
  std::unique_ptr<SyncRelay> relay_;
};

TEST_F(SyncRelayTest, QueuesTheOpeningWithCurrentOnTheReceiversLine) {
  EXPECT_EQ(relay_->queued(0),
            "ORGALORG:42 HELLO\n"
            "ORGALORG:42 NODE [u@a:22] CURRENT\n"
            "ORGALORG:42 NODE [u@b:2222]\n"
            "ORGALORG:42 START\n");
  EXPECT_EQ(relay_->queued(1),
            "ORGALORG:42 HELLO\n"
            "ORGALORG:42 NODE [u@a:22]\n"
            "ORGALORG:42 NODE [u@b:2222] CURRENT\n"
            "ORGALORG:42 START\n");
}

TEST_F(SyncRelayTest, RelaysSyncToEveryToolInOneOrderNamingTheSender) {
  size_t before0 = relay_->queued(0).size();
  size_t before1 = relay_->queued(1).size();
  EXPECT_TRUE(relay_->OnToolLine(1, "ORGALORG:42 SYNC phase 1"));
  EXPECT_TRUE(relay_->OnToolLine(0, "ORGALORG:42 SYNC phase 1"));
  std::string want = "ORGALORG:42 SYNC [u@b:2222] phase 1\nORGALORG:42 SYNC [u@a:22] phase 1\n";
  EXPECT_EQ(relay_->queued(0).substr(before0), want);
  EXPECT_EQ(relay_->queued(1).substr(before1), want);
}

TEST_F(SyncRelayTest, OtherLinesAreUserOutputAndExitedToolsGetNothing) {
  EXPECT_FALSE(relay_->OnToolLine(0, "hello"));
  EXPECT_FALSE(relay_->OnToolLine(0, "ORGALORG:43 SYNC other run"));
  relay_->Detach(1);
  EXPECT_TRUE(relay_->OnToolLine(0, "ORGALORG:42 SYNC x"));
  EXPECT_EQ(relay_->queued(1), "");
  EXPECT_NE(relay_->queued(0).find("SYNC [u@a:22] x"), std::string::npos);
}

TEST_F(SyncRelayTest, BackPressureKeepsTheRestQueuedUntilTheToolTakesIt) {
  loop::EventLoop loop;
  std::vector<std::string> log;
  auto tool = std::make_shared<FakeCommand>(&loop, "tool", ExecCallbacks{}, &log);
  FakeChannel channel(tool);
  std::string opening = relay_->queued(0);
  relay_->Attach(0, &channel);  // Not started yet: nothing goes.
  EXPECT_EQ(relay_->queued(0), opening);
  tool->SetRoom(10);
  tool->Start();
  relay_->Flush(0);
  EXPECT_EQ(tool->stdin_data(), opening.substr(0, 10));
  EXPECT_EQ(relay_->queued(0), opening.substr(10));
  EXPECT_TRUE(relay_->OnToolLine(1, "ORGALORG:42 SYNC go"));  // Queued behind the rest.
  tool->AddRoom(1 << 20);
  relay_->Flush(0);
  EXPECT_EQ(tool->stdin_data(), opening + "ORGALORG:42 SYNC [u@b:2222] go\n");
  EXPECT_EQ(relay_->queued(0), "");
  relay_->CloseAll();
  EXPECT_TRUE(tool->stdin_closed());
}

// Counts the writes; each one takes `write_time` (a slow flush).
class CountingChannel : public FakeChannel {
 public:
  using FakeChannel::FakeChannel;
  size_t Write(std::string_view data) override {
    ++writes;
    std::this_thread::sleep_for(write_time);
    return FakeChannel::Write(data);
  }
  int writes = 0;
  std::chrono::milliseconds write_time{0};
};

TEST_F(SyncRelayTest, DeferredFlushesSendLinesThatArriveTogetherInOneWriteAndArePacedByTheirCost) {
  std::vector<std::pair<std::chrono::microseconds, std::function<void()>>> deferred;
  SyncRelay relay("ORGALORG:42", {"[u@a:22]"}, out_.get(), {{"a", "[u@a:22]"}},
                  [&](std::chrono::microseconds delay, std::function<void()> task) {
                    deferred.emplace_back(delay, std::move(task));
                  });
  loop::EventLoop loop;
  std::vector<std::string> log;
  auto tool = std::make_shared<FakeCommand>(&loop, "tool", ExecCallbacks{}, &log);
  CountingChannel channel(tool);
  tool->SetRoom(1 << 20);
  tool->Start();
  relay.Attach(0, &channel);  // The opening goes at once.
  int after_opening = channel.writes;
  relay.OnToolLine(0, "ORGALORG:42 SYNC one");
  relay.OnToolLine(0, "ORGALORG:42 SYNC two");
  ASSERT_EQ(deferred.size(), 1u);  // One flush for both lines...
  EXPECT_EQ(deferred[0].first.count(), 0);  // ... at once: nothing was flushed before.
  EXPECT_EQ(channel.writes, after_opening);
  channel.write_time = std::chrono::milliseconds(20);
  deferred[0].second();
  EXPECT_EQ(channel.writes, after_opening + 1);  // ... in one write.
  EXPECT_NE(tool->stdin_data().find("SYNC [u@a:22] one\nORGALORG:42 SYNC [u@a:22] two\n"), std::string::npos);
  // That flush took at least 20 ms: the next one waits about as long.
  relay.OnToolLine(0, "ORGALORG:42 SYNC three");
  ASSERT_EQ(deferred.size(), 2u);
  EXPECT_GT(deferred[1].first, std::chrono::milliseconds(10));
}

TEST_F(SyncRelayTest, FlushesOfManyToolsAreAtLeastHalfAMillisecondPerToolApart) {
  std::vector<std::chrono::microseconds> delays;
  std::vector<std::function<void()>> tasks;
  std::vector<std::string> identities;
  std::vector<output::HostRef> refs;
  for (int i = 0; i < 1000; ++i) {
    identities.push_back(fmt::format("[u@h{}:22]", i));
    refs.push_back({fmt::format("h{}", i), identities.back()});
  }
  SyncRelay relay("ORGALORG:42", identities, out_.get(), refs,
                  [&](std::chrono::microseconds delay, std::function<void()> task) {
                    delays.push_back(delay);
                    tasks.push_back(std::move(task));
                  });
  relay.OnToolLine(0, "ORGALORG:42 SYNC one");
  ASSERT_EQ(delays.size(), 1u);
  EXPECT_EQ(delays[0].count(), 0);  // After a quiet spell: at once.
  tasks[0]();                       // A quick flush (no tool attached)...
  relay.OnToolLine(1, "ORGALORG:42 SYNC two");
  ASSERT_EQ(delays.size(), 2u);
  // ... and still the next one waits 0.5 ms per tool.
  EXPECT_GT(delays[1], std::chrono::milliseconds(400));
  EXPECT_LE(delays[1], std::chrono::milliseconds(500));
}

TEST_F(SyncRelayTest, AFailedToolMakesCloseAllEndEveryOtherToolsStdin) {
  loop::EventLoop loop;
  std::vector<std::string> log;
  auto first = std::make_shared<FakeCommand>(&loop, "a", ExecCallbacks{}, &log);
  auto second = std::make_shared<FakeCommand>(&loop, "b", ExecCallbacks{}, &log);
  FakeChannel first_channel(first);
  FakeChannel second_channel(second);
  relay_->Attach(0, &first_channel);
  relay_->Attach(1, &second_channel);
  relay_->Detach(0);  // Tool 0 failed.
  relay_->CloseAll();
  EXPECT_FALSE(first->stdin_closed());
  EXPECT_TRUE(second->stdin_closed());
}

}  // namespace
}  // namespace cluster
