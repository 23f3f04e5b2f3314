#include "cli/options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cli {
namespace {

using Args = std::vector<std::string>;

Options MustParse(const Args& args) {
  util::StatusOr<Options> result = ParseOptions(args);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? *result : Options{};
}

std::string ErrorOf(const Args& args) {
  util::StatusOr<Options> result = ParseOptions(args);
  EXPECT_FALSE(result.ok());
  return result.status().ToString();
}

TEST(OptionsTest, Defaults) {
  Options o = MustParse({"-o", "h", "-C", "true"});
  EXPECT_EQ(o.mode, Mode::kCommand);
  EXPECT_EQ(o.threads, 16);
  EXPECT_EQ(o.conn_timeout_ms, 10000);
  EXPECT_EQ(o.send_timeout_ms, 60000);
  EXPECT_EQ(o.recv_timeout_ms, 60000);
  EXPECT_EQ(o.keep_alive_ms, 10000);
  EXPECT_EQ(o.shell, "bash -c '{}'");
  EXPECT_EQ(o.sync_cmd, "/usr/lib/orgalorg/sync \"${@}\"");
  EXPECT_FALSE(o.sync_cmd_given);
  EXPECT_EQ(o.color, Color::kAuto);
  EXPECT_EQ(o.positional, Args({"true"}));
}

TEST(OptionsTest, BundledShortFlagsWithValueLast) {
  Options o = MustParse({"-o", "h", "-S", "-exmn", "true"});
  EXPECT_TRUE(o.relative);
  EXPECT_TRUE(o.sudo);
  EXPECT_TRUE(o.simple);
  EXPECT_EQ(o.sync_cmd, "true");
  EXPECT_TRUE(o.sync_cmd_given);
  EXPECT_TRUE(o.positional.empty());
}

TEST(OptionsTest, BundledValueAttached) {
  Options o = MustParse({"-yo", "h1", "-Cd4", "uptime"});
  EXPECT_TRUE(o.no_lock);
  EXPECT_EQ(o.hosts, Args({"h1"}));
  EXPECT_EQ(o.threads, 4);
  EXPECT_EQ(o.positional, Args({"uptime"}));
}

TEST(OptionsTest, LongOptionsWithEqualsAndSeparateValue) {
  Options o = MustParse({"--host=a", "--host", "b", "--send-timeout=5", "--recv-timeout", "7",
                         "--lock-file=/tmp/l", "--shell", "", "--color=never", "--command", "id"});
  EXPECT_EQ(o.hosts, Args({"a", "b"}));
  EXPECT_EQ(o.send_timeout_ms, 5);
  EXPECT_EQ(o.recv_timeout_ms, 7);
  EXPECT_EQ(o.lock_file, "/tmp/l");
  EXPECT_EQ(o.shell, "");
  EXPECT_EQ(o.color, Color::kNever);
}

TEST(OptionsTest, JumpHostShortAndLong) {
  EXPECT_EQ(MustParse({"-o", "h", "-J", "ops@b:2222", "-C", "true"}).jump, "ops@b:2222");
  EXPECT_EQ(MustParse({"-o", "h", "--jump=b", "-C", "true"}).jump, "b");
  EXPECT_EQ(MustParse({"-o", "h", "-C", "true"}).jump, "");
}

TEST(OptionsTest, RepeatableOptions) {
  Options o = MustParse({"-o", "a", "-o", "b", "-g", "x", "-g", "y z", "-vv", "-v", "-S"});
  EXPECT_EQ(o.hosts, Args({"a", "b"}));
  EXPECT_EQ(o.args, Args({"x", "y z"}));
  EXPECT_EQ(o.verbose, 3);
}

// Options come before the operands: everything from the first command word
// on is the command, exactly as typed.
TEST(OptionOrderTest, CommandWordsThatLookLikeOptions) {
  for (const Args& command : {Args{"df", "-h"}, Args{"uname", "-a"}, Args{"ls", "-la", "/etc"},
                              Args{"echo", "-n", "hi"}, Args{"test", "!", "-e", "/tmp/x"},
                              Args{"echo", "--", "-o", "h"}, Args{"sh", "-c", "x", "--json", "-"}}) {
    Args args = {"-o", "h", "-C"};
    args.insert(args.end(), command.begin(), command.end());
    Options o = MustParse(args);
    EXPECT_EQ(o.positional, command);
    EXPECT_EQ(o.hosts, Args({"h"}));
    EXPECT_FALSE(o.help || o.relative || o.json || o.serial || o.no_conn_fail);
    EXPECT_EQ(o.keep_alive_ms, kDefaultKeepAliveMs);
    EXPECT_FALSE(o.sync_cmd_given);
  }
}

TEST(OptionOrderTest, DoubleDashBeforeTheOperandsChangesNothing) {
  EXPECT_EQ(MustParse({"-o", "h", "-x", "-C", "--", "uname", "-a"}).positional, Args({"uname", "-a"}));
  EXPECT_TRUE(MustParse({"-o", "h", "-x", "-C", "--", "uname", "-a"}).sudo);
  EXPECT_EQ(MustParse({"-o", "h", "-C", "uname -a"}).positional, Args({"uname -a"}));
  EXPECT_EQ(MustParse({"-o", "h", "-C", "--", "-x"}).positional, Args({"-x"}));
  EXPECT_FALSE(MustParse({"-o", "h", "-C", "--", "-x"}).sudo);
  EXPECT_EQ(MustParse({"-o", "h", "-S", "--", "f", "-g"}).positional, Args({"f", "-g"}));
  EXPECT_NE(ErrorOf({"-o", "h", "--", "-S"}).find("no mode given"), std::string::npos);
}

TEST(OptionOrderTest, FilesThatLookLikeOptions) {
  Options u = MustParse({"-o", "h", "-r", "/x", "-e", "-U", "./a", "-x", "--foo", "-r", "/y", "--"});
  EXPECT_EQ(u.positional, Args({"./a", "-x", "--foo", "-r", "/y", "--"}));
  EXPECT_EQ(u.root, "/x");
  EXPECT_TRUE(u.relative);
  EXPECT_FALSE(u.sudo);
  Options s = MustParse({"-o", "h", "-S", "file", "-g", "/srv", "--no-upload"});
  EXPECT_EQ(s.positional, Args({"file", "-g", "/srv", "--no-upload"}));
  EXPECT_TRUE(s.args.empty());
  EXPECT_FALSE(s.no_upload);
  EXPECT_EQ(MustParse({"-o", "h", "-r", "/x", "-U", "file1", "file2"}).positional,
            Args({"file1", "file2"}));
  EXPECT_EQ(MustParse({"-o", "h", "-r", "/x", "-U", "--", "-x"}).positional, Args({"-x"}));
}

TEST(OptionOrderTest, OptionValuesAreNotOperands) {
  // Values that are separate words, that look like options or like command
  // words, are taken by their option.
  Options o = MustParse({"-o", "h", "--shell=sh -c '{}'", "-n", "-true", "-u", "ls", "--lock-file",
                         "-x", "-g", "--", "-C", "uptime"});
  EXPECT_EQ(o.hosts, Args({"h"}));
  EXPECT_EQ(o.shell, "sh -c '{}'");
  EXPECT_EQ(o.sync_cmd, "-true");
  EXPECT_EQ(o.user, "ls");
  EXPECT_EQ(o.lock_file, "-x");
  EXPECT_EQ(o.args, Args({"--"}));
  EXPECT_FALSE(o.sudo);
  EXPECT_EQ(o.positional, Args({"uptime"}));
  Options bundled = MustParse({"-o", "h", "-S", "-exmn", "true", "a", "-e"});
  EXPECT_EQ(bundled.sync_cmd, "true");
  EXPECT_EQ(bundled.positional, Args({"a", "-e"}));
}

TEST(OptionOrderTest, ModeAfterTheOptionsItNeeds) {
  // The mode flag may come anywhere among the options.
  Options o = MustParse({"-C", "-o", "h", "-v", "uptime"});
  EXPECT_EQ(o.mode, Mode::kCommand);
  EXPECT_EQ(o.verbose, 1);
  EXPECT_EQ(o.positional, Args({"uptime"}));
  EXPECT_EQ(MustParse({"-L", "-o", "h", "-y"}).mode, Mode::kLock);
}

TEST(OptionsTest, EveryFlag) {
  Options o = MustParse({"-s", "-k", "/k", "-p", "-u", "bob", "-y", "-t", "-w", "-r", "/srv", "-e",
                         "--no-preserve-uid", "--no-preserve-gid", "-x", "-i", "/in", "-l", "-m",
                         "-q", "--json", "--colors-dark", "--colors-light", "--bar-format", "b",
                         "--log-format", "l", "-c", "1", "-j", "2", "-z", "3", "-a", "4", "-U", "f"});
  EXPECT_TRUE(o.read_stdin);
  EXPECT_EQ(o.key, "/k");
  EXPECT_TRUE(o.password);
  EXPECT_EQ(o.user, "bob");
  EXPECT_TRUE(o.no_lock && o.no_lock_fail && o.no_conn_fail && o.relative);
  EXPECT_TRUE(o.no_preserve_uid && o.no_preserve_gid && o.sudo && o.serial && o.simple);
  EXPECT_TRUE(o.quiet && o.json && o.colors_dark && o.colors_light);
  EXPECT_EQ(o.root, "/srv");
  EXPECT_EQ(o.stdin_file, "/in");
  EXPECT_EQ(o.bar_format, "b");
  EXPECT_EQ(o.log_format, "l");
  EXPECT_EQ(o.conn_timeout_ms, 1);
  EXPECT_EQ(o.send_timeout_ms, 2);
  EXPECT_EQ(o.recv_timeout_ms, 3);
  EXPECT_EQ(o.keep_alive_ms, 4);
  EXPECT_EQ(o.mode, Mode::kUpload);
}

TEST(OptionsErrorsTest, LongOptionRefusalsSayWhy) {
  EXPECT_EQ(ErrorOf({"-o", "h", "--no-lock=1", "-C", "x"}), "option --no-lock takes no value");
  EXPECT_TRUE(MustParse({"-o", "h", "--no-lock-f", "-C", "x"}).no_lock_fail);  // Unique prefix.
  EXPECT_EQ(ErrorOf({"-o", "h", "--no", "-C", "x"}),
            "ambiguous option --no (--no-lock, --no-lock-fail, --no-conn-fail, --no-preserve-uid, "
            "--no-preserve-gid, --no-upload)");
  EXPECT_EQ(ErrorOf({"-o", "h", "--frobnicate", "-C", "x"}), "unknown option --frobnicate");
}

TEST(OptionsTest, HostKeyCheck) {
  EXPECT_FALSE(MustParse({"-o", "h", "-C", "x"}).strict_host_keys);
  EXPECT_TRUE(MustParse({"-o", "h", "--host-key-check", "strict", "-C", "x"}).strict_host_keys);
  EXPECT_FALSE(MustParse({"-o", "h", "--host-key-check=accept-new", "-C", "x"}).strict_host_keys);
  EXPECT_NE(ErrorOf({"-o", "h", "--host-key-check", "off", "-C", "x"})
                .find("--host-key-check must be accept-new or strict: \"off\""),
            std::string::npos);
}

TEST(OptionsTest, SyncWithoutFilesAndNoUpload) {
  EXPECT_EQ(MustParse({"-o", "h", "-S"}).mode, Mode::kSync);
  EXPECT_TRUE(MustParse({"-o", "h", "-S", "--no-upload"}).no_upload);
  EXPECT_EQ(MustParse({"-o", "h", "-L"}).mode, Mode::kLock);
}

TEST(OptionsTest, HelpAndVersionSkipModeChecks) {
  EXPECT_TRUE(MustParse({"--help"}).help);
  EXPECT_TRUE(MustParse({"-h"}).help);
  EXPECT_TRUE(MustParse({"-V"}).version);
  EXPECT_TRUE(MustParse({"--version"}).version);
}

TEST(OptionsTest, ParsingTwiceStartsFresh) {
  MustParse({"-o", "a", "-C", "x"});
  Options o = MustParse({"-o", "b", "-L"});
  EXPECT_EQ(o.hosts, Args({"b"}));
  EXPECT_TRUE(o.positional.empty());
}

TEST(OptionsErrorsTest, NonNumericValuesNameTheOption) {
  EXPECT_NE(ErrorOf({"-o", "h", "-j", "abc", "-C", "x"}).find("can't convert send timeout to number: \"abc\""),
            std::string::npos);
  EXPECT_NE(ErrorOf({"-o", "h", "-z", "1x", "-C", "x"}).find("can't convert receive timeout to number"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"-o", "h", "-c", "", "-C", "x"}).find("can't convert connection timeout to number"),
            std::string::npos);
  EXPECT_EQ(ErrorOf({"-o", "h", "-a", "9999999999", "-C", "x"}),
            "keep-alive interval is too large: \"9999999999\" (at most 596h)");
  EXPECT_NE(ErrorOf({"-o", "h", "-d", "many", "-C", "x"}).find("can't convert threads count"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"-o", "h", "-d", "0", "-C", "x"}).find("threads count must be positive"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"-o", "h", "-j", "-5", "-C", "x"}).find("send timeout must be positive: \"-5\""),
            std::string::npos);
  EXPECT_EQ(ErrorOf({"-o", "h", "--timeout=-1s", "-C", "x"}), "command timeout must be positive: \"-1s\"");
}

