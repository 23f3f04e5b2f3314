#include "cluster/remote_command.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "util/run_shell_for_test.h"
#include "util/shell_quote.h"

namespace cluster {
namespace {

// ---------------------------------------------------------------------------
// Exact forms.

TEST(BuildRemoteCommandTest, PlainDefaultTemplate) {
  RemoteCommandSpec spec;
  spec.words = {"uptime"};
  EXPECT_EQ(BuildRemoteCommand(spec), "bash -c 'uptime'");
  spec.words = {"echo", "'a b'", "&&", "ls", "$HOME"};
  EXPECT_EQ(BuildRemoteCommand(spec),
            "bash -c 'echo '\\''a b'\\'' && ls $HOME'");
}

TEST(BuildRemoteCommandTest, RootAndSudo) {
  RemoteCommandSpec spec;
  spec.words = {"echo", "hi"};
  spec.root = "/srv";
  spec.sudo = true;
  EXPECT_EQ(BuildRemoteCommand(spec),
            "sudo -n -E -H bash -c 'cd '\\''/srv'\\'' && {\necho hi\n}'");
}

TEST(BuildRemoteCommandTest, SyncWithArgs) {
  RemoteCommandSpec spec;
  spec.words = {"/usr/lib/orgalorg/sync \"${@}\""};
  spec.root = "/var/run/orgalorg/7";
  spec.args = {"a b", "it's"};
  EXPECT_EQ(BuildRemoteCommand(spec),
            "bash -c 'cd '\\''/var/run/orgalorg/7'\\'' && {\n"
            "/usr/lib/orgalorg/sync \"${@}\"\n}' _ 'a b' 'it'\\''s'");
}

TEST(BuildRemoteCommandTest, EmptyArgumentIsKept) {
  RemoteCommandSpec spec;
  spec.words = {"t"};
  spec.args = {""};
  EXPECT_EQ(BuildRemoteCommand(spec), "bash -c 't' _ ''");
}

TEST(BuildRemoteCommandTest, NoWrapper) {
  RemoteCommandSpec spec;
  spec.shell_template = "";
  spec.words = {"ls", "-l"};
  EXPECT_EQ(BuildRemoteCommand(spec), "ls -l");
  spec.args = {"x y"};
  EXPECT_EQ(BuildRemoteCommand(spec), "ls -l 'x y'");
  spec.sudo = true;
  spec.root = "/r";
  EXPECT_EQ(BuildRemoteCommand(spec),
            "cd '/r' && {\nsudo -n -E -H ls -l 'x y'\n}");
}

TEST(BuildRemoteCommandTest, BlankCommandInRoot) {
  RemoteCommandSpec spec;
  spec.root = "/r";
  EXPECT_EQ(BuildRemoteCommand(spec), "bash -c 'cd '\\''/r'\\'' && {\n:\n}'");
}

TEST(ApplyShellTemplateTest, PositionDecidesQuoting) {
  EXPECT_EQ(ApplyShellTemplate("bash -c '{}'", "it's"), "bash -c 'it'\\''s'");
  EXPECT_EQ(ApplyShellTemplate("sh -c {}", "it's"), "sh -c 'it'\\''s'");
  EXPECT_EQ(ApplyShellTemplate("sh -c \"{}\"", "a$b"), "sh -c \"\"'a$b'\"\"");
  EXPECT_EQ(ApplyShellTemplate("bash -c", "x y"), "bash -c 'x y'");
  EXPECT_EQ(ApplyShellTemplate("", "x y"), "x y");
  EXPECT_EQ(ApplyShellTemplate("a '{}' {}", "q"), "a 'q' 'q'");
  // Escaped quotes and braces do not change the quoting state.
  EXPECT_EQ(ApplyShellTemplate("x \\' {}", "q"), "x \\' 'q'");
  EXPECT_EQ(ApplyShellTemplate("x \"\\\"\" {}", "q"), "x \"\\\"\" 'q'");
  EXPECT_EQ(ApplyShellTemplate("x \\{} {}", "q"), "x \\{} 'q'");
}

// ---------------------------------------------------------------------------
// Running the built line through /bin/sh -c, as sshd does.

class RemoteCommandRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/remote_command_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    marker_ = dir_ + "/pwned";
  }
  void TearDown() override {
    struct stat info;
    EXPECT_NE(stat(marker_.c_str(), &info), 0)
        << "hostile text ran as a command";
    std::string cmd = "rm -rf " + util::ShellQuote(dir_);
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }

  // Runs `line` with /bin/sh -c; returns stdout, stores the exit code.
  std::string Run(const std::string& line) {
    return util::RunShellForTest(line, &exit_code_);
  }

  std::vector<std::string> HostileArgs() const {
    return {"$(touch " + marker_ + ")",
            "`touch " + marker_ + "`",
            "a; touch " + marker_,
            "it's",
            "\"; touch " + marker_ + "; echo \"",
            "line1\nline2",
            "",
            "\\",
            "-n",
            "*",
            "\xff\xfe",
            "'$(touch " + marker_ + ")'"};
  }

