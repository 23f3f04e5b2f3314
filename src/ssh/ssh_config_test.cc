#include "ssh/ssh_config.h"

#include <libssh/libssh.h>

#include <gtest/gtest.h>

#include <memory>

#include "transfer/test_tree_for_test.h"

namespace ssh {
namespace {

using transfer::testing_util::TempDir;
using transfer::testing_util::WriteFile;

// A fresh libssh session (no I/O) and a config file in a temporary HOME.
class SshConfigTest : public ::testing::Test {
 protected:
  SshConfigTest() : session_(ssh_new(), &ssh_free) {
    home_ = tmp_.path();
    config_ = home_ + "/config";
    WriteFile(config_,
              "Host web1\n"
              "  HostName 10.1.2.3\n"
              "  User deploy\n"
              "  Port 2222\n"
              "  IdentityFile ~/.ssh/web1_%u\n"
              "Host jump\n"
              "  ProxyCommand nc %h %p\n");
    options_.host = "web1";
    options_.ssh_config_path = config_;
    options_.identity_files = {"/k/default"};
  }

  util::Status Configure() {
    return ConfigureSession(session_.get(), &options_, home_.c_str(), "ann", &proxy_jump_);
  }

  TempDir tmp_;
  std::string home_;
  std::string config_;
  SessionOptions options_;
  std::optional<std::string> proxy_jump_;
  std::unique_ptr<ssh_session_struct, void (*)(ssh_session)> session_;
};

TEST_F(SshConfigTest, FilesInOrder) {
  SessionOptions options;
  EXPECT_EQ(SshConfigFiles(options, "/home/me"),
            (std::vector<std::string>{"/home/me/.ssh/config", kSystemSshConfig}));
  EXPECT_EQ(SshConfigFiles(options, nullptr), (std::vector<std::string>{kSystemSshConfig}));
  options.ssh_config_path = "/etc/other";
  EXPECT_EQ(SshConfigFiles(options, "/home/me"),
            (std::vector<std::string>{"/etc/other", kSystemSshConfig}));
  options.read_ssh_config = false;
  EXPECT_TRUE(SshConfigFiles(options, "/home/me").empty());
}

TEST_F(SshConfigTest, TheConfigNamesTheTargetAndItsKeyComesFirst) {
  ASSERT_TRUE(Configure().ok());
  SshTarget target = ReadTarget(session_.get(), options_.host);
  EXPECT_EQ(target.name, "10.1.2.3");
  EXPECT_EQ(target.port, 2222);
  EXPECT_EQ(target.user, "deploy");
  EXPECT_FALSE(target.proxied);
  EXPECT_EQ(options_.identity_files,
            (std::vector<std::string>{home_ + "/.ssh/web1_ann", "/k/default"}));
  // Configured again (a retry): the key is not added twice.
  ASSERT_TRUE(Configure().ok());
  EXPECT_EQ(options_.identity_files.size(), 2u);
}

TEST_F(SshConfigTest, ExplicitValuesWinOverTheConfig) {
  options_.user = "root";
  options_.port = 22;
  ASSERT_TRUE(Configure().ok());
  SshTarget target = ReadTarget(session_.get(), options_.host);
  EXPECT_EQ(target.name, "10.1.2.3");
  EXPECT_EQ(target.port, 22);
  EXPECT_EQ(target.user, "root");
}

TEST_F(SshConfigTest, WithKOnlyTheGivenKeys) {
  options_.identity_from_config = false;
  ASSERT_TRUE(Configure().ok());
  EXPECT_EQ(options_.identity_files, (std::vector<std::string>{"/k/default"}));
}

TEST_F(SshConfigTest, NotReadWhenTurnedOff) {
  options_.read_ssh_config = false;
  ASSERT_TRUE(Configure().ok());
  SshTarget target = ReadTarget(session_.get(), options_.host);
  EXPECT_EQ(target.name, "web1");
  EXPECT_EQ(target.port, kDefaultPort);
  EXPECT_EQ(options_.identity_files, (std::vector<std::string>{"/k/default"}));
}

TEST_F(SshConfigTest, AProxyCommandIsSeen) {
  options_.host = "jump";
  ASSERT_TRUE(Configure().ok());
  EXPECT_TRUE(ReadTarget(session_.get(), options_.host).proxied);
}

// Different hosts through different jump hosts, `none` first, and a
// ProxyCommand that stays libssh's.
constexpr char kJumpConfig[] =
    "Host direct\n"
    "  ProxyJump none\n"
    "Host piped\n"
    "  ProxyCommand nc %h %p\n"
    "Host deep*\n"
    "  ProxyJump ops@b1:2222,b2\n"
    "Host *\n"
    "  ProxyJump bastion\n";

TEST_F(SshConfigTest, AProxyJumpIsTakenOutOfLibssh) {
  WriteFile(config_, kJumpConfig);
  options_.host = "deep3";
  ASSERT_TRUE(Configure().ok());
  EXPECT_EQ(proxy_jump_, "ops@b1:2222,b2");
  // No ProxyCommand is left for libssh to run.
  EXPECT_FALSE(ReadTarget(session_.get(), options_.host).proxied);
  char* command = nullptr;
  EXPECT_NE(ssh_options_get(session_.get(), SSH_OPTIONS_PROXYCOMMAND, &command), SSH_OK);
}

TEST_F(SshConfigTest, EachHostGetsItsOwnProxyJump) {
  WriteFile(config_, kJumpConfig);
  options_.host = "web9";
  ASSERT_TRUE(Configure().ok());
  EXPECT_EQ(proxy_jump_, "bastion");
}

TEST_F(SshConfigTest, ProxyJumpNoneMeansDirect) {
  WriteFile(config_, kJumpConfig);
  options_.host = "direct";
  ASSERT_TRUE(Configure().ok());
  EXPECT_EQ(proxy_jump_, std::nullopt);
  EXPECT_FALSE(ReadTarget(session_.get(), options_.host).proxied);
}

TEST_F(SshConfigTest, AProxyCommandLineStaysLibssh) {
  WriteFile(config_, kJumpConfig);
  options_.host = "piped";
  ASSERT_TRUE(Configure().ok());
  EXPECT_EQ(proxy_jump_, std::nullopt);
  EXPECT_TRUE(ReadTarget(session_.get(), options_.host).proxied);
}

TEST_F(SshConfigTest, AMissingConfigIsNoError) {
  options_.ssh_config_path = home_ + "/none";
  ASSERT_TRUE(Configure().ok());
  EXPECT_EQ(ReadTarget(session_.get(), options_.host).name, "web1");
}

}  // namespace
}  // namespace ssh