TEST(OptionsTest, TimeOptionsTakeUnits) {
  Options o = MustParse({"-o", "h", "-c", "1500ms", "-j", "2s", "--recv-timeout=1m", "-a", "250",
                         "--timeout", "1h", "-C", "x"});
  EXPECT_EQ(o.conn_timeout_ms, 1500);
  EXPECT_EQ(o.send_timeout_ms, 2000);
  EXPECT_EQ(o.recv_timeout_ms, 60000);
  EXPECT_EQ(o.keep_alive_ms, 250);
  EXPECT_EQ(o.command_timeout_ms, 3600000);
  EXPECT_EQ(MustParse({"-o", "h", "-z30s", "-C", "x"}).recv_timeout_ms, 30000);
}

TEST(OptionsErrorsTest, UnknownAndIncompleteOptions) {
  EXPECT_EQ(ErrorOf({"-o", "h", "-Q", "-C", "x"}), "unknown option -Q");
  EXPECT_EQ(ErrorOf({"-o", "h", "-Q", "--json", "-C", "x"}), "unknown option -Q");
  EXPECT_EQ(ErrorOf({"-o", "h", "-yQ", "--json", "-C", "x"}), "unknown option -Q");
  EXPECT_EQ(ErrorOf({"-o", "h", "-C", "-yk"}), "option -k needs a value");
  EXPECT_EQ(ErrorOf({"-o", "h", "--frobnicate", "-C", "x"}), "unknown option --frobnicate");
  EXPECT_EQ(ErrorOf({"-o", "h", "--frob=1", "-C", "x"}), "unknown option --frob");
  EXPECT_EQ(ErrorOf({"-C", "-o"}), "option -o needs a value");
  EXPECT_EQ(ErrorOf({"-C", "-o", "h", "--root"}), "option --root needs a value");
  EXPECT_EQ(ErrorOf({"-o", "h", "--json=yes", "-C", "x"}), "option --json takes no value");
  EXPECT_NE(ErrorOf({"-o", "h", "--color", "pink", "-C", "x"}).find("--color must be"),
            std::string::npos);
}

