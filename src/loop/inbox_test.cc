#include "loop/inbox.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace loop {
namespace {

TEST(InboxTest, TasksPushedFromOtherThreadsRunOnTheLoopInOrder) {
  EventLoop loop;
  Inbox inbox(&loop);
  ASSERT_TRUE(inbox.status().ok()) << inbox.status().ToString();
  std::thread::id loop_thread = std::this_thread::get_id();
  std::vector<int> seen;
  bool all_on_loop = true;
  std::thread pusher([&] {
    for (int i = 0; i < 1000; ++i) {
      inbox.Push([&, i] {
        seen.push_back(i);
        all_on_loop = all_on_loop && std::this_thread::get_id() == loop_thread;
      });
    }
  });
  util::Status waited = loop.RunUntil([&] { return seen.size() == 1000; }, Clock::now() + Milliseconds(10000));
  pusher.join();
  ASSERT_TRUE(waited.ok());
  ASSERT_EQ(seen.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(seen[i], i);
  EXPECT_TRUE(all_on_loop);
}

TEST(InboxTest, NeverRunsATaskInsidePushAndDropsUnrunTasksAtTheEnd) {
  EventLoop loop;
  int ran = 0;
  {
    Inbox inbox(&loop);
    inbox.Push([&] { ++ran; });
    EXPECT_EQ(ran, 0);
    loop.RunOnce(Milliseconds(0));
    EXPECT_EQ(ran, 1);
    inbox.Push([&] { ++ran; });
  }
  loop.RunOnce(Milliseconds(0));
  EXPECT_EQ(ran, 1);
}

TEST(InboxTest, ItsWatchAloneDoesNotKeepRunGoing) {
  EventLoop loop;
  Inbox inbox(&loop);
  loop.Run();  // Returns at once: nothing else to do.
  SUCCEED();
}

}  // namespace
}  // namespace loop
