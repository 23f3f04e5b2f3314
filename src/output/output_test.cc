#include "output/output.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace output {
namespace {

// Captures what Output writes to its two descriptors.
class Capture {
 public:
  Capture() {
    EXPECT_EQ(pipe2(out_, O_NONBLOCK), 0);
    EXPECT_EQ(pipe2(err_, O_NONBLOCK), 0);
  }
  ~Capture() {
    for (int fd : {out_[0], out_[1], err_[0], err_[1]}) close(fd);
  }
  int out() const { return out_[1]; }
  int err() const { return err_[1]; }
  std::string TakeOut() { return Drain(out_[0]); }
  std::string TakeErr() { return Drain(err_[0]); }

 private:
  static std::string Drain(int fd) {
    std::string data;
    char buffer[4096];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) data.append(buffer, static_cast<size_t>(n));
    return data;
  }
  int out_[2];
  int err_[2];
};

const HostRef kHost{"web1", "[me@web1:22]"};

TEST(OutputTest, PrefixesHostLines) {
  Capture c;
  Output out({}, c.out(), c.err());
  out.HostLine(kHost, Stream::kStdout, "hello");
  out.HostLine(kHost, Stream::kStderr, "oops");
  EXPECT_EQ(c.TakeOut(), "web1 hello\n");
  EXPECT_EQ(c.TakeErr(), "web1 oops\n");
}

TEST(OutputTest, QuietWritesRawLines) {
  Capture c;
  Output out({.quiet = true}, c.out(), c.err());
  out.HostLine(kHost, Stream::kStdout, "hello");
  out.HostRaw(Stream::kStdout, "no newline");
  EXPECT_EQ(c.TakeOut(), "hello\nno newline");
}

TEST(OutputTest, VerboseLogsHostOutputWithIdentity) {
  Capture c;
  Output out({.verbose = 1}, c.out(), c.err());
  out.HostLine(kHost, Stream::kStdout, "hello");
  out.Log(Level::kDebug, "shown");
  out.Log(Level::kTrace, "hidden");
  EXPECT_EQ(c.TakeOut(), "");
  EXPECT_EQ(c.TakeErr(), "<stdout> [me@web1:22] hello\ndebug: shown\n");
}

TEST(OutputTest, JsonLinesCarryTheContractKeys) {
  Capture c;
  Output out({.json = true}, c.out(), c.err());
  out.HostLine(kHost, Stream::kStdout, "a \"quoted\" \xff line");
  out.Error(util::Status::Error("inner").Wrap("outer"));
  auto line = nlohmann::json::parse(c.TakeOut());
  EXPECT_EQ(line["stream"], "stdout");
  EXPECT_EQ(line["node"], "[me@web1:22]");
  EXPECT_EQ(line["host"], "web1");
  EXPECT_EQ(line["body"].get<std::string>().substr(0, 12), "a \"quoted\" \xEF");
  std::string err = c.TakeErr();
  size_t newline = err.find('\n');
  auto first = nlohmann::json::parse(err.substr(0, newline));
  auto second = nlohmann::json::parse(err.substr(newline + 1));
  EXPECT_EQ(first["node"], nullptr);
  EXPECT_EQ(first["body"], "error: outer");
  EXPECT_EQ(second["body"], "error: inner");
}

TEST(OutputTest, ErrorTreeIndentsCauses) {
  Capture c;
  Output out({}, c.out(), c.err());
  util::Status top = util::Status::Error("commands are failed on 2 out of 3 nodes");
  top.AddCause(util::Status::Error("connection refused").Wrap("can't connect to a"));
  top.AddCause(util::Status::Error("exit code 3").Wrap("b"));
  out.Error(top);
  EXPECT_EQ(c.TakeErr(),
            "error: commands are failed on 2 out of 3 nodes\n"
            "└─ can't connect to a\n"
            "   └─ connection refused\n"
            "└─ b\n"
            "   └─ exit code 3\n");
}