TEST(OptionsErrorsTest, TypoedLongOptionsGetASuggestion) {
  EXPECT_EQ(ErrorOf({"--hots", "h", "-C", "x"}), "unknown option --hots (did you mean --host?)");
  EXPECT_EQ(ErrorOf({"-o", "h", "--colour=never", "-C", "x"}),
            "unknown option --colour (did you mean --color?)");
  EXPECT_EQ(ErrorOf({"-o", "h", "--timout", "5s", "-C", "x"}),
            "unknown option --timout (did you mean --timeout?)");
  EXPECT_EQ(ErrorOf({"-o", "h", "--dry-run", "-C", "x"}), "unknown option --dry-run");
}

TEST(OptionsErrorsTest, LongOptionWithOneDashIsRefused) {
  EXPECT_EQ(ErrorOf({"-o", "h", "-root", "/srv", "-U", "f"}),
            "-root is not an option: long options take two dashes (--root)");
  EXPECT_EQ(ErrorOf({"-command", "uptime"}), "-command is not an option: long options take two dashes (--command)");
  EXPECT_EQ(ErrorOf({"-o", "h", "-sudo", "-C", "id"}), "-sudo is not an option: long options take two dashes (--sudo)");
  EXPECT_EQ(ErrorOf({"-o", "h", "-timeout=5s", "-C", "x"}),
            "-timeout is not an option: long options take two dashes (--timeout)");
  EXPECT_EQ(ErrorOf({"-json", "-o", "h", "-C", "x"}), "-json is not an option: long options take two dashes (--json)");
  // Ordinary bundles, values and operands are not affected.
  Options o = MustParse({"-yo", "h", "-n", "-sync", "-g", "-root", "-C", "echo", "-host", "-sudo"});
  EXPECT_EQ(o.sync_cmd, "-sync");
  EXPECT_EQ(o.args, Args({"-root"}));
  EXPECT_EQ(o.positional, Args({"echo", "-host", "-sudo"}));
  EXPECT_EQ(MustParse({"-o", "h", "-exmn", "true", "-S"}).sync_cmd, "true");
  EXPECT_EQ(MustParse({"-o", "h", "-ukey", "-C", "x"}).user, "key");
}

