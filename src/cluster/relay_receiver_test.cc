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
  EXPECT_NE(script.find(" - 1048576 524288 67108864 \"$d/o0\" \"$d/o1\"; else tee --output-error=warn-nopipe \"$d/o0\" \"$d/o1\"; fi; }"),
            std::string::npos);
  EXPECT_EQ(script.substr(script.size() - 18), "orgalorg-relay-go\n");
  EXPECT_EQ(RelayHopCommand("/tmp/orgalorg-relay.Xy", NoWrapper()),
            "test -p '/tmp/orgalorg-relay.Xy/in' && { " + Grow(1048576) + " exec cat >'/tmp/orgalorg-relay.Xy/in'; }");
}

// Every pipe on the path holds more than one of sshd's writes (see the header).
TEST(RelayFeedScriptTest, GrowsEachPipeItReadsFrom) {
  RelayHop hop{"10.0.0.7", 22, "deploy", "ssh-ed25519 AAAAkey", "/tmp/orgalorg-relay.Xy"};
  std::string script = RelayFeedScript(false, {hop}, NoWrapper(), {});
  EXPECT_NE(script.find("mkfifo \"$d/o0\" || exit 1\n"), std::string::npos);
  EXPECT_NE(script.find("{ ssh -T"), std::string::npos);
  EXPECT_NE(script.find("' \"$d/in\" 524288 524288 67108864 \"$d/o0\"; else cat \"$d/in\" | tee"), std::string::npos);
  UploadSpec spec;
  spec.wrapper = NoWrapper();
  EXPECT_NE(script.find("go() { feed | x; }"), std::string::npos);
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

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs a relayed host's copier in `dir` with two hops' FIFOs: hop 0's reader
// reads everything (then writes its FIFO's capacity to size0), hop 1's goes away after 1,000 bytes. The source's writer
// starts once both readers are past opening their FIFOs (or, exit 9, after
// 5 s: a copier that opens its source first never lets them). `path`: PATH.
int RunCopier(const std::string& dir, const std::string& path) {
  std::string script =
      "cd " + util::ShellQuote(dir) + " && mkfifo in o0 o1 && : >opened || exit 1\n"
      "d=. PATH=" + path + "\n{ " + RelayCopyCommand(false, 2) + "; } >x 2>err &\n"
      "{ echo >>opened; cat; perl -e 'print fcntl(STDIN, 1032, 0)' >size0 2>/dev/null; } <o0 >r0 &\n"
      "{ echo >>opened; head -c 1000 >/dev/null; } <o1 &\n"
      "i=0; late=0\n"
      "while [ \"$(wc -l <opened)\" -lt 2 ]; do i=$((i+1)); [ $i -lt 100 ] || { late=1; break; }; sleep 0.05; done\n"
      "cat src >in; wait; exit $((late * 9))\n";
  return std::system(("sh -c " + util::ShellQuote(script)).c_str());
}

// perl's copier and the fallback (no perl on PATH: cat | tee) alike.
TEST(RelayCopyTest, OpensEveryHopsFifoBeforeItsSourceAndFeedsPastAReaderThatLeft) {
  std::string content;
  for (int i = 0; i < 300000; ++i) content += static_cast<char>('a' + i % 23 + i / 7919 % 3);
  for (bool with_perl : {true, false}) {
    TempDir dir;
    WriteFile(dir.path() + "/src", content);
    std::string path = "$PATH";
    if (!with_perl) {
      path = dir.path() + "/bin";
      ASSERT_EQ(std::system(("mkdir " + path + " && for t in cat tee head wc sleep mkfifo; do ln -s \"$(command -v $t)\" " +
                             path + "/; done").c_str()), 0);
    }
    int status = RunCopier(dir.path(), path);
    ASSERT_TRUE(WIFEXITED(status)) << with_perl;
    EXPECT_EQ(WEXITSTATUS(status), 0) << with_perl << ReadAll(dir.path() + "/err");
    EXPECT_TRUE(ReadAll(dir.path() + "/x") == content) << with_perl;
    EXPECT_TRUE(ReadAll(dir.path() + "/r0") == content) << with_perl;
    if (with_perl) {
      EXPECT_EQ(ReadAll(dir.path() + "/size0"), "524288");  // F_GETPIPE_SZ: grown.
    }
  }
}

// The client-fed copier reads stdin, in blocks however the bytes arrive.
TEST(RelayCopyTest, AClientFedCopierReadsStdin) {
  TempDir dir;
  std::string script = "cd " + util::ShellQuote(dir.path()) + " && mkfifo o0 || exit 1\nd=.\ncat o0 >r0 &\n" +
                       "{ printf abc; sleep 0.1; printf def; } | { " + RelayCopyCommand(true, 1) + "; } >x; wait";
  ASSERT_EQ(std::system(("sh -c " + util::ShellQuote(script)).c_str()), 0);
  EXPECT_EQ(ReadAll(dir.path() + "/x"), "abcdef");
  EXPECT_EQ(ReadAll(dir.path() + "/r0"), "abcdef");
}

// perl's copier holds what a reader has not taken yet (up to its cap): tar
// gets every byte while a hop is still connecting (its reader waits here
// until tar's file is whole, or, file `late`, 5 s).
TEST(RelayCopyTest, AReaderThatIsBehindDoesNotHoldBackTheOthers) {
  TempDir dir;
  std::string content(1500000, 'r');
  WriteFile(dir.path() + "/src", content);
  std::string script =
      "cd " + util::ShellQuote(dir.path()) + " && mkfifo o0 || exit 1\nd=.\n"
      "{ i=0; until [ \"$(wc -c <x)\" = 1500000 ]; do i=$((i+1)); [ $i -lt 100 ] || { : >late; break; }; sleep 0.05; done; "
      "cat; } <o0 >r0 2>/dev/null &\n"
      "{ " + RelayCopyCommand(true, 1) + "; } <src >x; wait; [ ! -e late ]";
  EXPECT_EQ(std::system(("sh -c " + util::ShellQuote(script)).c_str()), 0);
  EXPECT_TRUE(ReadAll(dir.path() + "/x") == content);
  EXPECT_TRUE(ReadAll(dir.path() + "/r0") == content);
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
