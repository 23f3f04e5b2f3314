#include "cluster/handshake_shards.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <thread>

#include "cluster/offline_session_options_for_test.h"
#include "ssh/local_listener_for_test.h"

namespace cluster {
namespace {

using namespace std::chrono_literals;

class HandshakeShardsTest : public ::testing::Test {
 protected:
  HandshakeShardsTest() : base_(OfflineSessionOptions(&home_)) {}
  HandshakeShards::Job JobFor(size_t index, int port) {
    HandshakeShards::Job job{index, base_};
    job.options.host = "127.0.0.1";
    job.options.port = port;
    return job;
  }

  loop::EventLoop home_;
  ssh::SessionOptions base_;
};

TEST_F(HandshakeShardsTest, EveryJobEndsOnceOnTheHomeThreadWithItsOwnCause) {
  ssh::LocalListener refused;
  refused.Close();
  ssh::LocalListener silent;
  std::map<size_t, HandshakeShards::Ending> endings;
  bool all_home = true;
  std::thread::id home_thread = std::this_thread::get_id();
  HandshakeShards shards(&home_, 2, 4, [&](HandshakeShards::Ending ending) {
    all_home = all_home && std::this_thread::get_id() == home_thread;
    EXPECT_EQ(endings.count(ending.index), 0u);
    endings[ending.index] = std::move(ending);
  });
  std::vector<HandshakeShards::Job> jobs;
  for (size_t i = 0; i < 9; ++i) jobs.push_back(JobFor(i, i % 3 == 2 ? silent.port() : refused.port()));
  ASSERT_TRUE(shards.Start(std::move(jobs)).ok());
  util::Status waited = home_.RunUntil([&] { return endings.size() == 9; }, loop::Clock::now() + 10s);
  ASSERT_TRUE(waited.ok());
  ASSERT_EQ(endings.size(), 9u);
  EXPECT_TRUE(all_home);
  for (auto& [index, ending] : endings) {
    EXPECT_FALSE(ending.status.ok());
    EXPECT_FALSE(ending.session);
    EXPECT_FALSE(ending.needs_route);
    const char* cause = index % 3 == 2 ? "timed out" : "refused";
    EXPECT_NE(ending.status.ToString().find(cause), std::string::npos) << index << ": " << ending.status.ToString();
  }
}

TEST_F(HandshakeShardsTest, AHostBehindAJumpHostIsLeftToTheHomeLoop) {
  std::vector<HandshakeShards::Ending> endings;
  HandshakeShards shards(&home_, 2, 2, [&](HandshakeShards::Ending ending) { endings.push_back(std::move(ending)); });
  HandshakeShards::Job job = JobFor(7, 22);
  job.options.jump = ssh::JumpChain{ssh::JumpSpec{std::nullopt, "bastion", std::nullopt}};
  std::vector<HandshakeShards::Job> jobs;
  jobs.push_back(std::move(job));
  ASSERT_TRUE(shards.Start(std::move(jobs)).ok());
  ASSERT_TRUE(home_.RunUntil([&] { return !endings.empty(); }, loop::Clock::now() + 10s).ok());
  ASSERT_EQ(endings.size(), 1u);
  EXPECT_EQ(endings[0].index, 7u);
  EXPECT_TRUE(endings[0].needs_route);
  EXPECT_FALSE(endings[0].session);
}

TEST_F(HandshakeShardsTest, AHostHandedBackKeepsItsPlaceInTheCapUntilReleased) {
  ssh::LocalListener refused;
  refused.Close();
  std::map<size_t, HandshakeShards::Ending> endings;
  // Two shards, one handshake in flight each; shard 0 gets jobs 0 and 2.
  HandshakeShards shards(&home_, 2, 2, [&](HandshakeShards::Ending ending) { endings[ending.index] = std::move(ending); });
  std::vector<HandshakeShards::Job> jobs;
  jobs.push_back(JobFor(0, refused.port()));
  jobs[0].options.jump = ssh::JumpChain{ssh::JumpSpec{std::nullopt, "bastion", std::nullopt}};
  jobs.push_back(JobFor(1, refused.port()));
  jobs.push_back(JobFor(2, refused.port()));
  ASSERT_TRUE(shards.Start(std::move(jobs)).ok());
  ASSERT_TRUE(home_.RunUntil([&] { return endings.size() == 2; }, loop::Clock::now() + 10s).ok());
  ASSERT_TRUE(endings[0].needs_route);
  EXPECT_EQ(endings[0].shard, 0u);
  EXPECT_EQ(endings.count(1), 1u);
  // Host 0's handshake now runs on the home loop: shard 0 has no room.
  home_.RunUntil([&] { return endings.size() > 2; }, loop::Clock::now() + 300ms);
  EXPECT_EQ(endings.count(2), 0u);
  shards.Release(0);  // It ended there.
  ASSERT_TRUE(home_.RunUntil([&] { return endings.size() == 3; }, loop::Clock::now() + 10s).ok());
  EXPECT_NE(endings[2].status.ToString().find("refused"), std::string::npos);
}

TEST_F(HandshakeShardsTest, StopDropsWhatIsStillConnectingAndDeliversNothingAfter) {
  ssh::LocalListener silent;
  base_.connect_timeout = 60s;
  size_t delivered = 0;
  HandshakeShards shards(&home_, 2, 8, [&](HandshakeShards::Ending) { ++delivered; });
  std::vector<HandshakeShards::Job> jobs;
  for (size_t i = 0; i < 6; ++i) jobs.push_back(JobFor(i, silent.port()));
  ASSERT_TRUE(shards.Start(std::move(jobs)).ok());
  home_.RunUntil([] { return false; }, loop::Clock::now() + 100ms);
  loop::TimePoint stopping = loop::Clock::now();
  shards.Stop();
  EXPECT_LT(loop::MillisecondsSince(stopping), 2000);
  home_.RunUntil([] { return false; }, loop::Clock::now() + 50ms);
  EXPECT_EQ(delivered, 0u);
}

TEST(HandshakeShardsCountTest, NeverMoreThanHostsOrHandshakesInFlight) {
  EXPECT_EQ(HandshakeShards::CountFor(1, 512), 1u);
  EXPECT_EQ(HandshakeShards::CountFor(10000, 1), 1u);
  EXPECT_GE(HandshakeShards::CountFor(10000, 512), 1u);
  EXPECT_LE(HandshakeShards::CountFor(10000, 512), HandshakeShards::kMaxShards);
}

}  // namespace
}  // namespace cluster
