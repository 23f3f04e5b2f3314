#include "output/color.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace output {
namespace {

TEST(ColorTest, AutoColoursOnlyATerminalWithoutNoColor) {
  EXPECT_TRUE(UseColor(ColorMode::kAuto, true, nullptr));
  EXPECT_TRUE(UseColor(ColorMode::kAuto, true, ""));  // Empty NO_COLOR: unset.
  EXPECT_FALSE(UseColor(ColorMode::kAuto, true, "1"));
  EXPECT_FALSE(UseColor(ColorMode::kAuto, false, nullptr));
}

TEST(ColorTest, AlwaysAndNeverIgnoreTheTerminalAndNoColor) {
  EXPECT_TRUE(UseColor(ColorMode::kAlways, false, "1"));
  EXPECT_TRUE(UseColor(ColorMode::kAlways, true, nullptr));
  EXPECT_FALSE(UseColor(ColorMode::kNever, true, nullptr));
  EXPECT_FALSE(UseColor(ColorMode::kNever, false, ""));
}

TEST(ColorTest, AHostKeepsItsColourAndHostsSpreadOverThePalette) {
  EXPECT_EQ(HostColor(Theme::kDark, "web1"), HostColor(Theme::kDark, "web1"));
  std::set<std::string> dark, light;
  for (int i = 0; i < 100; ++i) {
    std::string host = "web" + std::to_string(i);
    dark.insert(std::string(HostColor(Theme::kDark, host)));
    light.insert(std::string(HostColor(Theme::kLight, host)));
  }
  EXPECT_GE(dark.size(), 8u);
  EXPECT_GE(light.size(), 8u);
  EXPECT_NE(dark, light);
  // Red marks errors: no host is red in either theme.
  for (const auto* set : {&dark, &light}) {
    EXPECT_EQ(set->count("31") + set->count("91"), 0u);
  }
}

TEST(ColorTest, ThemesDifferAndLevelsAreColoured) {
  EXPECT_NE(ErrorColor(Theme::kDark), ErrorColor(Theme::kLight));
  EXPECT_NE(WarningColor(Theme::kDark), WarningColor(Theme::kLight));
  EXPECT_NE(ErrorColor(Theme::kDark), WarningColor(Theme::kDark));
}

TEST(ColorTest, PaintWrapsInSgrAndReset) {
  EXPECT_EQ(Paint("1;91", "error:"), "\033[1;91merror:\033[0m");
  EXPECT_EQ(Paint("", "plain"), "plain");
}

}  // namespace
}  // namespace output
