#include "ssh/jump_router.h"

#include <gtest/gtest.h>

#include "ssh/jump_spec.h"

namespace ssh {
namespace {

JumpChain Chain(const std::string& text) { return *ParseJumpChain(text); }

TEST(JumpRouterTest, OneJumpHostPerDistinctHopAndRoute) {
  EventLoop loop;
  JumpRouter router(&loop, SessionOptions{});
  util::StatusOr<JumpHost*> ab = router.Hop(Chain("a,ops@b:2222"), nullptr);
  ASSERT_TRUE(ab.ok());
  // The same chain again: the same jump host. The hop before it is made
  // when b connects (through it).
  EXPECT_EQ(*router.Hop(Chain("a,ops@b:2222"), nullptr), *ab);
  EXPECT_EQ(router.size(), 1u);
  // The first hop alone is the one the chain goes through.
  util::StatusOr<JumpHost*> a = router.Hop(Chain("a"), nullptr);
  ASSERT_TRUE(a.ok());
  EXPECT_NE(*a, *ab);
  EXPECT_EQ(router.size(), 2u);
  // b reached directly (or through its own ProxyJump) is another route.
  EXPECT_NE(*router.Hop(Chain("ops@b:2222"), nullptr), *ab);
  EXPECT_EQ(router.size(), 3u);
}

TEST(JumpRouterTest, EachHopIsConfiguredAsWrittenAndRoutedThroughTheOneBefore) {
  EventLoop loop;
  JumpRouter router(&loop, SessionOptions{});
  JumpHost* b = *router.Hop(Chain("a,ops@b:2222"), nullptr);
  const SessionOptions& options = b->session().options();
  EXPECT_EQ(options.host, "b");
  EXPECT_EQ(options.user, "ops");
  EXPECT_EQ(options.port, 2222);
  ASSERT_TRUE(options.jump.has_value());
  EXPECT_EQ(JumpChainText(*options.jump), "a");
  EXPECT_EQ(options.jump_router, &router);
  EXPECT_EQ(b->identity(), "[ops@b:2222]");
  // The first hop: no route of its own, so its ProxyJump decides.
  JumpHost* a = *router.Hop(Chain("a"), nullptr);
  EXPECT_FALSE(a->session().options().jump.has_value());
  EXPECT_EQ(a->failed_hop(), nullptr);
}

TEST(JumpRouterTest, AnEmptyChainIsAnError) {
  EventLoop loop;
  JumpRouter router(&loop, SessionOptions{});
  EXPECT_FALSE(router.Hop(JumpChain{}, nullptr).ok());
}

}  // namespace
}  // namespace ssh
