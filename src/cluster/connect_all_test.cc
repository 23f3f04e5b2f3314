#include "cluster/connect_all.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "cluster/capture_output_for_test.h"
#include "cluster/offline_session_options_for_test.h"
#include "ssh/local_listener_for_test.h"

namespace cluster {
namespace {

using namespace std::chrono_literals;

class ConnectAllTest : public ::testing::Test {
 protected:
  ConnectAllTest() : base_(OfflineSessionOptions(&loop_)) {}
  void AddNode(int port) {
    Node node;
    node.address.user = "nobody";
    node.address.host = "127.0.0.1";
    node.address.port = port;
    node.address.port_given = true;
    node.ref.display = "127.0.0.1:" + std::to_string(port);
    nodes_.push_back(std::move(node));
  }

  loop::EventLoop loop_;
  ssh::SessionOptions base_;
  Nodes nodes_;
  Stop stop_;
  CapturedOutput out_;
};

TEST_F(ConnectAllTest, EveryFailedHostKeepsItsOwnCauseAndNoSession) {
  ssh::LocalListener refused;
  refused.Close();  // Nothing listens there now.
  ssh::LocalListener silent;
  AddNode(refused.port());
  AddNode(silent.port());
  loop::TimePoint started = loop::Clock::now();
  util::StatusOr<size_t> failed = ConnectAll(&loop_, &nodes_, base_, 1, stop_, out_.get());
  ASSERT_TRUE(failed.ok()) << failed.status().ToString();
  EXPECT_EQ(*failed, 2u);
  // One handshake at a time (-d 1): the silent host's timeout comes after
  // the refusal, and the whole run ends within about one timeout.
  EXPECT_LT(loop::MillisecondsSince(started), 3000);
  std::string refused_error = nodes_[0].error.ToString();
  std::string silent_error = nodes_[1].error.ToString();
  EXPECT_NE(refused_error.find("127.0.0.1:" + std::to_string(refused.port())), std::string::npos) << refused_error;
  EXPECT_NE(refused_error.find("refused"), std::string::npos) << refused_error;
  EXPECT_NE(silent_error.find("127.0.0.1:" + std::to_string(silent.port())), std::string::npos) << silent_error;
  EXPECT_NE(silent_error.find("timed out"), std::string::npos) << silent_error;
  for (const Node& node : nodes_) EXPECT_FALSE(node.connected());
}

TEST_F(ConnectAllTest, AStopDropsTheHandshakesInFlight) {
  ssh::LocalListener silent;
  for (int i = 0; i < 3; ++i) AddNode(silent.port());
  base_.connect_timeout = 60s;
  loop_.AddTimerAfter(100ms, [this] { stop_.Request(StopReason::kInterrupted); });
  loop::TimePoint started = loop::Clock::now();
  util::StatusOr<size_t> failed = ConnectAll(&loop_, &nodes_, base_, 16, stop_, out_.get());
  ASSERT_TRUE(failed.ok()) << failed.status().ToString();
  EXPECT_LT(loop::MillisecondsSince(started), 5000);
  for (const Node& node : nodes_) EXPECT_FALSE(node.connected());
}

TEST_F(ConnectAllTest, WithShardsAHostBehindAJumpHostIsConnectedFromTheMainLoop) {
  ssh::LocalListener refused;
  refused.Close();
  AddNode(refused.port());
  AddNode(refused.port());
  base_.jump = ssh::JumpChain{ssh::JumpSpec{std::nullopt, "bastion", std::nullopt}};
  util::StatusOr<size_t> failed = ConnectAll(&loop_, &nodes_, base_, 16, stop_, out_.get(), 2);
  ASSERT_TRUE(failed.ok()) << failed.status().ToString();
  EXPECT_EQ(*failed, 2u);
  // Both went through the shards first, then failed on the main loop,
  // which alone may reach jump hosts (here: none).
  for (const Node& node : nodes_) {
    std::string error = node.error.ToString();
    EXPECT_NE(error.find("can't go through jump host"), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace cluster
