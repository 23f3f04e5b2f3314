// IsLockHolder on commands that are not the holder: it must answer (an
// OpenSSH client's `echo hi; cat` once looped the simulator forever).
#include "lock_standin.h"

#include <gtest/gtest.h>

namespace fleet {
namespace {

TEST(LockStandinTest, CommandsWithSemicolonsAreNotHolders) {
  EXPECT_FALSE(IsLockHolder("echo hi; cat | wc -c"));
  EXPECT_FALSE(IsLockHolder(";;"));
  EXPECT_FALSE(IsLockHolder("true"));
}

TEST(LockStandinTest, TheHolderInsideBashDashCIsOne) {
  EXPECT_TRUE(IsLockHolder("bash -c ': orgalorg-lock-holder; exec 9< /tmp/l'"));
  EXPECT_TRUE(IsLockHolder("sudo -n; bash -c ': orgalorg-lock-holder; x'"));
}

}  // namespace
}  // namespace fleet
