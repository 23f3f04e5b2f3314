#include "ssh/jump_spec.h"

#include <gtest/gtest.h>

namespace ssh {
namespace {

TEST(ParseJumpSpecTest, HostAlone) {
  util::StatusOr<JumpSpec> hop = ParseJumpSpec("bastion");
  ASSERT_TRUE(hop.ok());
  EXPECT_EQ(hop->host, "bastion");
  EXPECT_FALSE(hop->user.has_value());
  EXPECT_FALSE(hop->port.has_value());
}

TEST(ParseJumpSpecTest, UserHostAndPort) {
  util::StatusOr<JumpSpec> hop = ParseJumpSpec("ops@10.0.0.1:2222");
  ASSERT_TRUE(hop.ok());
  EXPECT_EQ(hop->host, "10.0.0.1");
  EXPECT_EQ(hop->user, "ops");
  EXPECT_EQ(hop->port, 2222);
}

TEST(ParseJumpSpecTest, Ipv6AddressBareOrBracketed) {
  util::StatusOr<JumpSpec> bare = ParseJumpSpec("fd00::1");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->host, "fd00::1");
  EXPECT_FALSE(bare->port.has_value());
  util::StatusOr<JumpSpec> bracketed = ParseJumpSpec("u@[fd00::1]:2200");
  ASSERT_TRUE(bracketed.ok());
  EXPECT_EQ(bracketed->host, "fd00::1");
  EXPECT_EQ(bracketed->port, 2200);
  EXPECT_EQ(JumpSpecText(*bracketed), "u@[fd00::1]:2200");
}

TEST(ParseJumpSpecTest, ErrorsNameTheSpecAndTheFault) {
  EXPECT_EQ(ParseJumpSpec("").status().message(), "empty jump host");
  EXPECT_EQ(ParseJumpSpec("b:x").status().message(), "jump host b:x: bad port 'x'");
  EXPECT_EQ(ParseJumpSpec("b:0").status().message(), "jump host b:0: bad port '0'");
  EXPECT_EQ(ParseJumpSpec("b:").status().message(), "jump host b:: bad port ''");
  EXPECT_EQ(ParseJumpSpec("@b").status().message(), "jump host @b: empty user");
  EXPECT_EQ(ParseJumpSpec("u@:22").status().message(), "jump host u@:22: empty host");
  EXPECT_EQ(ParseJumpSpec("[fd00::1").status().message(), "jump host [fd00::1: missing ']'");
}

TEST(ParseJumpChainTest, HopsInOrder) {
  util::StatusOr<JumpChain> chain = ParseJumpChain("a,ops@b:2222,c");
  ASSERT_TRUE(chain.ok());
  ASSERT_EQ(chain->size(), 3u);
  EXPECT_EQ((*chain)[0].host, "a");
  EXPECT_EQ((*chain)[1].host, "b");
  EXPECT_EQ((*chain)[1].user, "ops");
  EXPECT_EQ((*chain)[1].port, 2222);
  EXPECT_EQ((*chain)[2].host, "c");
  EXPECT_EQ(JumpChainText(*chain), "a,ops@b:2222,c");
}

TEST(ParseJumpChainTest, ABadHopIsNamed) {
  EXPECT_EQ(ParseJumpChain("a,,b").status().message(), "jump host chain a,,b: empty hop");
  EXPECT_EQ(ParseJumpChain("a,").status().message(), "jump host chain a,: empty hop");
  EXPECT_EQ(ParseJumpChain("a,b:x").status().message(), "jump host b:x: bad port 'x'");
  EXPECT_EQ(ParseJumpChain("").status().message(), "empty jump host");
}

TEST(ProxyJumpFromCommandTest, WhatLibsshMakesOfProxyJump) {
  EXPECT_EQ(ProxyJumpFromCommand("ssh -W '[%h]:%p' bastion"), "bastion");
  EXPECT_EQ(ProxyJumpFromCommand("ssh -l ops -p 2222 -W '[%h]:%p' bastion"), "ops@bastion:2222");
  EXPECT_EQ(ProxyJumpFromCommand("ssh -l ops -J b,u@c:23 -W '[%h]:%p' a"), "ops@a,b,u@c:23");
  EXPECT_EQ(ProxyJumpFromCommand("ssh -p 2222 -W '[%h]:%p' fd00::1"), "[fd00::1]:2222");
}

TEST(ProxyJumpFromCommandTest, AnyOtherCommandIsNotAProxyJump) {
  EXPECT_EQ(ProxyJumpFromCommand("ssh -W %h:%p bastion"), std::nullopt);
  EXPECT_EQ(ProxyJumpFromCommand("nc -X connect -x proxy:3128 %h %p"), std::nullopt);
  EXPECT_EQ(ProxyJumpFromCommand("ssh -q -W '[%h]:%p' bastion"), std::nullopt);
  EXPECT_EQ(ProxyJumpFromCommand("ssh -l a -l b -W '[%h]:%p' bastion"), std::nullopt);
  EXPECT_EQ(ProxyJumpFromCommand("ssh -W '[%h]:%p'"), std::nullopt);
}

}  // namespace
}  // namespace ssh
