#include "loop/event_loop.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <string>
#include <vector>

namespace loop {
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
  ASSERT_TRUE(loop.status().ok());
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

TEST(EventLoopTest, RunUntilReturnsWhenACallbackMeetsTheCondition) {
  EventLoop loop;
  Pipe pipe;
  bool done = false;
  // A watch that does not keep the loop alive, like the signal self-pipe:
  // RunUntil still waits for it (without a deadline, without a slice).
  loop.Watch(pipe.read_end(), kReadable, [&](uint32_t) { done = true; }, /*keeps_loop_alive=*/false);
  loop.AddTimerAfter(20ms, [&] { ASSERT_EQ(write(pipe.write_end(), "x", 1), 1); });
  TimePoint start = Clock::now();
  util::Status status = loop.RunUntil([&] { return done; });
  EXPECT_TRUE(status.ok());
  EXPECT_TRUE(done);
  EXPECT_LT(Clock::now() - start, 2s);
}

TEST(EventLoopTest, RunUntilChecksTheConditionBeforeWaiting) {
  EventLoop loop;
  Pipe pipe;
  loop.Watch(pipe.read_end(), kReadable, [](uint32_t) {});
  int checks = 0;
  EXPECT_TRUE(loop.RunUntil([&] { return ++checks > 0; }).ok());
  EXPECT_EQ(checks, 1);
}

TEST(EventLoopTest, RunUntilReturnsAtTheDeadline) {
  EventLoop loop;
  Pipe pipe;
  loop.Watch(pipe.read_end(), kReadable, [](uint32_t) {});
  bool fired = false;
  loop.AddTimerAfter(10s, [&] { fired = true; });
  TimePoint deadline = Clock::now() + 30ms;
  EXPECT_TRUE(loop.RunUntil([] { return false; }, deadline).ok());
  EXPECT_GE(Clock::now(), deadline);
  EXPECT_LT(Clock::now() - deadline, 1s);
  EXPECT_FALSE(fired);
}

TEST(EventLoopTest, RunUntilReturnsWhenNothingCanChange) {
  EventLoop loop;
  TimePoint start = Clock::now();
  EXPECT_TRUE(loop.RunUntil([] { return false; }).ok());
  EXPECT_LT(Clock::now() - start, 1s);
}

// The highest-numbered epoll fd of this process: the newest loop's.
int NewestEpollFd() {
  int found = -1;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  while (dirent* entry = readdir(dir)) {
    char target[64] = {};
    std::string path = std::string("/proc/self/fd/") + entry->d_name;
    if (readlink(path.c_str(), target, sizeof target - 1) <= 0) continue;
    if (std::string(target) == "anon_inode:[eventpoll]") found = std::max(found, std::atoi(entry->d_name));
  }
  closedir(dir);
  return found;
}

TEST(EventLoopTest, RunUntilReportsALoopFailure) {
  EventLoop loop;
  Pipe pipe;
  loop.Watch(pipe.read_end(), kReadable, [](uint32_t) {});
  int epoll_fd = NewestEpollFd();
  ASSERT_GE(epoll_fd, 0);
  // Put a pipe where the epoll set was: every epoll_wait now fails (EINVAL).
  ASSERT_EQ(dup2(pipe.write_end(), epoll_fd), epoll_fd);
  util::Status status = loop.RunUntil([] { return false; });
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.ToString().find("epoll_wait"), std::string::npos) << status.ToString();
  EXPECT_FALSE(loop.status().ok());
}

}  // namespace
}  // namespace loop
