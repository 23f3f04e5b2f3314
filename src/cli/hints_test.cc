#include "cli/hints.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace cli {
namespace {

const std::vector<std::string_view> kNames = {"host", "help", "color", "colors-dark", "timeout",
                                              "user", "sudo", "root", "relative", "no-lock"};

TEST(ClosestNameTest, OneOrTwoEditsAway) {
  EXPECT_EQ(ClosestName("hots", kNames), "host");       // Swap.
  EXPECT_EQ(ClosestName("colour", kNames), "color");    // Insertion.
  EXPECT_EQ(ClosestName("timout", kNames), "timeout");  // Deletion.
  EXPECT_EQ(ClosestName("relatve", kNames), "relative");
  EXPECT_EQ(ClosestName("no-lok", kNames), "no-lock");
}

TEST(ClosestNameTest, NoGuessWhenFarOrAmbiguous) {
  EXPECT_EQ(ClosestName("dry-run", kNames), "");
  EXPECT_EQ(ClosestName("x", kNames), "");
  EXPECT_EQ(ClosestName("he", kNames), "");    // 2 edits from help: half of the word.
  EXPECT_EQ(ClosestName("hostt", kNames), "host");
  EXPECT_EQ(ClosestName("lock-file", {"lock-filz", "lock-fily"}), "");  // A tie.
}

TEST(MisplacedOptionHintTest, NamesTheWordAndWhereItWent) {
  Options o;
  o.mode = Mode::kSync;
  o.positional = {"site", "-g", "/srv"};
  EXPECT_EQ(MisplacedOptionHint(o, {"-g", "--arg"}),
            " (options come before the files: \"-g\" after \"site\" was taken as a file)");
  EXPECT_EQ(MisplacedOptionHint(o, {"-r", "--root"}), "");
  o.mode = Mode::kLock;
  o.positional = {"x", "--arg=1"};
  EXPECT_EQ(MisplacedOptionHint(o, {"-g", "--arg"}),
            " (options come before the operands: \"--arg\" after \"x\" is an operand)");
  o.positional = {"x", "--argument"};
  EXPECT_EQ(MisplacedOptionHint(o, {"-g", "--arg"}), "");
  o.positional = {"-g"};  // Only after "--": on purpose.
  EXPECT_EQ(MisplacedOptionHint(o, {"-g", "--arg"}), "");
}

}  // namespace
}  // namespace cli
