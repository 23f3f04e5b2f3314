// StdinPump against a real pipe (made small), with a fake library buffer as
// the pull side. The first test is the fleet upload bug: a pull that runs
// the data callback (Offer) re-entrantly, as libssh does when its buffer is
// empty, used to lose or strand the bytes that callback queued.
#include "stdin_pump.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include <gtest/gtest.h>

namespace fleet {
namespace {

class StdinPumpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    signal(SIGPIPE, SIG_IGN);
    ASSERT_EQ(pipe2(fds_, O_NONBLOCK), 0);
    fcntl(fds_[1], F_SETPIPE_SZ, 4096);
    pipe_size_ = fcntl(fds_[1], F_GETPIPE_SZ);
  }
  void TearDown() override {
    if (fds_[0] >= 0) close(fds_[0]);
    if (fds_[1] >= 0) close(fds_[1]);
  }
  std::string ReadAll() {
    std::string got;
    char buf[65536];
    for (ssize_t n; (n = read(fds_[0], buf, sizeof buf)) > 0;) got.append(buf, n);
    return got;
  }
  static std::string Bytes(size_t n, char seed) {
    std::string s(n, 0);
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i * 7 + i / 251);
    return s;
  }

  int fds_[2] = {-1, -1};
  int pipe_size_ = 0;
};

TEST_F(StdinPumpTest, ReentrantOfferDuringPullKeepsEveryByteInOrder) {
  StdinPump pump(&fds_[1], 1000);
  std::string first = Bytes(pipe_size_ + 500, 'a');  // Fills the pipe, queues 500.
  ASSERT_EQ(pump.Offer(first.data(), first.size()), first.size());
  ASSERT_TRUE(pump.queued());
  std::string got = ReadAll();  // The reader empties the pipe.
  // The library's buffer is empty: the pull runs a packet's callback, which
  // offers more than pipe + cap; the library keeps the rest, pulled next.
  std::string packet = Bytes(pipe_size_ + 3000, 'k'), held;
  int pulls = 0;
  auto pull = [&](char* buffer, size_t size) -> int {
    if (pulls++ == 0) {
      size_t taken = pump.Offer(packet.data(), packet.size());
      held = packet.substr(taken);
    }
    size_t n = std::min(size, held.size());
    held.copy(buffer, n);
    held.erase(0, n);
    return static_cast<int>(n);
  };
  std::string want = first + packet;
  for (int round = 0; round < 100 && got.size() < want.size(); ++round) {
    StdinPump::Result result = pump.Drain(pull);
    got += ReadAll();
    if (result == StdinPump::Result::kIdle) break;
    ASSERT_EQ(result, StdinPump::Result::kBlocked);
  }
  EXPECT_FALSE(pump.queued());
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << "bytes reordered or lost";
}

// The callback run inside the pull takes a whole packet (pipe + queue) and
// the pull itself returns nothing: the queue is not idle (the old pump
// stopped watching the pipe here, and the host's tar hung).
TEST_F(StdinPumpTest, QueuedByReentrantOfferIsNotIdle) {
  StdinPump pump(&fds_[1], 1000);
  std::string packet = Bytes(pipe_size_ + 500, 'p');
  int pulls = 0;
  auto pull = [&](char*, size_t) {
    if (pulls++ == 0) {
      EXPECT_EQ(pump.Offer(packet.data(), packet.size()), packet.size());
    }
    return 0;
  };
  EXPECT_EQ(pump.Drain(pull), StdinPump::Result::kBlocked);
  std::string got = ReadAll();
  EXPECT_EQ(pump.Drain(pull), StdinPump::Result::kIdle);
  got += ReadAll();
  EXPECT_TRUE(got == packet);
}

TEST_F(StdinPumpTest, OfferTakesNoMoreThanPipeAndCap) {
  StdinPump pump(&fds_[1], 100);
  std::string data = Bytes(pipe_size_ + 1000, 'x');
  EXPECT_EQ(pump.Offer(data.data(), data.size()), static_cast<size_t>(pipe_size_) + 100);
  // Queue non-empty: nothing more is written past it, only queued to the cap.
  EXPECT_EQ(pump.Offer(data.data(), data.size()), 0u);
}

TEST_F(StdinPumpTest, BlockedWhilePipeFullIdleOnceAllIsIn) {
  StdinPump pump(&fds_[1], 1 << 20);
  std::string data = Bytes(3 * pipe_size_, 'q');
  ASSERT_EQ(pump.Offer(data.data(), data.size()), data.size());
  auto nothing = [](char*, size_t) { return 0; };
  EXPECT_EQ(pump.Drain(nothing), StdinPump::Result::kBlocked);
  std::string got = ReadAll();
  EXPECT_EQ(pump.Drain(nothing), StdinPump::Result::kBlocked);
  got += ReadAll();
  EXPECT_EQ(pump.Drain(nothing), StdinPump::Result::kIdle);
  got += ReadAll();
  EXPECT_TRUE(got == data);
}

TEST_F(StdinPumpTest, ReaderGoneIsBrokenAndDropsTheRest) {
  StdinPump pump(&fds_[1], 1 << 20);
  close(fds_[0]);
  fds_[0] = -1;
  std::string data = Bytes(100, 'z');
  EXPECT_EQ(pump.Offer(data.data(), data.size()), data.size());
  EXPECT_TRUE(pump.broken());
  EXPECT_EQ(pump.Drain([](char*, size_t) { return 0; }), StdinPump::Result::kBroken);
}

TEST_F(StdinPumpTest, ClosedByOwnerDuringPullIsBroken) {
  StdinPump pump(&fds_[1], 100);
  auto pull = [&](char*, size_t) {
    close(fds_[1]);
    fds_[1] = -1;  // As the channel's close callback does.
    return 0;
  };
  EXPECT_EQ(pump.Drain(pull), StdinPump::Result::kBroken);
}

}  // namespace
}  // namespace fleet