TEST(OutputTest, StatusLineIsErasedBeforeOtherOutputAndOffByDefault) {
  Capture c;
  Output quiet({}, c.out(), c.err());
  quiet.Status("connect: 1/3");
  EXPECT_EQ(c.TakeErr(), "");
  Output out({.status_line = true}, c.out(), c.err());
  out.Status("connect: 1/3");
  out.Status("connect: 2/3");  // Throttled: not drawn yet.
  out.Log(Level::kWarning, "w");
  out.ClearStatus();
  EXPECT_EQ(c.TakeErr(), "\r\033[Kconnect: 1/3\r\033[Kwarning: w\n");
}

TEST(OutputTest, BatchedLinesKeepTheirBytesAndOrder) {
  Capture capture;
  Output out(Config{}, capture.out(), capture.err());
  {
    Output::Batch batch(&out);
    out.HostLine(kHost, Stream::kStdout, "one");
    out.HostLine(kHost, Stream::kStdout, "two");
    EXPECT_EQ(capture.TakeOut(), "");  // Gathered, not written yet.
    out.HostLine(kHost, Stream::kStderr, "err");  // Another stream: flushes first.
    EXPECT_EQ(capture.TakeOut(), "web1 one\nweb1 two\n");
    out.HostLine(kHost, Stream::kStdout, "three");
    EXPECT_EQ(capture.TakeErr(), "web1 err\n");
    out.Log(Level::kWarning, "careful");
    EXPECT_EQ(capture.TakeOut(), "web1 three\n");
    out.HostLine(kHost, Stream::kStdout, "four");
  }
  EXPECT_EQ(capture.TakeErr(), "warning: careful\n");
  EXPECT_EQ(capture.TakeOut(), "web1 four\n");
  {
    Output::Batch batch(&out);
    std::string big(1000, 'x');
    for (int i = 0; i < 200; ++i) out.HostLine(kHost, Stream::kStdout, big);  // Past kBatchBytes.
    EXPECT_GE(capture.TakeOut().size(), kBatchBytes);
  }
  EXPECT_EQ(capture.TakeOut().size() % 1006, 0u);  // Whole lines only.
}

TEST(OutputTest, ColourPrefixesAndLevelsOnlyOnColouredStreams) {
  Capture c;
  Output out({.color_stdout = true, .color_stderr = true}, c.out(), c.err());
  out.HostLine(kHost, Stream::kStdout, "hello");
  out.Log(Level::kWarning, "w");
  out.Error(util::Status::Error("e"));
  std::string sgr(HostColor(Theme::kDark, "web1"));
  EXPECT_EQ(c.TakeOut(), "\033[" + sgr + "mweb1\033[0m hello\n");
  EXPECT_EQ(c.TakeErr(), "\033[1;93mwarning:\033[0m w\n\033[1;91merror:\033[0m e\n");
  Output plain({.color_stdout = false, .color_stderr = false}, c.out(), c.err());
  plain.HostLine(kHost, Stream::kStdout, "hello");
  plain.Log(Level::kError, "e");
  EXPECT_EQ(c.TakeOut(), "web1 hello\n");
  EXPECT_EQ(c.TakeErr(), "error: e\n");
}

TEST(OutputTest, LightThemeAndVerboseIdentityUseTheHostsColour) {
  Capture c;
  Output out({.verbose = 1, .color_stderr = true, .theme = Theme::kLight}, c.out(), c.err());
  out.HostLine(kHost, Stream::kStdout, "hi");
  std::string sgr(HostColor(Theme::kLight, "web1"));
  EXPECT_EQ(c.TakeErr(), "<stdout> \033[" + sgr + "m[me@web1:22]\033[0m hi\n");
}

TEST(OutputTest, JsonAndQuietNeverCarryEscapes) {
  for (Config config : {Config{.json = true, .color_stdout = true, .color_stderr = true},
                        Config{.quiet = true, .color_stdout = true, .color_stderr = true}}) {
    Capture c;
    Output out(config, c.out(), c.err());
    out.HostLine(kHost, Stream::kStdout, "hello");
    out.HostLine(kHost, Stream::kStderr, "oops");
    out.HostEnd(kHost, 0, util::Status::Ok());
    out.Log(Level::kWarning, "w");
    out.Error(util::Status::Error("inner").Wrap("outer"));
    std::string all = c.TakeOut() + c.TakeErr();
    EXPECT_FALSE(all.empty());
    EXPECT_EQ(all.find('\033'), std::string::npos) << all;
  }
}

