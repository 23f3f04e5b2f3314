#include "cluster/sync_relay.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

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
