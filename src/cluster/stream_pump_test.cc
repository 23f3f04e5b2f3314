#include "cluster/stream_pump.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "cluster/fake_cluster_test_for_test.h"
#include "transfer/file_walk.h"
#include "transfer/test_tree_for_test.h"

namespace cluster {
namespace {

using namespace std::chrono_literals;
using transfer::testing_util::TempDir;
using transfer::testing_util::WriteFile;

class StreamPumpTest : public FakeClusterTest {
 protected:
  StreamPumpTest() : FakeClusterTest(4) {}

  // An archive of one file of `bytes` bytes, and a pump over it.
  void MakePump(size_t bytes, uint64_t total_bytes = 0) {
    WriteFile(dir_.path() + "/data", std::string(bytes, 'x'));
    transfer::UploadOptions options;
    options.completion_marker = "marker";
    auto entries = transfer::CollectEntries({dir_.path() + "/data"}, options);
    ASSERT_TRUE(entries.ok()) << entries.status().ToString();
    auto stream = transfer::TarStream::Create(std::move(*entries), options);
    ASSERT_TRUE(stream.ok());
    stream_ = std::move(*stream);
    pump_ = std::make_unique<StreamPump>(&loop_, stream_.get(), out_.get(),
                                         PumpStatus{"upload", hosts_.size(), total_bytes}, hosts_.size());
  }
  // Host i's command, a sink of the pump once it has started.
  void AddSink(size_t i, std::string prelude, bool takes_archive) {
    ExecCallbacks callbacks;
    callbacks.on_writable = [this, i] { pump_->Writable(i); };
    auto channel = nodes_[i].exec->Exec("cat", callbacks);
    ASSERT_TRUE(channel.ok());
    channels_.push_back(std::move(*channel));
    pump_->Add(i, channels_.back().get(), std::move(prelude), takes_archive);
  }
  FakeCommand& Command(size_t i) { return *hosts_[i]->commands[0]; }
  void RunUntil(const std::function<bool()>& done) {
    ASSERT_TRUE(loop_.RunUntil(done, loop::Clock::now() + 5s).ok());
    ASSERT_TRUE(done()) << "timed out";
  }
  // Runs the loop until nothing is left to do (a few quiet turns).
  void Settle() {
    for (int i = 0; i < 20; ++i) loop_.RunOnce(loop::Milliseconds(1));
  }

  TempDir dir_;
  std::unique_ptr<transfer::TarStream> stream_;
  std::unique_ptr<StreamPump> pump_;
  std::vector<std::unique_ptr<ExecChannel>> channels_;
};

TEST_F(StreamPumpTest, EverySinkGetsItsPreludeThenTheWholeArchiveThenEof) {
  MakePump(3 * 1024 * 1024);
  AddSink(0, "", true);
  AddSink(1, "script\n", true);
  AddSink(2, "only a script\n", false);
  pump_->QueuePump();
  RunUntil([&] { return Command(0).stdin_closed() && Command(1).stdin_closed() && Command(2).stdin_closed(); });
  uint64_t size = stream_->bytes_produced();
  EXPECT_GT(size, 3u * 1024 * 1024);
  EXPECT_EQ(Command(0).stdin_data().size(), size);
  EXPECT_EQ(Command(1).stdin_data(), "script\n" + Command(0).stdin_data());
  EXPECT_EQ(Command(2).stdin_data(), "only a script\n");
  for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(pump_->eof_sent(i)) << i;
  EXPECT_TRUE(pump_->error().ok());
}

TEST_F(StreamPumpTest, NothingIsProducedWhileNoSinkTakesTheArchive) {
  MakePump(1024 * 1024);
  AddSink(0, "script\n", false);
  pump_->QueuePump();
  RunUntil([&] { return Command(0).stdin_closed(); });
  Settle();
  EXPECT_EQ(stream_->bytes_produced(), 0u);
}

TEST_F(StreamPumpTest, TheSlowestOffsetFollowsTheSinksAsTheyAdvanceFinishAndFail) {
  MakePump(20 * 1024 * 1024);
  for (size_t i = 0; i < 3; ++i) AddSink(i, "", true);
  Command(0).SetRoom(100);
  Command(1).SetRoom(5000);
  pump_->QueuePump();
  RunUntil([&] { return Command(2).stdin_data().size() >= StreamPump::kWindowBytes; });
  Settle();
  EXPECT_EQ(pump_->Slowest(), 100u);
  // The producer waits within the window for the slowest sink.
  EXPECT_LE(stream_->bytes_produced(), StreamPump::kWindowBytes + transfer::TarStream::kDefaultChunkBytes);
  Command(0).AddRoom(900);
  RunUntil([&] { return pump_->Slowest() == 1000u; });
  pump_->Remove(0);  // Failed: sink 1 is now the slowest.
  EXPECT_EQ(pump_->Slowest(), 5000u);
  Command(1).AddRoom(UINT64_MAX / 2);
  RunUntil([&] { return Command(1).stdin_closed() && Command(2).stdin_closed(); });
  // Every sink done: the slowest is the end of what was made.
  EXPECT_EQ(pump_->Slowest(), stream_->bytes_produced());
  EXPECT_EQ(Command(1).stdin_data().size(), stream_->bytes_produced());
  EXPECT_FALSE(Command(0).stdin_closed());  // Removed: left alone.
}

TEST_F(StreamPumpTest, ASinkRemovedMidStreamNoLongerHoldsTheProducerBack) {
  MakePump(20 * 1024 * 1024);
  AddSink(0, "", true);
  AddSink(1, "", true);
  Command(0).SetRoom(0);
  pump_->QueuePump();
  RunUntil([&] { return Command(1).stdin_data().size() >= StreamPump::kWindowBytes; });
  Settle();
  EXPECT_LT(Command(1).stdin_data().size(), 10u * 1024 * 1024);
  pump_->Remove(0);
  pump_->QueuePump();
  RunUntil([&] { return Command(1).stdin_closed(); });
  EXPECT_GT(Command(1).stdin_data().size(), 20u * 1024 * 1024);
}

// A channel that takes `room` bytes, drops them and counts the calls made
// to it.
class CountingChannel : public ExecChannel {
 public:
  size_t Write(std::string_view data) override {
    ++calls;
    size_t taken = static_cast<size_t>(std::min<uint64_t>(data.size(), room));
    room -= taken;
    return taken;
  }
  void CloseStdin() override { closed = true; }
  void Signal(const char*) override {}
  void Close() override {}
  bool started() const override {
    ++calls;
    return true;
  }
  bool finished() const override { return false; }
  const util::Status& error() const override { return error_; }

