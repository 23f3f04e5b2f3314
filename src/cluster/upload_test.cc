#include "cluster/upload.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cluster/fake_cluster_test_for_test.h"
#include "cluster/remote_cleanup.h"
#include "transfer/file_walk.h"
#include "transfer/test_tree_for_test.h"

namespace cluster {
namespace {

using namespace std::chrono_literals;
using transfer::testing_util::TempDir;
using transfer::testing_util::WriteFile;

class UploadTest : public FakeClusterTest {
 protected:
  // An archive of one file of `bytes` bytes.
  void MakeStream(size_t bytes) {
    std::string content;
    content.reserve(bytes);
    for (size_t i = 0; i < bytes; ++i) content.push_back(static_cast<char>((i * 7919) >> 3));
    WriteFile(dir_.path() + "/data", content);
    transfer::UploadOptions options;
    options.completion_marker = "marker";
    auto entries = transfer::CollectEntries({dir_.path() + "/data"}, options);
    ASSERT_TRUE(entries.ok()) << entries.status().ToString();
    auto stream = transfer::TarStream::Create(std::move(*entries), options);
    ASSERT_TRUE(stream.ok());
    stream_ = std::move(*stream);
  }
  UploadResult Upload() { return UploadToAll(&loop_, &nodes_, stream_.get(), Spec(), out_.get(), stop_); }
  static UploadSpec Spec() {
    UploadSpec spec;
    spec.root = "/dest";
    spec.marker = "marker";
    return spec;
  }
  // Every host extracts until EOF, then exits 0.
  void ExtractEverywhere() {
    for (FakeHost* host : hosts_) {
      host->script = [](FakeCommand& c) { c.on_eof = [&c] { c.Exit(0); }; };
    }
  }

  TempDir dir_;
  std::unique_ptr<transfer::TarStream> stream_;
};

TEST_F(UploadTest, EveryHostGetsTheWholeArchive) {
  MakeStream(600 * 1024);
  ExtractEverywhere();
  UploadResult result = Upload();
  ASSERT_TRUE(result.error.ok()) << result.error.ToString();
  EXPECT_GT(result.bytes_sent, 600u * 1024);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(result.outcomes[i].ok()) << result.outcomes[i].error.ToString();
    EXPECT_EQ(hosts_[i]->commands[0]->stdin_data().size(), result.bytes_sent);
    EXPECT_TRUE(hosts_[i]->commands[0]->stdin_data() == hosts_[0]->commands[0]->stdin_data());
    EXPECT_GT(hosts_[i]->send_buffer, 0);
  }
}

TEST_F(UploadTest, TheSlowestHostHoldsTheProducerBackWithinTheWindow) {
  MakeStream(12 * 1024 * 1024);
  ExtractEverywhere();
  hosts_[2]->script = [](FakeCommand& c) {
    c.SetRoom(0);  // Takes nothing until it is given room.
    c.on_eof = [&c] { c.Exit(0); };
  };
  uint64_t produced_while_stuck = 0;
  size_t fast_host_had = 0;
  loop::TimePoint give_up = loop::Clock::now() + 5s;
  // Once the fast hosts have taken all there is and the producer stopped
  // (or after 5 s, to fail rather than hang), the slow host gets room.
  std::function<void()> check = [&] {
    uint64_t produced = stream_->bytes_produced();
    bool settled = produced >= 8u * 1024 * 1024 && hosts_[0]->commands[0]->stdin_data().size() == produced &&
                   hosts_[1]->commands[0]->stdin_data().size() == produced;
    if (!settled && loop::Clock::now() < give_up) return After(5ms, check);
    After(20ms, [&] {  // The producer had time to run ahead, if it would.
      produced_while_stuck = stream_->bytes_produced();
      fast_host_had = hosts_[0]->commands[0]->stdin_data().size();
      hosts_[2]->commands[0]->AddRoom(UINT64_MAX / 2);
    });
  };
  After(5ms, check);
  UploadResult result = Upload();
  ASSERT_TRUE(result.error.ok()) << result.error.ToString();
  // 8 MiB window plus one chunk (and a record of slack).
  EXPECT_LE(produced_while_stuck, 8u * 1024 * 1024 + 256 * 1024 + 20 * 1024);
  EXPECT_GE(produced_while_stuck, 8u * 1024 * 1024);
  EXPECT_EQ(fast_host_had, produced_while_stuck);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(result.outcomes[i].ok()) << i;
    EXPECT_EQ(hosts_[i]->commands[0]->stdin_data().size(), result.bytes_sent) << i;
  }
}

