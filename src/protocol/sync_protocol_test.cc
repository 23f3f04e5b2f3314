#include "protocol/sync_protocol.h"

#include <gtest/gtest.h>

namespace protocol {
namespace {

using Kind = ToolLine::Kind;
const std::string kPrefix = MakePrefix(123);

TEST(SyncProtocolTest, Prefix) {
  EXPECT_EQ(MakePrefix(0), "ORGALORG:0");
  EXPECT_EQ(kPrefix, "ORGALORG:123");
  EXPECT_EQ(MakePrefix(18446744073709551615u), "ORGALORG:18446744073709551615");
}

TEST(SyncProtocolTest, Encoders) {
  EXPECT_EQ(EncodeHello(kPrefix), "ORGALORG:123 HELLO\n");
  EXPECT_EQ(EncodeNode(kPrefix, "[u@h:22]", false),
            "ORGALORG:123 NODE [u@h:22]\n");
  EXPECT_EQ(EncodeNode(kPrefix, "[u@::1:22]", true),
            "ORGALORG:123 NODE [u@::1:22] CURRENT\n");
  EXPECT_EQ(EncodeStart(kPrefix), "ORGALORG:123 START\n");
  EXPECT_EQ(EncodeSync(kPrefix, "[u@h:22]", "staged 3 files"),
            "ORGALORG:123 SYNC [u@h:22] staged 3 files\n");
}

TEST(SyncProtocolTest, EncodeSyncEmptyDescription) {
  EXPECT_EQ(EncodeSync(kPrefix, "[u@h:22]", ""),
            "ORGALORG:123 SYNC [u@h:22]\n");
}

TEST(SyncProtocolTest, EncodedMessagesAreOneLine) {
  EXPECT_EQ(EncodeSync(kPrefix, "[u@h:22]", "a\nb\r\nc"),
            "ORGALORG:123 SYNC [u@h:22] a b  c\n");
}

TEST(ParseToolLineTest, Sync) {
  for (std::string_view line :
       {"ORGALORG:123 SYNC ready now", "ORGALORG:123 SYNC ready now\n",
        "ORGALORG:123 SYNC ready now\r\n"}) {
    ToolLine parsed = ParseToolLine(line, kPrefix);
    EXPECT_EQ(parsed.kind, Kind::kSync) << line;
    EXPECT_EQ(parsed.text, "ready now") << line;
  }
}

TEST(ParseToolLineTest, SyncKeepsDescriptionBytes) {
  ToolLine parsed = ParseToolLine("ORGALORG:123 SYNC  two  spaces \t", kPrefix);
  EXPECT_EQ(parsed.kind, Kind::kSync);
  EXPECT_EQ(parsed.text, " two  spaces \t");
}

TEST(ParseToolLineTest, SyncWithEmptyDescription) {
  for (std::string_view line :
       {"ORGALORG:123 SYNC", "ORGALORG:123 SYNC ", "ORGALORG:123 SYNC\r\n"}) {
    ToolLine parsed = ParseToolLine(line, kPrefix);
    EXPECT_EQ(parsed.kind, Kind::kSync) << line;
    EXPECT_EQ(parsed.text, "") << line;
  }
}

TEST(ParseToolLineTest, UserOutput) {
  for (std::string_view line :
       {"", "\n", "hello", "ORGALORG:123", "ORGALORG:123\n",
        "ORGALORG:123x SYNC a", "ORGALORG:12 SYNC a", "ORGALORG:1234 SYNC a",
        " ORGALORG:123 SYNC a", "ORGALORG:123\tSYNC a", "orgalorg:123 SYNC a",
        "xORGALORG:123 SYNC a"}) {
    ToolLine parsed = ParseToolLine(line, kPrefix);
    EXPECT_EQ(parsed.kind, Kind::kUserOutput) << line;
    EXPECT_EQ(parsed.text, "") << line;
  }
}

TEST(ParseToolLineTest, UnknownVerb) {
  struct Case {
    std::string_view line, verb;
  } cases[] = {{"ORGALORG:123 HELLO", "HELLO"},
               {"ORGALORG:123 NODE [u@h:22]", "NODE"},
               {"ORGALORG:123 sync a", "sync"},
               {"ORGALORG:123 SYNCED a", "SYNCED"},
               {"ORGALORG:123 SYNC\ta", "SYNC\ta"},
               {"ORGALORG:123  SYNC a", ""},
               {"ORGALORG:123 ", ""},
               {"ORGALORG:123 \r\n", ""}};
  for (const Case& c : cases) {
    ToolLine parsed = ParseToolLine(c.line, kPrefix);
    EXPECT_EQ(parsed.kind, Kind::kUnknownProtocol) << c.line;
    EXPECT_EQ(parsed.text, c.verb) << c.line;
  }
}

TEST(ParseToolLineTest, EmptyPrefixNeverMatches) {
  EXPECT_EQ(ParseToolLine(" SYNC a", "").kind, Kind::kUserOutput);
}

TEST(ParseToolLineTest, RoundTripOfRelayedLine) {
  // A tool that echoes a relayed SYNC back sends a SYNC whose description
  // starts with the sender's identity.
  std::string relayed = EncodeSync(kPrefix, "[u@h:22]", "go");
  ToolLine parsed = ParseToolLine(relayed, kPrefix);
  EXPECT_EQ(parsed.kind, Kind::kSync);
  EXPECT_EQ(parsed.text, "[u@h:22] go");
}

}  // namespace
}  // namespace protocol
