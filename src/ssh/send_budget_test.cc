#include "ssh/send_budget.h"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace ssh {
namespace {

// A budget whose kernel readings the test sets, counting how often they
// are taken.
class SendBudgetTest : public ::testing::Test {
 protected:
  SendBudgetTest()
      : budget_([this]() -> std::optional<SendBudget::Reading> {
          ++readings_;
          return reading_;
        }) {}

  void Set(int sndbuf, int queued) {
    reading_ = SendBudget::Reading{};
    reading_->sndbuf = sndbuf;
    reading_->queued = queued;
  }

  std::optional<SendBudget::Reading> reading_;
  int readings_ = 0;
  SendBudget budget_;
};

TEST_F(SendBudgetTest, RoomIsHalfTheBufferMinusTheQueue) {
  Set(400000, 50000);
  EXPECT_EQ(budget_.Room(), 150000u);
  Set(400000, 250000);
  budget_.Forget();
  EXPECT_EQ(budget_.Room(), 0u);  // Over the payload estimate: none.
}

TEST_F(SendBudgetTest, AsksTheKernelOncePerEventAndWritesConsumeTheAnswer) {
  Set(400000, 0);
  EXPECT_EQ(budget_.Room(), 200000u);
  EXPECT_EQ(budget_.Room(), 200000u);
  EXPECT_EQ(readings_, 1);
  // Every packet of up to 32 KiB costs 128 bytes on top of its payload.
  budget_.Consume(100000);
  EXPECT_EQ(budget_.Room(), 200000u - 100000u - 4 * 128u);
  budget_.Consume(200000);
  EXPECT_EQ(budget_.Room(), 0u);
  EXPECT_EQ(readings_, 1);
  budget_.NewEvent(false);
  EXPECT_EQ(budget_.Room(), 200000u);
  EXPECT_EQ(readings_, 2);
}

TEST_F(SendBudgetTest, UnknownReadingsAllowOneModestWriteAndAreNotKept) {
  reading_.reset();
  EXPECT_EQ(budget_.Room(), kMinSendChunk);
  EXPECT_EQ(budget_.Room(), kMinSendChunk);
  EXPECT_EQ(readings_, 2);
}

TEST_F(SendBudgetTest, BytesStillInLibsshLeaveNoRoomUntilTheNextEvent) {
  reading_ = SendBudget::Reading{};
  reading_->unsent = true;
  EXPECT_EQ(budget_.Room(), 0u);
  Set(400000, 0);
  EXPECT_EQ(budget_.Room(), 0u);  // This event's answer stands.
  budget_.NewEvent(false);
  EXPECT_EQ(budget_.Room(), 200000u);
}

TEST_F(SendBudgetTest, GrantsWhatTheDataAndWindowAllowWhenItFits) {
  Set(400000, 0);
  EXPECT_EQ(budget_.Grant(1000), 1000u);
  EXPECT_FALSE(budget_.waiting_for_room());
}

TEST_F(SendBudgetTest, ASmallRemainderWaitsForTheWritableSignal) {
  Set(100000, 40000);  // Room 10000: less than one full packet.
  EXPECT_EQ(budget_.Grant(50000), 0u);
  EXPECT_TRUE(budget_.waiting_for_room());
  // EPOLLOUT: the kernel had a third free, so at least a quarter is granted.
  budget_.NewEvent(true);
  EXPECT_FALSE(budget_.waiting_for_room());
  EXPECT_EQ(budget_.Grant(50000), 25000u);
  EXPECT_TRUE(budget_.waiting_for_room());  // Still limited by the socket.
  budget_.Consume(25000);
  // The credit is spent by the write: small remainders wait again.
  budget_.NewEvent(false);
  EXPECT_EQ(budget_.Grant(50000), 0u);
}

TEST_F(SendBudgetTest, ARoomLimitedWriteOfAFullPacketGoesAhead) {
  Set(400000, 100000);  // Room 100000.
  EXPECT_EQ(budget_.Grant(300000), 100000u);
  EXPECT_TRUE(budget_.waiting_for_room());
}

TEST_F(SendBudgetTest, CreditSurvivesAnEmptyWrite) {
  Set(100000, 50000);  // Room 0 without credit.
  budget_.NewEvent(true);
  budget_.Consume(0);
  EXPECT_EQ(budget_.Room(), 25000u);
}

TEST(SendQueueTest, ReadsAndFixesARealSocket) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  std::optional<SendBudget::Reading> reading = ReadSendQueue(fds[0], 0);
  ASSERT_TRUE(reading.has_value());
  EXPECT_GT(reading->sndbuf, 0);
  EXPECT_EQ(reading->queued, 0);
  int fixed = FixSendBuffer(fds[0], 65536);
  EXPECT_GE(fixed, 65536);  // The kernel doubles what it is given.
  reading = ReadSendQueue(fds[0], fixed);
  ASSERT_TRUE(reading.has_value());
  EXPECT_EQ(reading->sndbuf, fixed);
  close(fds[0]);
  close(fds[1]);
  EXPECT_FALSE(ReadSendQueue(-1, 0).has_value());
  EXPECT_EQ(FixSendBuffer(-1, 65536), 0);
}

// A session behind a jump host writes into a socketpair: its queue is what
// the tunnel has not read yet, and empties when the tunnel reads it.
TEST(SendQueueTest, AUnixSocketsQueueIsWhatThePeerHasNotRead) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  std::string data(10000, 'x');
  ASSERT_EQ(write(fds[0], data.data(), data.size()), static_cast<ssize_t>(data.size()));
  std::optional<SendBudget::Reading> reading = ReadSendQueue(fds[0], 0);
  ASSERT_TRUE(reading.has_value());
  EXPECT_GE(reading->queued, 10000);  // Counted with the kernel's overhead.
  EXPECT_LT(reading->queued, reading->sndbuf);
  char sink[16384];
  ASSERT_EQ(read(fds[1], sink, sizeof sink), 10000);
  reading = ReadSendQueue(fds[0], 0);
  ASSERT_TRUE(reading.has_value());
  EXPECT_EQ(reading->queued, 0);
  close(fds[0]);
  close(fds[1]);
}

}  // namespace
}  // namespace ssh