TEST(OptionsErrorsTest, OptionsAfterTheOperandsAreExplained) {
  EXPECT_EQ(ErrorOf({"-C", "uptime", "-o", "web1"}),
            "no hosts given: use -o <host> or -s (options come before the command: "
            "\"-o\" after \"uptime\" is part of it)");
  EXPECT_EQ(ErrorOf({"-C", "uptime", "--host=web1"}),
            "no hosts given: use -o <host> or -s (options come before the command: "
            "\"--host\" after \"uptime\" is part of it)");
  EXPECT_EQ(ErrorOf({"-o", "h", "-U", "./a", "-r", "/srv"}),
            "-U needs -r <dir> (options come before the files: \"-r\" after \"./a\" was taken as a file)");
  EXPECT_EQ(ErrorOf({"-o", "h", "-U", "./a", "-r/srv"}),
            "-U needs -r <dir> (options come before the files: \"-r\" after \"./a\" was taken as a file)");
  EXPECT_EQ(ErrorOf({"-o", "h", "uname", "-a", "-C"}),
            "no mode given: one of -C, -S, -U or -L is required before the first operand \"uname\"");
  // No hint when nothing looks misplaced, or when "--" asked for it.
  EXPECT_EQ(ErrorOf({"-C", "uptime"}), "no hosts given: use -o <host> or -s");
  EXPECT_EQ(ErrorOf({"-C", "--", "-o", "h"}), "no hosts given: use -o <host> or -s");
  EXPECT_EQ(ErrorOf({"-C", "echo", "-oops"}),
            "no hosts given: use -o <host> or -s (options come before the command: "
            "\"-o\" after \"echo\" is part of it)");
}

