#include "cluster/sync_relay.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

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

}  // namespace
}  // namespace cluster
