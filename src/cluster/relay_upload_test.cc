#include "cluster/relay_upload.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

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

// Three hosts, fan-out 2: h0 gets the archive from the client and relays
// it to h1 and h2. Each fake receiver says ready with its own directory.
class RelayUploadTest : public FakeClusterTest {
 protected:
  RelayUploadTest() {
    WriteFile(dir_.path() + "/data", std::string(300 * 1024, 'r'));
    options_.completion_marker = "marker";
    relay_.restream = [this] { return Stream(); };
    for (size_t i = 0; i < hosts_.size(); ++i) Receive(i, {});
  }
  util::StatusOr<std::unique_ptr<transfer::TarStream>> Stream() {
    auto entries = transfer::CollectEntries({dir_.path() + "/data"}, options_);
    if (!entries.ok()) return entries.status();
    return transfer::TarStream::Create(std::move(*entries), options_);
  }
  // Host i's receivers: each says ready, then at EOF on its stdin runs
  // the next of `ends` (the last one for any later receiver; none: exit 0).
  void Receive(size_t i, std::vector<std::function<void(FakeCommand&)>> ends) {
    auto count = std::make_shared<size_t>(0);
    hosts_[i]->script = [i, ends, count](FakeCommand& c) {
      if (c.command().find("orgalorg-relay-ready") == std::string::npos) return c.Exit(0);
      size_t n = (*count)++;
      c.Stdout(fmt::format("orgalorg-relay-ready /tmp/orgalorg-relay.h{}r{:03}\n", i, n));
      std::function<void(FakeCommand&)> end = ends.empty() ? nullptr : ends[std::min(n, ends.size() - 1)];
      c.on_eof = [&c, end] { end ? end(c) : c.Exit(0); };
    };
  }
  UploadResult Upload() {
    auto stream = Stream();
    EXPECT_TRUE(stream.ok());
    UploadSpec spec;
    spec.root = "/dest";
    spec.marker = "marker";
    return RelayUploadToAll(&loop_, &nodes_, stream->get(), spec, relay_, out_.get(), stop_);
  }
  // Commands started on host i whose line holds `text`.
  size_t Count(size_t i, const std::string& text) {
    size_t n = 0;
    for (const auto& c : hosts_[i]->commands) n += c->command().find(text) != std::string::npos;
    return n;
  }

  TempDir dir_;
  transfer::UploadOptions options_;
  RelaySpec relay_;
};

TEST_F(RelayUploadTest, AHostWhoseStreamEndedEarlyIsSentTheUploadAgainNotFailed) {
  // h1 sees its stream end (its relay died) before anything else is known.
  Receive(1, {[](FakeCommand& c) {
                c.Stderr("tar: Unexpected EOF in archive\n");
                c.Exit(2);
              },
              [](FakeCommand& c) { c.Exit(0); }});
  UploadResult result = Upload();
  ASSERT_TRUE(result.error.ok()) << result.error.ToString();
  for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(result.outcomes[i].ok()) << i << result.outcomes[i].error.ToString();
  EXPECT_EQ(Count(1, "orgalorg-relay-ready"), 2u);  // Sent again.
  EXPECT_EQ(Count(2, "orgalorg-relay-ready"), 1u);
  EXPECT_NE(out_.Text().find("sending the upload to them again: h1"), std::string::npos) << out_.Text();
  EXPECT_EQ(Count(1, "rm -rf -- "), 0u);  // It exited on its own: its directory is gone.
}

TEST_F(RelayUploadTest, ARelayHostThatFailsOnItsOwnLeavesTheHostsItFedAlone) {
  // h0's disk is full; its hops to h1 and h2 ended well before it exits.
  Receive(0, {[](FakeCommand& c) {
    c.Stdout("orgalorg-relay-hop 0 0\norgalorg-relay-hop 1 0\n");
    c.Stderr("tar: ./data: Cannot write: No space left on device\n");
    c.Exit(2);
  }});
  for (size_t i : {1, 2}) {
    Receive(i, {[this](FakeCommand& c) { After(50ms, [&c] { c.Exit(0); }); }});
  }
  UploadResult result = Upload();
  ASSERT_TRUE(result.error.ok()) << result.error.ToString();
  EXPECT_NE(result.outcomes[0].error.ToString().find("No space left on device"), std::string::npos)
      << result.outcomes[0].error.ToString();
  EXPECT_TRUE(result.outcomes[1].ok()) << result.outcomes[1].error.ToString();
  EXPECT_TRUE(result.outcomes[2].ok()) << result.outcomes[2].error.ToString();
  EXPECT_EQ(Count(1, "orgalorg-relay-ready"), 1u);
  EXPECT_EQ(Count(1, "orgalorg-cleanup"), 0u);  // Not stopped.
}

TEST_F(RelayUploadTest, AKilledReceiversDirectoryIsRemovedThroughTheClientsConnection) {
  Receive(2, {[](FakeCommand& c) { c.Exit(-1, "KILL"); }});
  UploadResult result = Upload();
  EXPECT_FALSE(result.outcomes[2].ok());
  EXPECT_NE(result.outcomes[2].error.ToString().find("KILL"), std::string::npos);
  ASSERT_EQ(Count(2, "rm -rf -- "), 1u);
  EXPECT_EQ(Count(2, "orgalorg-relay.h2r000"), 1u);  // The directory it said it made.
  EXPECT_EQ(Count(0, "rm -rf -- "), 0u);
  EXPECT_EQ(Count(1, "rm -rf -- "), 0u);
}

TEST_F(RelayUploadTest, TheShellsWordOnAReceiverWeStoppedIsNotShownUnderVerbose) {
  relay_.restream = nullptr;  // Only the first pass.
  // h0's hop to h2 fails: h2's receiver is stopped (the cleanup command),
  // and its shell says so on stderr as it dies.
  Receive(0, {[](FakeCommand& c) {
    c.Stdout("orgalorg-relay-hop-error 1 connection refused\norgalorg-relay-hop 1 255\n");
    c.Exit(0);
  }});
  hosts_[2]->script = [this](FakeCommand& c) {
    if (c.command().find("orgalorg-relay-ready") != std::string::npos) {
      return c.Stdout("orgalorg-relay-ready /tmp/orgalorg-relay.h2r000\n");
    }
    FakeCommand& receiver = *hosts_[2]->commands[0];
    receiver.Stderr("bash: line 1:  4242 Terminated              tar --directory /dest -x\n");
    receiver.Stderr("tar: a real complaint\n");
    receiver.Exit(143);
    c.Exit(0);
  };
  UploadSpec spec;
  spec.root = "/dest";
  spec.marker = "marker";
  spec.verbose = true;
  auto stream = Stream();
  ASSERT_TRUE(stream.ok());
  UploadResult result = RelayUploadToAll(&loop_, &nodes_, stream->get(), spec, relay_, out_.get(), stop_);
  EXPECT_FALSE(result.outcomes[2].ok());
  EXPECT_NE(result.outcomes[2].error.ToString().find("connection refused"), std::string::npos)
      << result.outcomes[2].error.ToString();
  EXPECT_TRUE(result.outcomes[0].ok());
  EXPECT_TRUE(result.outcomes[1].ok());
  EXPECT_EQ(out_.Text().find("Terminated"), std::string::npos) << out_.Text();
  EXPECT_NE(out_.Text().find("tar: a real complaint"), std::string::npos) << out_.Text();
  EXPECT_EQ(Count(2, "rm -rf -- "), 1u);  // Stopped: its directory is removed for it.
}

}  // namespace
}  // namespace cluster
