#include "ssh/liveness.h"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace ssh {
namespace {

using std::chrono::milliseconds;

class LivenessTest : public ::testing::Test {
 protected:
  TimePoint At(int ms) const { return start_ + milliseconds(ms); }

  TimePoint start_ = Clock::now();
};

TEST_F(LivenessTest, KeepAliveAfterSilenceThenOnePerInterval) {
  Liveness liveness(milliseconds(1000), milliseconds(0));
  liveness.Start(At(0), std::nullopt);
  Liveness::Decision d = liveness.Check(At(500));
  EXPECT_FALSE(d.dead);
  EXPECT_FALSE(d.send_keep_alive);
  EXPECT_EQ(d.next, At(1000));
  d = liveness.Check(At(1000));
  EXPECT_TRUE(d.send_keep_alive);
  EXPECT_EQ(d.next, At(2000));
  d = liveness.Check(At(1500));  // The keep-alive counts as sent.
  EXPECT_FALSE(d.send_keep_alive);
  EXPECT_EQ(d.next, At(2000));
}

TEST_F(LivenessTest, ReceivingPostponesTheKeepAlive) {
  Liveness liveness(milliseconds(1000), milliseconds(0));
  liveness.Start(At(0), std::nullopt);
  liveness.NoteReceived(At(800));
  Liveness::Decision d = liveness.Check(At(1000));
  EXPECT_FALSE(d.send_keep_alive);
  EXPECT_EQ(d.next, At(1800));
}

TEST_F(LivenessTest, DeadAfterSilenceEvenWithKeepAlivesSent) {
  Liveness liveness(milliseconds(1000), milliseconds(3000));
  liveness.Start(At(0), std::nullopt);
  EXPECT_TRUE(liveness.Check(At(1000)).send_keep_alive);
  Liveness::Decision d = liveness.Check(At(2000));
  EXPECT_TRUE(d.send_keep_alive);
  EXPECT_EQ(d.next, At(3000));  // The dead line comes before the next keep-alive.
  EXPECT_FALSE(liveness.Check(At(2999)).dead);
  EXPECT_TRUE(liveness.Check(At(3000)).dead);
}

TEST_F(LivenessTest, AGrowingKernelCountIsAnAnswer) {
  Liveness liveness(milliseconds(1000), milliseconds(3000));
  liveness.Start(At(0), 5000);  // The handshake's bytes are not news.
  liveness.NoteKernelCount(5000, At(2500));  // Unchanged: no news.
  EXPECT_EQ(liveness.last_receive(), At(0));
  liveness.NoteKernelCount(5100, At(2600));  // A keep-alive reply read by libssh.
  EXPECT_EQ(liveness.last_receive(), At(2600));
  EXPECT_FALSE(liveness.Check(At(3000)).dead);
  EXPECT_TRUE(liveness.Check(At(5600)).dead);
}

TEST_F(LivenessTest, AnOlderReadingNeverMovesTimeBack) {
  Liveness liveness(milliseconds(0), milliseconds(3000));
  liveness.Start(At(0), 100);
  liveness.NoteReceived(At(2000));
  liveness.NoteKernelCount(200, At(1000));
  EXPECT_EQ(liveness.last_receive(), At(2000));
}

TEST_F(LivenessTest, ZeroDisablesBoth) {
  Liveness liveness(milliseconds(0), milliseconds(0));
  liveness.Start(At(0), std::nullopt);
  Liveness::Decision d = liveness.Check(At(1000000));
  EXPECT_FALSE(d.dead);
  EXPECT_FALSE(d.send_keep_alive);
  EXPECT_EQ(d.next, TimePoint::max());
}

TEST(KernelBytesReceivedTest, NoneForANonTcpSocket) {
  EXPECT_FALSE(KernelBytesReceived(-1).has_value());
  EXPECT_FALSE(KernelBytesReceived(0).has_value());
}

// Behind a jump host the session's socket is one end of a socketpair: no
// kernel count, so readable events alone prove the host alive.
TEST(KernelBytesReceivedTest, NoneForAUnixSocketSoEventsDecide) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  EXPECT_FALSE(KernelBytesReceived(fds[0]).has_value());
  close(fds[0]);
  close(fds[1]);
  Liveness liveness(milliseconds(0), milliseconds(3000));
  TimePoint start = Clock::now();
  liveness.Start(start, std::nullopt);
  liveness.NoteReceived(start + milliseconds(2000));
  EXPECT_FALSE(liveness.Check(start + milliseconds(4000)).dead);
  EXPECT_TRUE(liveness.Check(start + milliseconds(5000)).dead);
}

}  // namespace
}  // namespace ssh