TEST(OutputTest, JsonEndRecordPerHost) {
  Capture c;
  Output out({.json = true}, c.out(), c.err());
  out.HostEnd(kHost, 3, util::Status::Ok());
  out.HostEnd(kHost, std::nullopt, util::Status::Error("connection lost").Wrap("channel"));
  std::string text = c.TakeOut();
  size_t newline = text.find('\n');
  EXPECT_EQ(text.substr(0, newline),
            R"({"stream":"exit","node":"[me@web1:22]","host":"web1","exit_code":3,"error":null})");
  auto second = nlohmann::json::parse(text.substr(newline + 1));
  EXPECT_EQ(second["exit_code"], nullptr);
  EXPECT_EQ(second["error"], "channel: connection lost");
  Output plain({}, c.out(), c.err());
  plain.HostEnd(kHost, 0, util::Status::Ok());  // Only with --json.
  EXPECT_EQ(c.TakeOut(), "");
}

TEST(OutputTest, AStatusTooSoonIsDrawnWhenTheSchedulerCallsBack) {
  Capture c;
  Output out({.status_line = true}, c.out(), c.err());
  std::vector<long long> asked;
  out.SetRedrawScheduler([&](long long delay_ms) { asked.push_back(delay_ms); });
  out.Status("exec: 1/5 done");
  out.Status("exec: 2/5 done");  // Within the interval: not drawn yet...
  out.Status("exec: 3/5 done");  // ...and one callback is enough.
  EXPECT_EQ(c.TakeErr(), "\r\033[Kexec: 1/5 done");
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_GE(asked[0], 1);
  EXPECT_LE(asked[0], kStatusIntervalMs);
  out.RedrawStatus();  // ...but drawn at the next tick: never stale.
  EXPECT_EQ(c.TakeErr(), "\r\033[Kexec: 3/5 done");
  out.RedrawStatus();  // Nothing new: nothing drawn.
  EXPECT_EQ(c.TakeErr(), "");
  // Output erases the line; a callback puts it back afterwards.
  out.HostLine(kHost, Stream::kStdout, "line");
  EXPECT_EQ(asked.size(), 2u);
  out.RedrawStatus();
  EXPECT_EQ(c.TakeErr(), "\r\033[K\r\033[Kexec: 3/5 done");
  out.ClearStatus();
  out.RedrawStatus();  // Cleared: stays away.
  EXPECT_EQ(c.TakeErr(), "\r\033[K");
  out.SetRedrawScheduler(nullptr);
}

TEST(OutputTest, TheStatusLineWaitsForTheEndOfALineWrittenInPieces) {
  Capture c;
  Output out({.status_line = true}, c.out(), c.err());
  int asked = 0;
  out.SetRedrawScheduler([&](long long) { ++asked; });
  out.HostPiece(kHost, Stream::kStdout, "first ", true, false);
  out.Status("exec: 0/1 done");  // Would wipe "web1 first " on a terminal.
  out.RedrawStatus();
  EXPECT_EQ(c.TakeErr(), "");
  EXPECT_GE(asked, 1);
  out.HostPiece(kHost, Stream::kStdout, "second", false, true);
  out.RedrawStatus();
  EXPECT_EQ(c.TakeOut(), "web1 first second\n");
  EXPECT_EQ(c.TakeErr(), "\r\033[Kexec: 0/1 done");
  out.SetRedrawScheduler(nullptr);
}

TEST(OutputTest, ALineLongerThanAPipeIsWrittenWholeWithOnePrefix) {
  char path[] = "/tmp/output_test_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  unlink(path);
  Capture c;
  Output out({}, fd, c.err());
  std::string line(1 << 20, 'x');
  {
    Output::Batch batch(&out);
    out.HostLine(kHost, Stream::kStdout, "short");
    out.HostLine(kHost, Stream::kStdout, line);
    out.HostRaw(Stream::kStdout, "raw");
  }
  std::string got(line.size() + 64, '\0');
  ssize_t n = pread(fd, got.data(), got.size(), 0);
  close(fd);
  got.resize(n > 0 ? static_cast<size_t>(n) : 0);
  EXPECT_TRUE(got == "web1 short\nweb1 " + line + "\nraw") << got.size();
}

}  // namespace
}  // namespace output
