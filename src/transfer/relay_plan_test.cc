#include "transfer/relay_plan.h"

#include <gtest/gtest.h>

namespace transfer {
namespace {

TEST(RelayPlanTest, NoHostsIsAnEmptyPlan) {
  RelayPlan plan = PlanRelay(0, 2);
  EXPECT_TRUE(plan.roots.empty());
  EXPECT_TRUE(plan.parent.empty());
}

TEST(RelayPlanTest, OneHostIsFedByTheClient) {
  RelayPlan plan = PlanRelay(1, 3);
  EXPECT_EQ(plan.roots, std::vector<size_t>{0});
  EXPECT_FALSE(plan.parent[0]);
  EXPECT_TRUE(plan.children[0].empty());
}

TEST(RelayPlanTest, FanoutOneIsAChainInListOrder) {
  RelayPlan plan = PlanRelay(4, 1);
  EXPECT_EQ(plan.roots, std::vector<size_t>{0});
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(plan.parent[i], i - 1);
    EXPECT_EQ(plan.children[i - 1], std::vector<size_t>{i});
  }
  EXPECT_TRUE(plan.children[3].empty());
  EXPECT_EQ(RelayDepth(plan, 3), 4u);
}

TEST(RelayPlanTest, FanoutTwoFillsLevelByLevel) {
  RelayPlan plan = PlanRelay(7, 2);
  EXPECT_EQ(plan.children[0], (std::vector<size_t>{1, 2}));
  EXPECT_EQ(plan.children[1], (std::vector<size_t>{3, 4}));
  EXPECT_EQ(plan.children[2], (std::vector<size_t>{5, 6}));
  EXPECT_EQ(RelayDepth(plan, 6), 3u);
}

TEST(RelayPlanTest, EveryHostButTheRootHasOneParentAndNoneMoreThanFanoutChildren) {
  for (size_t fanout : {1u, 2u, 3u, 8u}) {
    RelayPlan plan = PlanRelay(50, fanout);
    size_t fed = plan.roots.size();
    for (size_t i = 0; i < 50; ++i) {
      EXPECT_LE(plan.children[i].size(), fanout);
      fed += plan.children[i].size();
      if (plan.parent[i]) {
        EXPECT_LT(*plan.parent[i], i);  // Parents come first.
      }
    }
    EXPECT_EQ(fed, 50u);
  }
}

TEST(RelayPlanTest, FanoutZeroIsTreatedAsOne) {
  RelayPlan plan = PlanRelay(3, 0);
  EXPECT_EQ(plan.parent[2], 1u);
}

}  // namespace
}  // namespace transfer