TEST(OptionsErrorsTest, ModeAndHostRules) {
  EXPECT_NE(ErrorOf({"-o", "h"}).find("no mode given"), std::string::npos);
  EXPECT_NE(ErrorOf({"-o", "h", "-C", "-S", "x"}).find("only one of"), std::string::npos);
  EXPECT_NE(ErrorOf({"-C", "x"}).find("no hosts given"), std::string::npos);
  EXPECT_NE(ErrorOf({"-o", "h", "-U", "f"}).find("-U needs -r"), std::string::npos);
  EXPECT_NE(ErrorOf({"-o", "h", "-U", "-r", "/d"}).find("-U needs files"), std::string::npos);
  EXPECT_NE(ErrorOf({"-o", "h", "-C"}).find("-C needs a command"), std::string::npos);
  EXPECT_NE(ErrorOf({"-o", "h", "-L", "x"}).find("-L takes no arguments"), std::string::npos);
  EXPECT_NE(ErrorOf({"-o", "h", "-S", "--no-upload", "f"}).find("--no-upload takes no files"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"-o", "h", "-S", "-i", "/in"}).find("needs -m"), std::string::npos);
}

TEST(OptionsTest, OperatorOptions) {
  Options o = MustParse({"-o", "h", "--fold", "--failed-hosts", "/tmp/f", "--timeout=2500", "-C", "x"});
  EXPECT_TRUE(o.fold);
  EXPECT_EQ(o.failed_hosts_file, "/tmp/f");
  EXPECT_EQ(o.command_timeout_ms, 2500);
  Options d = MustParse({"-o", "h", "-C", "x"});
  EXPECT_FALSE(d.fold);
  EXPECT_EQ(d.failed_hosts_file, "");
  EXPECT_EQ(d.command_timeout_ms, 0);
  EXPECT_TRUE(MustParse({"-o", "h", "--fold", "-S"}).fold);
  EXPECT_EQ(MustParse({"-o", "h", "--failed-hosts", "f", "-L"}).failed_hosts_file, "f");
}

