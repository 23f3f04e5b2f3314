#include "cluster/tar_stderr.h"

#include <gtest/gtest.h>

#include <string>

namespace cluster {
namespace {

TEST(TarStderrTest, LinesThatSayNothingAreDropped) {
  EXPECT_FALSE(TarStderr::Telling("", "m"));
  EXPECT_FALSE(TarStderr::Telling("m", "m"));
  EXPECT_FALSE(TarStderr::Telling("tar: Ignoring unknown extended header keyword 'hdrcharset'", "m"));
  EXPECT_TRUE(TarStderr::Telling("tar: x: Cannot open: Permission denied", "m"));
}

TEST(TarStderrTest, TheErrorNamesTheExitAndKeepsTheFirstLines) {
  TarStderr kept;
  for (size_t i = 0; i < TarStderr::kMaxLines + 3; ++i) kept.Keep("tar: line " + std::to_string(i));
  util::Status error = kept.Error(2, "");
  std::string text = error.ToString();
  EXPECT_NE(text.find("extraction failed with exit code 2"), std::string::npos) << text;
  EXPECT_NE(text.find("tar: line 0"), std::string::npos) << text;
  EXPECT_EQ(text.find("tar: line 20"), std::string::npos) << text;
  EXPECT_NE(text.find("(3 more lines)"), std::string::npos) << text;
  EXPECT_NE(TarStderr().Error(-1, "KILL").ToString().find("extraction killed by signal KILL"), std::string::npos);
}

TEST(TarStderrTest, AStreamCutShort) {
  TarStderr eof;
  eof.Keep("tar: Unexpected EOF in archive");
  EXPECT_TRUE(eof.StreamCut(2));
  // Said even when past the kept lines (tar --verbose lists many names).
  TarStderr listed;
  for (size_t i = 0; i < 30; ++i) listed.Keep("dir/file" + std::to_string(i));
  EXPECT_TRUE(listed.StreamCut(1));  // Ended at a header: the marker is missing.
  listed.Keep("tar: Unexpected EOF in archive");
  EXPECT_TRUE(listed.StreamCut(2));
  // The host's own failure: not a cut.
  TarStderr full;
  full.Keep("tar: ./big: Cannot write: No space left on device");
  EXPECT_FALSE(full.StreamCut(2));
  EXPECT_FALSE(full.StreamCut(1));
  EXPECT_FALSE(TarStderr().StreamCut(2));
}

}  // namespace
}  // namespace cluster
