#include "cluster/host_output.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cluster/capture_output_for_test.h"

namespace cluster {
namespace {

using output::Stream;

// An unnamed temporary file per stream: lines longer than a pipe holds.
class Files {
 public:
  Files() : out_(std::tmpfile()), err_(std::tmpfile()) {}
  ~Files() {
    std::fclose(out_);
    std::fclose(err_);
  }
  int out() const { return fileno(out_); }
  int err() const { return fileno(err_); }
  std::string TakeOut() { return Take(out_); }
  std::string TakeErr() { return Take(err_); }

 private:
  static std::string Take(FILE* file) {
    std::string data = CapturedOutput::ReadAll(fileno(file));
    EXPECT_EQ(ftruncate(fileno(file), 0), 0);
    EXPECT_EQ(lseek(fileno(file), 0, SEEK_SET), 0);
    return data;
  }
  FILE* out_;
  FILE* err_;
};

std::vector<output::HostRef> TwoHosts() { return {{"a", "[me@a:22]"}, {"b", "[me@b:22]"}}; }

TEST(HostOutputTest, QuietWritesWholeLinesWhenChunksOfTwoHostsInterleave) {
  Files f;
  output::Output out({.quiet = true}, f.out(), f.err());
  HostOutput host_output(&out, TwoHosts(), false);
  host_output.Data(0, Stream::kStdout, "12\n3");
  host_output.Data(1, Stream::kStdout, "45\n6");
  host_output.Data(0, Stream::kStdout, "4\n5");
  host_output.Data(1, Stream::kStdout, "7\n");
  EXPECT_EQ(f.TakeOut(), "12\n45\n34\n67\n");
  host_output.Data(1, Stream::kStdout, "no newline");
  host_output.Finish(1);
  host_output.Finish(0);  // A last line without newline stays without.
  EXPECT_EQ(f.TakeOut(), "no newline5");
  EXPECT_EQ(f.TakeErr(), "");
}

TEST(HostOutputTest, QuietWithOneHostPassesBytesAsTheyCome) {
  Files f;
  output::Output out({.quiet = true}, f.out(), f.err());
  HostOutput host_output(&out, {{"a", "[me@a:22]"}}, false);
  host_output.Data(0, Stream::kStdout, "12\n3");
  EXPECT_EQ(f.TakeOut(), "12\n3");  // No one to share a line with.
  host_output.Finish(0);
}

TEST(HostOutputTest, ALineLongerThan64KiBInPiecesIsPrintedWholeWithOnePrefix) {
  Files f;
  output::Output out({}, f.out(), f.err());
  HostOutput host_output(&out, TwoHosts(), false);
  std::string line(100000, 'x');
  for (size_t at = 0; at < line.size(); at += 16384) {
    host_output.Data(0, Stream::kStdout, std::string_view(line).substr(at, 16384));
    host_output.Data(1, Stream::kStdout, "short\n");
  }
  host_output.Data(0, Stream::kStdout, "\nnext\n");
  host_output.Finish(0);
  host_output.Finish(1);
  std::string expected;
  for (int i = 0; i < 7; ++i) expected += "b short\n";
  expected += "a " + line + "\na next\n";
  std::string got = f.TakeOut();
  EXPECT_TRUE(got == expected) << got.size();
  EXPECT_EQ(f.TakeErr(), "");
}

TEST(HostOutputTest, WithOneHostALongLineIsWrittenAsItComesWithOnePrefix) {
  Files f;
  output::Output out({}, f.out(), f.err());
  HostOutput host_output(&out, {{"a", "[me@a:22]"}}, false, nullptr, nullptr, 1000);
  std::string line(200000, 'x');
  host_output.Data(0, Stream::kStdout, line.substr(0, 100000));
  std::string first = f.TakeOut();  // Not all held in memory: one piece out.
  EXPECT_TRUE(first == "a " + line.substr(0, kPieceBytes)) << first.size();
  host_output.Data(0, Stream::kStdout, line.substr(100000) + "\nlast");
  host_output.Finish(0);
  std::string rest = f.TakeOut();
  EXPECT_TRUE(first + rest == "a " + line + "\na last\n") << rest.size();  // Last line gets a newline.
  EXPECT_EQ(f.TakeErr(), "");  // No cap for one host, no warning.
}

TEST(HostOutputTest, PastTheCapPiecesArePrintedAndTheHostIsWarnedOnce) {
  Files f;
  output::Output out({}, f.out(), f.err());
  HostOutput host_output(&out, TwoHosts(), false, nullptr, nullptr, 1000);
  std::string line(2500, 'x');
  host_output.Data(0, Stream::kStdout, line + "\n" + line + "\n");
  host_output.Data(1, Stream::kStdout, "fine\n");
  host_output.Finish(0);
  host_output.Finish(1);
  std::string k(1000, 'x'), rest(500, 'x');
  std::string piece = "a " + k + "\na " + k + "\na " + rest + "\n";
  std::string got = f.TakeOut();
  EXPECT_TRUE(got == piece + piece + "b fine\n") << got.size();
  EXPECT_EQ(f.TakeErr(), "warning: a: a line longer than 1000 bytes was printed in pieces of that size\n");
}

TEST(HostOutputTest, QuietPastTheCapKeepsEveryByte) {
  Files f;
  output::Output out({.quiet = true}, f.out(), f.err());
  HostOutput host_output(&out, TwoHosts(), false, nullptr, nullptr, 1000);
  std::string line(2500, 'x');
  host_output.Data(0, Stream::kStdout, line + "\n");
  host_output.Finish(0);
  host_output.Finish(1);
  EXPECT_TRUE(f.TakeOut() == line + "\n");
  EXPECT_NE(f.TakeErr().find("a: a line longer than 1000 bytes was written in pieces"), std::string::npos);
}

TEST(HostOutputTest, JsonEndRecordFollowsTheHostsLinesAlsoInSerialMode) {
  Files f;
  output::Output out({.json = true}, f.out(), f.err());
  HostOutput host_output(&out, TwoHosts(), /*serial=*/true);
  host_output.Data(1, Stream::kStdout, "from b");
  host_output.Finish(1, 7, util::Status::Ok());  // Held: a is current.
  host_output.Data(0, Stream::kStdout, "from a\n");
  host_output.Finish(0, std::nullopt, util::Status::Error("timed out after 5 ms"));
  std::vector<nlohmann::json> lines;
  std::string text = f.TakeOut();
  for (size_t at = 0, end; (end = text.find('\n', at)) != std::string::npos; at = end + 1) {
    lines.push_back(nlohmann::json::parse(text.substr(at, end - at)));
  }
  ASSERT_EQ(lines.size(), 4u) << text;
  EXPECT_EQ(lines[0]["body"], "from a");
  EXPECT_EQ(lines[1]["stream"], "exit");
  EXPECT_EQ(lines[1]["host"], "a");
  EXPECT_EQ(lines[1]["exit_code"], nullptr);
  EXPECT_EQ(lines[1]["error"], "timed out after 5 ms");
  EXPECT_EQ(lines[2]["body"], "from b");
  EXPECT_EQ(lines[3]["node"], "[me@b:22]");
  EXPECT_EQ(lines[3]["exit_code"], 7);
  EXPECT_EQ(lines[3]["error"], nullptr);
}

TEST(HostOutputTest, ProtocolLinesAreFilteredAndQuietLinesStayWhole) {
  Files f;
  output::Output out({.quiet = true}, f.out(), f.err());
  HostOutput host_output(&out, TwoHosts(), false, [](size_t, std::string_view line) {
    return line.starts_with("ORGALORG:1 ");
  });
  host_output.Data(0, Stream::kStdout, "ORGALORG:1 SYNC x\nus");
  host_output.Data(1, Stream::kStdout, "them\n");
  host_output.Data(0, Stream::kStdout, "er\n");
  host_output.Finish(0);
  host_output.Finish(1);
  EXPECT_EQ(f.TakeOut(), "them\nuser\n");
}

TEST(HostOutputTest, FoldKeepsBytesInArrivalOrder) {
  output::Output out({});
  output::FoldBuffer fold(2);
  HostOutput host_output(&out, TwoHosts(), false, nullptr, &fold);
  host_output.Data(0, Stream::kStdout, "one\ntw");
  host_output.Data(0, Stream::kStderr, "err\n");
  host_output.Data(0, Stream::kStdout, "o");
  host_output.Finish(0);
  host_output.Finish(1);
  EXPECT_TRUE(host_output.fold_status().ok());
  std::string got;
  EXPECT_TRUE(fold.ForEachChunk(0, [&](std::string_view piece) { got.append(piece); }).ok());
  EXPECT_EQ(got, "one\ntwerr\no");
}

}  // namespace
}  // namespace cluster
