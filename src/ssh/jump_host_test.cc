#include "ssh/jump_host.h"

#include <gtest/gtest.h>

namespace ssh {
namespace {

TEST(ParseJumpSpecTest, HostAlone) {
  SessionOptions options;
  ASSERT_TRUE(ParseJumpSpec("bastion", &options).ok());
  EXPECT_EQ(options.host, "bastion");
  EXPECT_FALSE(options.user.has_value());
  EXPECT_FALSE(options.port.has_value());
}

TEST(ParseJumpSpecTest, UserHostAndPort) {
  SessionOptions options;
  ASSERT_TRUE(ParseJumpSpec("ops@10.0.0.1:2222", &options).ok());
  EXPECT_EQ(options.host, "10.0.0.1");
  EXPECT_EQ(options.user, "ops");
  EXPECT_EQ(options.port, 2222);
}

TEST(ParseJumpSpecTest, ABareIpv6AddressIsAHostNotAPort) {
  SessionOptions options;
  ASSERT_TRUE(ParseJumpSpec("fd00::1", &options).ok());
  EXPECT_EQ(options.host, "fd00::1");
  EXPECT_FALSE(options.port.has_value());
}

TEST(ParseJumpSpecTest, ErrorsNameTheSpecAndTheFault) {
  SessionOptions options;
  EXPECT_EQ(ParseJumpSpec("", &options).message(), "empty jump host");
  EXPECT_EQ(ParseJumpSpec("b:x", &options).message(), "jump host b:x: bad port 'x'");
  EXPECT_EQ(ParseJumpSpec("b:0", &options).message(), "jump host b:0: bad port '0'");
  EXPECT_EQ(ParseJumpSpec("b:", &options).message(), "jump host b:: bad port ''");
  EXPECT_EQ(ParseJumpSpec("@b", &options).message(), "jump host @b: empty user");
  EXPECT_EQ(ParseJumpSpec("u@:22", &options).message(), "jump host u@:22: empty host");
  EXPECT_EQ(ParseJumpSpec("a,b", &options).message(), "jump host a,b: only one hop is supported");
}

}  // namespace
}  // namespace ssh
