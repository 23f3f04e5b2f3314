#include "output/output.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>

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

}  // namespace
}  // namespace output