TEST(OptionsErrorsTest, OperatorOptionRules) {
  EXPECT_NE(ErrorOf({"-o", "h", "--timeout", "soon", "-C", "x"}).find("can't convert command timeout"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"-o", "h", "--timeout", "0", "-C", "x"}).find("command timeout must be positive"),
            std::string::npos);
  EXPECT_EQ(ErrorOf({"-o", "h", "--timeout", "5", "-L"}), "--timeout works with -C and -S only");
  EXPECT_EQ(ErrorOf({"-o", "h", "--fold", "-r", "/d", "-U", "f"}), "--fold works with -C and -S only");
  EXPECT_EQ(ErrorOf({"-o", "h", "--fold", "--json", "-C", "x"}), "--fold and --json can't be used together");
  EXPECT_EQ(ErrorOf({"-o", "h", "--fold", "-l", "-C", "x"}), "--fold and -l can't be used together");
  EXPECT_EQ(ErrorOf({"-o", "h", "-C", "--failed-hosts"}), "option --failed-hosts needs a value");
}

TEST(OptionsTest, BatchOptions) {
  Options o = MustParse({"-o", "h", "--batch", "1,10%", "--max-fail=20%", "--batch-wait", "2s", "-C", "x"});
  EXPECT_EQ(o.batch_sizes, (std::vector<Amount>{{1, false}, {10, true}}));
  EXPECT_EQ(o.max_fail, (Amount{20, true}));
  EXPECT_TRUE(o.max_fail_given);
  EXPECT_EQ(o.batch_wait_ms, 2000);
  Options plain = MustParse({"-o", "h", "-C", "x"});
  EXPECT_TRUE(plain.batch_sizes.empty());
  EXPECT_EQ(plain.max_fail, (Amount{0, false}));
  EXPECT_EQ(plain.batch_wait_ms, 0);
}

TEST(OptionsTest, BatchOptionErrors) {
  EXPECT_EQ(ErrorOf({"-o", "h", "--batch", "1,x", "-C", "x"}), "--batch takes counts or percentages (5, 10%): \"1,x\"");
  EXPECT_EQ(ErrorOf({"-o", "h", "--batch-wait", "soon", "--batch", "1", "-C", "x"}).substr(0, 40),
            "can't convert batch wait to number: \"soo");
  EXPECT_EQ(ErrorOf({"-o", "h", "--max-fail", "1", "-C", "x"}), "--max-fail works with --batch only");
  EXPECT_EQ(ErrorOf({"-o", "h", "--batch-wait", "1s", "-C", "x"}), "--batch-wait works with --batch only");
  EXPECT_EQ(ErrorOf({"-o", "h", "--batch", "1", "-r", "/d", "-U", "f"}), "--batch works with -C and -S only");
  EXPECT_EQ(ErrorOf({"-o", "h", "--batch", "1", "-L"}), "--batch works with -C and -S only");
}

}  // namespace
}  // namespace cli

namespace cli {
namespace {

TEST(OptionsTest, RelayTakesAnOptionalFanout) {
  EXPECT_EQ(MustParse({"-o", "h", "-r", "/d", "-U", "f"}).relay_fanout, 0);
  EXPECT_EQ(MustParse({"-o", "h", "--relay", "-r", "/d", "-U", "f"}).relay_fanout, kDefaultRelayFanout);
  EXPECT_EQ(MustParse({"-o", "h", "--relay=1", "-S", "f"}).relay_fanout, 1);
  EXPECT_EQ(ErrorOf({"-o", "h", "--relay=0", "-S", "f"}), "relay fan-out must be positive: \"0\"");
  EXPECT_EQ(ErrorOf({"-o", "h", "--relay=x", "-S", "f"}), "can't convert relay fan-out to number: \"x\"");
  EXPECT_EQ(ErrorOf({"-o", "h", "--relay", "-C", "true"}), "--relay works with -U and -S (with an upload) only");
  EXPECT_EQ(ErrorOf({"-o", "h", "--relay", "--no-upload", "-S"}),
            "--relay works with -U and -S (with an upload) only");
}

}  // namespace
}  // namespace cli