  static std::string Expected(const std::vector<std::string>& args) {
    std::string out;
    for (const std::string& arg : args) out += "[" + arg + "]";
    return out;
  }

  std::string dir_;
  std::string marker_;
  int exit_code_ = -1;
};

const char* const kTemplates[] = {"sh -c '{}'", "bash -c '{}'", "sh -c {}",
                                  "sh -c \"{}\"", "sh -c"};

TEST_F(RemoteCommandRunTest, ArgsArriveVerbatim) {
  for (const char* shell : kTemplates) {
    RemoteCommandSpec spec;
    spec.shell_template = shell;
    spec.words = {"printf", "'[%s]'", "\"$@\""};
    spec.args = HostileArgs();
    EXPECT_EQ(Run(BuildRemoteCommand(spec)), Expected(spec.args)) << shell;
    EXPECT_EQ(exit_code_, 0) << shell;
  }
}

TEST_F(RemoteCommandRunTest, ArgsArriveVerbatimWithoutWrapper) {
  RemoteCommandSpec spec;
  spec.shell_template = "";
  spec.words = {"printf", "'[%s]'"};
  spec.args = HostileArgs();
  EXPECT_EQ(Run(BuildRemoteCommand(spec)), Expected(spec.args));
  spec.root = dir_;
  EXPECT_EQ(Run(BuildRemoteCommand(spec)), Expected(spec.args));
}

TEST_F(RemoteCommandRunTest, HostileRootIsOnlyADirectory) {
  std::string root =
      dir_ + "/r'$(touch " + marker_ + ");\"`touch " + marker_ + "`\nx y";
  // The marker path has slashes, so this is a nested directory.
  std::string mkdir_cmd = "mkdir -p " + util::ShellQuote(root);
  ASSERT_EQ(std::system(mkdir_cmd.c_str()), 0);
  for (const char* shell : kTemplates) {
    RemoteCommandSpec spec;
    spec.shell_template = shell;
    spec.root = root;
    spec.words = {"printf", "'[%s]'", "\"$PWD\""};
    EXPECT_EQ(Run(BuildRemoteCommand(spec)), "[" + root + "]") << shell;
  }
}

TEST_F(RemoteCommandRunTest, MissingRootFailsWithoutRunning) {
  RemoteCommandSpec spec;
  spec.root = dir_ + "/missing";
  spec.words = {"touch", marker_};
  Run(BuildRemoteCommand(spec) + " 2>/dev/null");
  EXPECT_NE(exit_code_, 0);
}

TEST_F(RemoteCommandRunTest, UserWordsAreShellSyntax) {
  RemoteCommandSpec spec;
  spec.words = {"X=$((1+2));", "echo", "$X", "&&", "echo",
                "'a  b'",      "|",    "tr", "a",  "A"};
  EXPECT_EQ(Run(BuildRemoteCommand(spec)), "3\nA  b\n");
  spec.root = dir_;
  EXPECT_EQ(Run(BuildRemoteCommand(spec)), "3\nA  b\n");
}

TEST_F(RemoteCommandRunTest, RootCommandMayEndWithAmpersandOrComment) {
  RemoteCommandSpec spec;
  spec.root = dir_;
  spec.words = {"echo", "bg", "&"};
  EXPECT_EQ(Run(BuildRemoteCommand(spec) + "; wait"), "bg\n");
  EXPECT_EQ(exit_code_, 0);
  spec.words = {"echo", "hi", "#", "a", "comment", "}"};
  EXPECT_EQ(Run(BuildRemoteCommand(spec)), "hi\n");
  EXPECT_EQ(exit_code_, 0);
  spec.words = {"echo", "semi;"};
  EXPECT_EQ(Run(BuildRemoteCommand(spec)), "semi\n");
  spec.words = {"cat", "<<EOF\nheredoc\nEOF"};
  EXPECT_EQ(Run(BuildRemoteCommand(spec)), "heredoc\n");
}

TEST_F(RemoteCommandRunTest, ExitStatusPropagates) {
  RemoteCommandSpec spec;
  spec.root = dir_;
  spec.words = {"exit", "17"};
  Run(BuildRemoteCommand(spec));
  EXPECT_EQ(exit_code_, 17);
}

TEST_F(RemoteCommandRunTest, TemplateReceivesCommandVerbatim) {
  const std::string command = "it's \"q\" $(touch " + marker_ + ") `x` \\\n;";
  for (const char* shell : {"printf '%s' {}", "printf '%s' \"{}\"",
                            "printf '%s' '{}'", "printf '%s' '<{}>'"}) {
    std::string out = Run(ApplyShellTemplate(shell, command));
    std::string expected = command;
    if (std::string(shell).find('<') != std::string::npos) {
      expected = "<" + command + ">";
    }
    EXPECT_EQ(out, expected) << shell;
  }
}

}  // namespace
}  // namespace cluster
