#include "cluster/lock.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cluster/fake_cluster_test_for_test.h"

namespace cluster {
namespace {

using namespace std::chrono_literals;

class LockTest : public FakeClusterTest {
 protected:
  LockTest() {
    spec_.path = "/srv";
    spec_.owner = "me@here pid 1 since T";
    for (FakeHost* host : hosts_) host->script = Holder("LOCKED\n");
  }
  // A holder that prints `answer`, echoes every line it reads and exits at
  // EOF.
  static std::function<void(FakeCommand&)> Holder(std::string answer) {
    return [answer](FakeCommand& c) {
      c.Stdout(answer);
      c.on_stdin = [&c](std::string bytes) { c.Stdout(bytes); };
      c.on_eof = [&c] { c.Exit(0); };
    };
  }

  LockSpec spec_;
  ClusterLock lock_{&loop_, &nodes_, out_.get()};
};

TEST_F(LockTest, AcquireTakesEveryHostAndReleaseEndsEveryHolder) {
  ASSERT_TRUE(lock_.Acquire(spec_, stop_).ok());
  for (FakeHost* host : hosts_) EXPECT_EQ(host->commands[0]->command(), LockCommand(spec_));
  lock_.Release();
  for (FakeHost* host : hosts_) {
    EXPECT_TRUE(host->commands[0]->stdin_closed());
    EXPECT_TRUE(host->commands[0]->closed());
  }
}

TEST_F(LockTest, ABusyHostFailsTheWholeLockAndTheOthersAreReleased) {
  hosts_[1]->script = [](FakeCommand& c) {
    c.Stdout("BUSY\nyou@there pid 7 since T\n");
    c.Exit(1);
  };
  util::Status status = lock_.Acquire(spec_, stop_);
  ASSERT_FALSE(status.ok());
  std::string text = status.ToString();
  EXPECT_NE(text.find(std::string("h1: ") + kLockBusyMessage), std::string::npos) << text;
  EXPECT_NE(text.find("held by you@there pid 7 since T"), std::string::npos) << text;
  EXPECT_FALSE(nodes_[1].error.ok());
  EXPECT_TRUE(hosts_[0]->commands[0]->stdin_closed());
  EXPECT_TRUE(hosts_[2]->commands[0]->stdin_closed());
}

TEST_F(LockTest, WithNoLockFailABusyHostIsOnlyWarnedAbout) {
  hosts_[2]->script = [](FakeCommand& c) {
    c.Stdout("BUSY\n");
    c.Exit(1);
  };
  spec_.no_lock_fail = true;
  EXPECT_TRUE(lock_.Acquire(spec_, stop_).ok());
  EXPECT_TRUE(nodes_[2].error.ok());
  EXPECT_NE(out_.Text().find(kLockBusyMessage), std::string::npos);
  lock_.Release();
}

TEST_F(LockTest, AnInterruptWhileLockingReleasesWhatWasTaken) {
  hosts_[0]->script = [](FakeCommand& c) { c.on_eof = [&c] { c.Exit(0); }; };  // Never answers.
  After(20ms, [&] { stop_.Request(StopReason::kInterrupted); });
  util::Status status = lock_.Acquire(spec_, stop_);
  EXPECT_EQ(status.ToString(), "interrupted while locking");
  for (FakeHost* host : hosts_) EXPECT_TRUE(host->commands[0]->stdin_closed());
}

TEST_F(LockTest, AHolderThatStopsAnsweringLosesTheHeartbeat) {
  ASSERT_TRUE(lock_.Acquire(spec_, stop_).ok());
  util::Status lost;
  lock_.StartHeartbeat(5ms, 200ms, [&](util::Status error) { lost = error; });
  After(40ms, [&] { hosts_[2]->commands[0]->on_stdin = nullptr; });  // Host 2 goes silent.
  ASSERT_TRUE(loop_.RunUntil([&] { return !lost.ok(); }, loop::Clock::now() + 5s).ok());
  EXPECT_NE(lost.ToString().find("heartbeat lost on h2: no heartbeat answer within 200 ms"), std::string::npos)
      << lost.ToString();
  EXPECT_FALSE(nodes_[2].error.ok());
  EXPECT_TRUE(nodes_[0].error.ok());
  lock_.Release();
}

TEST_F(LockTest, AHolderThatExitsLosesTheHeartbeatAtOnce) {
  ASSERT_TRUE(lock_.Acquire(spec_, stop_).ok());
  util::Status lost;
  lock_.StartHeartbeat(10s, 10s, [&](util::Status error) { lost = error; });
  After(5ms, [&] { hosts_[0]->commands[0]->Fail("connection lost"); });
  ASSERT_TRUE(loop_.RunUntil([&] { return !lost.ok(); }, loop::Clock::now() + 5s).ok());
  EXPECT_NE(lost.ToString().find("heartbeat lost on h0: connection lost"), std::string::npos) << lost.ToString();
  lock_.Release();
}

TEST_F(LockTest, ReleaseWaitsForTheLastHolderToExit) {
  hosts_[1]->script = [this](FakeCommand& c) {
    c.Stdout("LOCKED\n");
    c.on_eof = [this, &c] { After(30ms, [&c] { c.Exit(0); }); };  // Exits late.
  };
  ASSERT_TRUE(lock_.Acquire(spec_, stop_).ok());
  loop::TimePoint start = loop::Clock::now();
  lock_.Release();
  EXPECT_GE(loop::Clock::now() - start, 25ms);
  for (FakeHost* host : hosts_) EXPECT_TRUE(host->commands[0]->closed());
}

TEST_F(LockTest, ReleaseDoesNotWaitForAHolderWhoseHeartbeatWasLost) {
  hosts_[2]->script = [](FakeCommand& c) { c.Stdout("LOCKED\n"); };  // Never echoes, never exits.
  ASSERT_TRUE(lock_.Acquire(spec_, stop_).ok());
  util::Status lost;
  lock_.StartHeartbeat(5ms, 20ms, [&](util::Status error) { lost = error; });
  ASSERT_TRUE(loop_.RunUntil([&] { return !lost.ok(); }, loop::Clock::now() + 5s).ok());
  loop::TimePoint start = loop::Clock::now();
  lock_.Release();
  EXPECT_LT(loop::Clock::now() - start, 2s);  // Not the 5 s wait for holders.
}

// Many hosts: the wait is counted, not scanned (2,000 hosts release at once).
class ManyHostsLockTest : public FakeClusterTest {
 protected:
  ManyHostsLockTest() : FakeClusterTest(2000) {
    spec_.path = "/srv";
    for (FakeHost* host : hosts_) {
      host->script = [](FakeCommand& c) {
        c.Stdout("LOCKED\n");
        c.on_eof = [&c] { c.Exit(0); };
      };
    }
  }
  LockSpec spec_;
  ClusterLock lock_{&loop_, &nodes_, out_.get()};
};

TEST_F(ManyHostsLockTest, ReleaseEndsEveryHolder) {
  ASSERT_TRUE(lock_.Acquire(spec_, stop_).ok());
  lock_.Release();
  for (FakeHost* host : hosts_) ASSERT_TRUE(host->commands[0]->closed());
}

}  // namespace
}  // namespace cluster
