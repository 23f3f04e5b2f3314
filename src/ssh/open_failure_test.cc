#include "ssh/open_failure.h"

#include <gtest/gtest.h>

namespace ssh {
namespace {

TEST(DescribeOpenFailureTest, ForwardingForbiddenOnTheJumpHostIsSpelledOut) {
  EXPECT_EQ(DescribeOpenFailure("Channel opening failure: channel 44 error (1) open failed",
                                ChannelKind::kForward),
            "administratively prohibited (SSH channel-open failure reason 1, the server said \"open "
            "failed\"): the jump host does not allow TCP forwarding to it (AllowTcpForwarding or "
            "PermitOpen in its sshd_config)");
}

TEST(DescribeOpenFailureTest, EveryReasonCodeHasItsName) {
  auto text = [](int code) {
    return DescribeOpenFailure("Channel opening failure: channel 3 error (" + std::to_string(code) +
                                   ") open failed",
                               ChannelKind::kForward);
  };
  EXPECT_EQ(text(1).rfind("administratively prohibited (", 0), 0u) << text(1);
  EXPECT_EQ(text(2).rfind("connect failed (SSH channel-open failure reason 2", 0), 0u) << text(2);
  EXPECT_NE(text(2).find("could not connect to the target"), std::string::npos) << text(2);
  EXPECT_EQ(text(3).rfind("unknown channel type (", 0), 0u) << text(3);
  EXPECT_EQ(text(4).rfind("resource shortage (", 0), 0u) << text(4);
}

TEST(DescribeOpenFailureTest, ASessionRefusalTalksAboutTheHostNotAJumpHost) {
  std::string text = DescribeOpenFailure("channel opening failure: channel 0 error (4) no more sessions",
                                         ChannelKind::kSession);
  EXPECT_EQ(text,
            "resource shortage (SSH channel-open failure reason 4, the server said \"no more "
            "sessions\"): the host is out of sessions or resources (MaxSessions?)");
}

TEST(DescribeOpenFailureTest, AnUnknownCodeKeepsItsNumberAndTheServersText) {
  EXPECT_EQ(DescribeOpenFailure("Channel opening failure: channel 7 error (9) go away", ChannelKind::kForward),
            "channel open refused (SSH channel-open failure reason 9, the server said \"go away\")");
  EXPECT_EQ(DescribeOpenFailure("Channel opening failure: channel 7 error (0)", ChannelKind::kForward),
            "channel open refused (SSH channel-open failure reason 0)");
}

TEST(DescribeOpenFailureTest, OtherTextIsOnlyNormalized) {
  EXPECT_EQ(DescribeOpenFailure("Socket error: disconnected.", ChannelKind::kForward), "disconnected");
  EXPECT_EQ(DescribeOpenFailure("Channel opening failure: channel x", ChannelKind::kSession),
            "channel opening failure: channel x");
}

}  // namespace
}  // namespace ssh