  uint64_t room = UINT64_MAX;
  mutable size_t calls = 0;
  bool closed = false;

 private:
  util::Status error_;
};

TEST_F(StreamPumpTest, APassTouchesOnlyTheSinksThatCanTakeBytes) {
  MakePump(20 * 1024 * 1024);
  constexpr size_t kSinks = 2000;
  pump_ = std::make_unique<StreamPump>(&loop_, stream_.get(), out_.get(), PumpStatus{"upload", kSinks, 0}, kSinks);
  std::vector<CountingChannel> sinks(kSinks);
  sinks[0].room = 1000;  // The slowest: holds the producer back.
  for (size_t i = 0; i < kSinks; ++i) pump_->Add(i, &sinks[i], "", true);
  pump_->QueuePump();
  Settle();
  ASSERT_EQ(pump_->Slowest(), 1000u);
  size_t idle_calls = 0;
  for (size_t i = 1; i < kSinks; ++i) idle_calls += sinks[i].calls;
  // The slowest sink says writable 100 times without taking a byte more:
  // no pass touches the idle sinks again.
  for (int k = 0; k < 100; ++k) {
    pump_->Writable(0);
    loop_.RunOnce(loop::Milliseconds(0));
  }
  size_t idle_calls_after = 0;
  for (size_t i = 1; i < kSinks; ++i) idle_calls_after += sinks[i].calls;
  EXPECT_EQ(idle_calls_after, idle_calls);
  EXPECT_GE(sinks[0].calls, 100u);
  sinks[0].room = UINT64_MAX;
  pump_->Writable(0);
  RunUntil([&] { return sinks[0].closed; });
  for (size_t i = 1; i < kSinks; ++i) ASSERT_TRUE(sinks[i].closed) << i;
  EXPECT_EQ(pump_->Slowest(), stream_->bytes_produced());
}

TEST_F(StreamPumpTest, TheStatusLineSaysBytesRateEtaAndHostsDone) {
  MakePump(4 * 1024 * 1024, 8 * 1024 * 1024);
  EXPECT_EQ(pump_->StatusText(0), "upload: 0.0 MiB sent, 0.0 MiB/s, 0/4 hosts done");
  AddSink(0, "", true);
  Command(0).SetRoom(2 * 1024 * 1024);
  pump_->QueuePump();
  RunUntil([&] { return pump_->Slowest() == 2u * 1024 * 1024; });
  pump_->HostDone();
  EXPECT_EQ(pump_->StatusText(2), "upload: 2.0 MiB sent, 1.0 MiB/s, ETA 6 s, 1/4 hosts done");
}

}  // namespace
}  // namespace cluster
