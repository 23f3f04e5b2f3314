#include "ssh/session_options.h"

#include <gtest/gtest.h>

namespace ssh {
namespace {

TEST(SessionOptionsTest, DefaultIdentityFilesInOpenSshOrder) {
  EXPECT_EQ(DefaultIdentityFiles("/home/me"),
            (std::vector<std::string>{"/home/me/.ssh/id_ed25519",
                                      "/home/me/.ssh/id_ecdsa",
                                      "/home/me/.ssh/id_rsa"}));
}

TEST(SessionOptionsTest, KnownHostsPath) {
  EXPECT_EQ(DefaultKnownHostsPath("/root"), "/root/.ssh/known_hosts");
}

TEST(SessionOptionsTest, Identity) {
  EXPECT_EQ(SessionIdentity("me", "web1", 22), "[me@web1:22]");
}

TEST(SessionOptionsTest, Defaults) {
  SessionOptions options;
  EXPECT_EQ(options.connect_timeout.count(), 10000);
  EXPECT_EQ(options.keep_alive.count(), 10000);
  EXPECT_EQ(options.host_key_policy, HostKeyPolicy::kAcceptNew);
  EXPECT_TRUE(options.use_agent);
  EXPECT_FALSE(options.port.has_value());
}

TEST(NormalizeErrorTextTest, LowersFirstLetterAndDropsPrefix) {
  EXPECT_EQ(NormalizeErrorText("Connection refused"), "connection refused");
  EXPECT_EQ(NormalizeErrorText("Failed to connect: Connection refused"),
            "connection refused");
  EXPECT_EQ(NormalizeErrorText("Socket error: disconnected."), "disconnected");
}

TEST(NormalizeErrorTextTest, KeepsAcronymsAndEmpty) {
  EXPECT_EQ(NormalizeErrorText("SSH banner too long"), "SSH banner too long");
  EXPECT_EQ(NormalizeErrorText(""), "");
}

TEST(SessionOptionsTest, ExpandIdentityPathLikeSshConfig) {
  EXPECT_EQ(ExpandIdentityPath("~/.ssh/k", "/home/me", "me"), "/home/me/.ssh/k");
  EXPECT_EQ(ExpandIdentityPath("%d/.ssh/%u_key", "/h", "ann"), "/h/.ssh/ann_key");
  EXPECT_EQ(ExpandIdentityPath("/k/100%%/%h", "/h", "ann"), "/k/100%/%h");
  EXPECT_EQ(ExpandIdentityPath("/keys/x~/%", "/h", "ann"), "/keys/x~/%");
}

}  // namespace

}  // namespace ssh
