#include "ssh/agent_filter.h"

#include <gtest/gtest.h>

namespace ssh {
namespace {

std::string Frame(std::string body) {
  uint32_t n = static_cast<uint32_t>(body.size());
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
  return out + body;
}

TEST(AgentFramerTest, SplitsMessagesFedInPieces) {
  std::string stream = Frame("\x0b") + Frame(std::string("\x0d", 1) + "payload");
  AgentFramer framer;
  framer.Feed(stream.substr(0, 3));
  EXPECT_FALSE(framer.Next());
  framer.Feed(stream.substr(3, 5));
  EXPECT_EQ(framer.Next(), Frame("\x0b"));
  EXPECT_FALSE(framer.Next());
  framer.Feed(stream.substr(8));
  EXPECT_EQ(framer.Next(), Frame(std::string("\x0d", 1) + "payload"));
  EXPECT_FALSE(framer.broken());
}

TEST(AgentFramerTest, AnOversizedOrEmptyMessageBreaksTheStream) {
  AgentFramer framer;
  framer.Feed(std::string("\x7f\0\0\0", 4));
  EXPECT_FALSE(framer.Next());
  EXPECT_TRUE(framer.broken());
  AgentFramer empty;
  empty.Feed(std::string(4, '\0'));
  EXPECT_FALSE(empty.Next());
  EXPECT_TRUE(empty.broken());
}

TEST(AgentFilterTest, OnlyListingAndSigningPass) {
  EXPECT_TRUE(AgentRequestAllowed(Frame("\x0b")));                       // request identities
  EXPECT_TRUE(AgentRequestAllowed(Frame(std::string("\x0d", 1) + "k")));  // sign request
  EXPECT_FALSE(AgentRequestAllowed(Frame("\x11")));  // add identity
  EXPECT_FALSE(AgentRequestAllowed(Frame("\x12")));  // remove identity
  EXPECT_FALSE(AgentRequestAllowed(Frame("\x13")));  // remove all identities
  EXPECT_FALSE(AgentRequestAllowed(Frame("\x16")));  // lock
  EXPECT_FALSE(AgentRequestAllowed(Frame("\x19")));  // add constrained identity
  EXPECT_FALSE(AgentRequestAllowed(Frame("\x1b")));  // extension (session-bind)
  EXPECT_FALSE(AgentRequestAllowed(std::string(4, '\0')));
}

TEST(AgentFilterTest, TheFailureAnswerIsOneFramedByte) {
  AgentFramer framer;
  framer.Feed(AgentFailureMessage());
  EXPECT_EQ(framer.Next(), Frame("\x05"));
}

}  // namespace
}  // namespace ssh