TEST_F(UploadTest, AHostWhoseTarFailsMidStreamFailsAloneWithTarsWords) {
  MakeStream(2 * 1024 * 1024);
  ExtractEverywhere();
  hosts_[1]->script = [&](FakeCommand& c) {
    c.SetRoom(300 * 1024);
    After(10ms, [&c] {
      c.Stderr("tar: data: Cannot write: No space left on device\n");
      c.Exit(2);
    });
  };
  UploadResult result = Upload();
  ASSERT_TRUE(result.error.ok());
  EXPECT_TRUE(result.outcomes[0].ok());
  EXPECT_TRUE(result.outcomes[2].ok());
  std::string why = result.outcomes[1].error.ToString();
  EXPECT_NE(why.find("extraction failed with exit code 2"), std::string::npos) << why;
  EXPECT_NE(why.find("No space left on device"), std::string::npos) << why;
  EXPECT_EQ(hosts_[0]->commands[0]->stdin_data().size(), result.bytes_sent);
}

TEST_F(UploadTest, ALargeArchiveGrowsThePipeBehindSshdBeforeTarReadsIt) {
  UploadSpec spec = Spec();
  spec.wrapper.shell_template = "";  // The line itself, unquoted.
  spec.total_bytes = kGrowPipeFrom - 1;
  EXPECT_EQ(UploadCommand(spec).find("perl"), std::string::npos);
  spec.total_bytes = kGrowPipeFrom;
  std::string command = UploadCommand(spec);
  size_t grow = command.find("{ perl -e 'fcntl STDIN, 1031, 1048576 if $^O eq q(linux)' 2>/dev/null; tar ");
  EXPECT_NE(grow, std::string::npos) << command;
  EXPECT_NE(command.find(" rm -f '/dest/marker'; }", grow), std::string::npos) << command;
}

TEST_F(UploadTest, AnUnreachableHostIsNamedAndTheOthersGoOn) {
  MakeStream(1000);
  ExtractEverywhere();
  hosts_[0]->connected_ = false;
  nodes_[0].error = util::Status::Error("can't connect to h0");
  UploadResult result = Upload();
  EXPECT_EQ(result.outcomes[0].error.ToString(), "can't connect to h0");
  EXPECT_TRUE(hosts_[0]->commands.empty());
  EXPECT_TRUE(result.outcomes[1].ok());
  EXPECT_TRUE(result.outcomes[2].ok());
}

TEST_F(UploadTest, AnInterruptWaitsForExecsInFlightThenCleansUpTermsAndCloses) {
  MakeStream(4 * 1024 * 1024);
  const std::string tar = UploadCommand(Spec());
  const std::string cleanup = CleanupCommand(Spec().wrapper);
  for (FakeHost* host : hosts_) {
    host->script = [cleanup](FakeCommand& c) {
      if (c.command() == cleanup) return c.Exit(0);
      c.SetRoom(64 * 1024);  // A slow host: the upload is still going.
    };
  }
  hosts_[1]->start_at_once = false;  // Its exec request is still on its way.
  After(10ms, [&] { stop_.Request(StopReason::kInterrupted); });
  After(50ms, [&] {
    hosts_[1]->start_at_once = true;
    hosts_[1]->commands[0]->Start();
  });
  UploadResult result = Upload();
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(result.outcomes[i].error.ToString(), "interrupted") << i;
    EXPECT_EQ(hosts_[i]->log, (std::vector<std::string>{"exec " + tar, "start " + tar, "exec " + cleanup,
                                                          "start " + cleanup, "close " + cleanup,
                                                          "signal TERM " + tar, "close " + tar}))
        << i;
  }
}

}  // namespace
}  // namespace cluster
