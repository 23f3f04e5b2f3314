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

TEST(OptionsTest, RepeatableOptions) {
  Options o = MustParse({"-o", "a", "-o", "b", "-g", "x", "-g", "y z", "-vv", "-v", "-S"});
  EXPECT_EQ(o.hosts, Args({"a", "b"}));
  EXPECT_EQ(o.args, Args({"x", "y z"}));
  EXPECT_EQ(o.verbose, 3);
}

TEST(OptionsTest, OptionsAfterCommandWordsAndDoubleDash) {
  Options o = MustParse({"-C", "echo", "hi", "-o", "h", "--", "-l", "--json"});
  EXPECT_EQ(o.hosts, Args({"h"}));
  EXPECT_FALSE(o.serial);
  EXPECT_FALSE(o.json);
  EXPECT_EQ(o.positional, Args({"echo", "hi", "-l", "--json"}));
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
  EXPECT_NE(ErrorOf({"-o", "h", "-C", "x", "-j", "abc"}).find("can't convert send timeout to number"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"-o", "h", "-C", "x", "-z", "1x"}).find("can't convert receive timeout to number"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"-o", "h", "-C", "x", "-c", ""}).find("can't convert connection timeout to number"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"-o", "h", "-C", "x", "-a", "9999999999"}).find("can't convert keep-alive"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"-o", "h", "-C", "x", "-d", "many"}).find("can't convert threads count"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"-o", "h", "-C", "x", "-d", "0"}).find("threads count must be positive"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"-o", "h", "-C", "x", "-j", "-5"}).find("send timeout must be positive"),
            std::string::npos);
}

TEST(OptionsErrorsTest, UnknownAndIncompleteOptions) {
  EXPECT_EQ(ErrorOf({"-o", "h", "-C", "x", "-Q"}), "unknown option -Q");
  EXPECT_EQ(ErrorOf({"-o", "h", "-C", "x", "-Q", "--json"}), "unknown option -Q");
  EXPECT_EQ(ErrorOf({"-o", "h", "-C", "x", "-yQ", "--json"}), "unknown option -Q");
  EXPECT_EQ(ErrorOf({"-o", "h", "-C", "x", "-yk"}), "option -k needs a value");
  EXPECT_EQ(ErrorOf({"-o", "h", "-C", "x", "--frobnicate"}), "unknown option --frobnicate");
  EXPECT_EQ(ErrorOf({"-o", "h", "-C", "x", "--frob=1"}), "unknown option --frob");
  EXPECT_EQ(ErrorOf({"-C", "x", "-o"}), "option -o needs a value");
  EXPECT_EQ(ErrorOf({"-C", "x", "-o", "h", "--root"}), "option --root needs a value");
  EXPECT_EQ(ErrorOf({"-o", "h", "-C", "x", "--json=yes"}), "option --json takes no value");
  EXPECT_NE(ErrorOf({"-o", "h", "-C", "x", "--color", "pink"}).find("--color must be"),
            std::string::npos);
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
  EXPECT_EQ(ErrorOf({"-o", "h", "--fold", "-U", "f", "-r", "/d"}), "--fold works with -C and -S only");
  EXPECT_EQ(ErrorOf({"-o", "h", "--fold", "--json", "-C", "x"}), "--fold and --json can't be used together");
  EXPECT_EQ(ErrorOf({"-o", "h", "--fold", "-l", "-C", "x"}), "--fold and -l can't be used together");
  EXPECT_EQ(ErrorOf({"-o", "h", "-C", "x", "--failed-hosts"}), "option --failed-hosts needs a value");
}

}  // namespace
}  // namespace cli
