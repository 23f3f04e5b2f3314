#include "ssh/event_loop.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace ssh {
namespace {

using namespace std::chrono_literals;

class Pipe {
 public:
  Pipe() { EXPECT_EQ(pipe(fds_), 0); }
  ~Pipe() {
    close(fds_[0]);
    close(fds_[1]);
  }
  int read_end() const { return fds_[0]; }
  int write_end() const { return fds_[1]; }

 private:
  int fds_[2];
};

TEST(EventLoopTest, RunReturnsWithoutWork) {
  EventLoop loop;
  ASSERT_TRUE(loop.init_status().ok());
  loop.Run();
  EXPECT_FALSE(loop.RunOnce(0ms));
}

TEST(EventLoopTest, TimersFireInDeadlineOrder) {
  EventLoop loop;
  std::vector<int> order;
  TimePoint now = Clock::now();
  loop.AddTimer(now + 20ms, [&] { order.push_back(2); });
  loop.AddTimer(now + 5ms, [&] { order.push_back(1); });
  loop.AddTimer(now + 30ms, [&] { order.push_back(3); });
  loop.Run();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_GE(Clock::now() - now, 30ms);
}

TEST(EventLoopTest, CancelledTimerNeverFires) {
  EventLoop loop;
  bool fired = false;
  auto id = loop.AddTimerAfter(1ms, [&] { fired = true; });
  loop.CancelTimer(id);
  loop.CancelTimer(id);  // Twice is harmless.
  loop.Run();
  EXPECT_FALSE(fired);
  EXPECT_EQ(loop.timer_count(), 0u);
}

TEST(EventLoopTest, TimerCanCancelAnotherDueTimer) {
  EventLoop loop;
  bool second = false;
  EventLoop::TimerId later = 0;
  TimePoint when = Clock::now();
  loop.AddTimer(when, [&] { loop.CancelTimer(later); });
  later = loop.AddTimer(when + 1ms, [&] { second = true; });
  loop.Run();
  EXPECT_FALSE(second);
}

TEST(EventLoopTest, PostedTaskRunsOnNextIteration) {
  EventLoop loop;
  int runs = 0;
  loop.Post([&] {
    ++runs;
    loop.Post([&] { ++runs; });
  });
  EXPECT_EQ(runs, 0);
  loop.Run();
  EXPECT_EQ(runs, 2);
}

TEST(EventLoopTest, WatchReportsReadableAndUnwatchFromCallback) {
  EventLoop loop;
  Pipe pipe;
  std::string got;
  EventLoop::WatchId id = 0;
  id = loop.Watch(pipe.read_end(), kReadable, [&](uint32_t events) {
    ASSERT_TRUE(events & kReadable);
    char buf[16];
    ssize_t n = read(pipe.read_end(), buf, sizeof buf);
    got.append(buf, n > 0 ? n : 0);
    loop.Unwatch(id);
  });
  ASSERT_NE(id, 0u);
  ASSERT_EQ(write(pipe.write_end(), "hi", 2), 2);
  loop.Run();  // Ends once the watch is gone.
  EXPECT_EQ(got, "hi");
  EXPECT_EQ(loop.watch_count(), 0u);
}

TEST(EventLoopTest, WatchForWritableAndModify) {
  EventLoop loop;
  Pipe pipe;
  int writable = 0;
  EventLoop::WatchId id = 0;
  id = loop.Watch(pipe.write_end(), kWritable, [&](uint32_t events) {
    EXPECT_TRUE(events & kWritable);
    ++writable;
    loop.Modify(id, 0);  // No interest: the loop goes idle.
  });
  for (int i = 0; i < 5; ++i) loop.RunOnce(10ms);
  EXPECT_EQ(writable, 1);
  loop.Unwatch(id);
}

TEST(EventLoopTest, WatchThatDoesNotKeepLoopAlive) {
  EventLoop loop;
  Pipe pipe;
  loop.Watch(pipe.read_end(), kReadable, [](uint32_t) {}, false);
  loop.Run();  // Returns at once: only a helper watch is left.
  EXPECT_EQ(loop.watch_count(), 1u);
}

TEST(EventLoopTest, WatchingTheSameFdTwiceFails) {
  EventLoop loop;
  Pipe pipe;
  util::Status error;
  EXPECT_NE(loop.Watch(pipe.read_end(), kReadable, [](uint32_t) {}), 0u);
  EXPECT_EQ(loop.Watch(pipe.read_end(), kReadable, [](uint32_t) {}, true, &error), 0u);
  EXPECT_FALSE(error.ok());
}

TEST(EventLoopTest, StopEndsRun) {
  EventLoop loop;
  Pipe pipe;
  loop.Watch(pipe.read_end(), kReadable, [](uint32_t) {});
  loop.AddTimerAfter(5ms, [&] { loop.Stop(); });
  loop.Run();
  SUCCEED();
}

TEST(EventLoopTest, ManyTimersStayCheap) {
  EventLoop loop;
  int fired = 0;
  std::vector<EventLoop::TimerId> ids;
  TimePoint when = Clock::now();
  for (int i = 0; i < 20000; ++i) {
    ids.push_back(loop.AddTimer(when + std::chrono::microseconds(i), [&] { ++fired; }));
  }
  for (int i = 0; i < 20000; i += 2) loop.CancelTimer(ids[i]);
  loop.Run();
  EXPECT_EQ(fired, 10000);
}

}  // namespace
}  // namespace ssh
