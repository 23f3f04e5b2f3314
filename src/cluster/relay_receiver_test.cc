#include "cluster/relay_receiver.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "transfer/test_tree_for_test.h"
#include "util/shell_quote.h"

namespace cluster {
namespace {

using transfer::testing_util::TempDir;
using transfer::testing_util::WriteFile;

std::string Grow(int bytes) {
  return "perl -e 'fcntl STDIN, 1031, " + std::to_string(bytes) + " if $^O eq q(linux)' 2>/dev/null;";
}

RemoteCommandSpec NoWrapper() {
  RemoteCommandSpec wrapper;
  wrapper.shell_template = "";
  return wrapper;
}

TEST(RelayLineTest, ParsesTheReceiversOwnLines) {
  RelayLine ready = ParseRelayLine("orgalorg-relay-ready /tmp/orgalorg-relay.AbC123");
  EXPECT_EQ(ready.kind, RelayLine::Kind::kReady);
  EXPECT_EQ(ready.dir, "/tmp/orgalorg-relay.AbC123");
  RelayLine hop = ParseRelayLine("orgalorg-relay-hop 2 255");
  EXPECT_EQ(hop.kind, RelayLine::Kind::kHop);
  EXPECT_EQ(hop.hop, 2u);
  EXPECT_EQ(hop.status, 255);
  RelayLine error = ParseRelayLine("orgalorg-relay-hop-error 1 Host key verification failed.");
  EXPECT_EQ(error.kind, RelayLine::Kind::kHopError);
  EXPECT_EQ(error.hop, 1u);
  EXPECT_EQ(error.text, "Host key verification failed.");
}

TEST(RelayLineTest, AnythingElseIsTheHostsOwnOutput) {
  for (const char* line : {"orgalorg-relay-ready", "orgalorg-relay-hop x 1", "orgalorg-relay-hop 1",
                           "orgalorg-relay-hop 1 2x", "hello", "orgalorg-relay-readyX /d"}) {
    EXPECT_EQ(ParseRelayLine(line).kind, RelayLine::Kind::kOther) << line;
  }
}

TEST(RelayFeedScriptTest, PinsTheNextHostsKeyAndRunsItsFifoWriterThroughTheWrapper) {
  RelayHop hop{"10.0.0.7", 2222, "deploy", "ssh-ed25519 AAAAkey", "/tmp/orgalorg-relay.Xy"};
  RemoteCommandSpec wrapper;
  wrapper.sudo = true;
  std::string script = RelayFeedScript(true, {hop, hop}, wrapper, RelayHopTimeouts{7, 3});
  EXPECT_NE(script.find("printf '%s\\n' 'orgalorg-hop ssh-ed25519 AAAAkey' >\"$d/k0\""), std::string::npos);
  EXPECT_NE(script.find("-o StrictHostKeyChecking=yes -o UserKnownHostsFile=\"$d/k1\""), std::string::npos);
  EXPECT_NE(script.find("-o GlobalKnownHostsFile=/dev/null -o HostKeyAlias=orgalorg-hop"), std::string::npos);
  EXPECT_NE(script.find("-o ConnectTimeout=7 -o ServerAliveInterval=3"), std::string::npos);
  EXPECT_NE(script.find("-p 2222 -l 'deploy' -- '10.0.0.7' 'sudo -n -E -H bash -c"), std::string::npos);
  EXPECT_NE(script.find("tee --output-error=warn-nopipe \"$d/o0\" \"$d/o1\"; }; }"), std::string::npos);
  EXPECT_EQ(script.substr(script.size() - 18), "orgalorg-relay-go\n");
  EXPECT_EQ(RelayHopCommand("/tmp/orgalorg-relay.Xy", NoWrapper()),
            "test -p '/tmp/orgalorg-relay.Xy/in' && { " + Grow(1048576) + " exec cat >'/tmp/orgalorg-relay.Xy/in'; }");
}

// Every pipe on the path holds more than one of sshd's writes (see the header).
TEST(RelayFeedScriptTest, GrowsEachPipeItReadsFrom) {
  RelayHop hop{"10.0.0.7", 22, "deploy", "ssh-ed25519 AAAAkey", "/tmp/orgalorg-relay.Xy"};
  std::string script = RelayFeedScript(false, {hop}, NoWrapper(), {});
  EXPECT_NE(script.find("{ { " + Grow(524288) + " ssh -T"), std::string::npos);
  EXPECT_NE(script.find("feed() { { " + Grow(524288) + " tee"), std::string::npos);
  UploadSpec spec;
  spec.wrapper = NoWrapper();
  EXPECT_NE(script.find("go() { feed | { " + Grow(524288) + " x; }; }"), std::string::npos);
  EXPECT_NE(RelayReceiverCommand(spec).find("x() { tar "), std::string::npos);
}

// Growing a pipe is Linux only, and silent where perl is missing.
TEST(RelayFeedScriptTest, GrowingAPipeChangesNothingElse) {
  EXPECT_EQ(Grow(4096), "perl -e 'fcntl STDIN, 1031, 4096 if $^O eq q(linux)' 2>/dev/null;");
  for (std::string path : {"$PATH", "/nonexistent"}) {
    std::string run = "echo x | { PATH=" + path + "; " + Grow(4096) + " read l; echo \"$l\"; } 2>&1";
    FILE* pipe = popen(("sh -c " + util::ShellQuote(run)).c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char text[64] = {};
    size_t got = fread(text, 1, sizeof text - 1, pipe);
    EXPECT_EQ(pclose(pipe), 0) << path;
    EXPECT_EQ(std::string(text, got), "x\n") << path;
  }
}

// No copy on a leaf: its tar reads the FIFO, or sshd's pipe, itself.
TEST(RelayFeedScriptTest, ALeafsTarReadsItsFifoOrStdin) {
  EXPECT_EQ(RelayFeedScript(false, {}, NoWrapper(), {}),
            "go() { { " + Grow(524288) + " x; } <\"$d/in\"; }\norgalorg-relay-go\n");
  EXPECT_EQ(RelayFeedScript(true, {}, NoWrapper(), {}),
            "go() { { " + Grow(1048576) + " x; }; }\norgalorg-relay-go\n");
}

// The receiver, run by the local sh as a host would: a client-fed leaf.
TEST(RelayReceiverTest, SaysReadyReadsItsScriptThenExtractsTheRestOfStdin) {
  TempDir dir;
  ASSERT_EQ(mkdir((dir.path() + "/src").c_str(), 0700), 0);
  WriteFile(dir.path() + "/src/file", "content\n");
  WriteFile(dir.path() + "/src/marker", "");
  std::string input = dir.path() + "/input";
  WriteFile(input, RelayFeedScript(true, {}, NoWrapper(), {}));
  std::string tar = "tar -C " + util::ShellQuote(dir.path() + "/src") + " -cf - file marker >>" +
                    util::ShellQuote(input);
  ASSERT_EQ(std::system(tar.c_str()), 0);
  UploadSpec spec;
  spec.root = dir.path() + "/root";
  spec.marker = "marker";
  spec.wrapper = NoWrapper();
  std::string run = "sh -c " + util::ShellQuote(RelayReceiverCommand(spec)) + " <" + util::ShellQuote(input);
  FILE* pipe = popen(run.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char line[512] = {};
  ASSERT_NE(fgets(line, sizeof line, pipe), nullptr);
  RelayLine ready = ParseRelayLine(std::string(line, strcspn(line, "\n")));
  EXPECT_EQ(ready.kind, RelayLine::Kind::kReady);
  int status = pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::ifstream extracted(spec.root + "/file");
  std::stringstream text;
  text << extracted.rdbuf();
  EXPECT_EQ(text.str(), "content\n");
  EXPECT_FALSE(std::ifstream(spec.root + "/marker").good());  // Checked and removed.
  EXPECT_FALSE(std::ifstream(ready.dir + "/in").good());      // D is gone.
}

}  // namespace
}  // namespace cluster
