#include "output/fold_buffer.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace output {
namespace {

using Groups = std::vector<std::vector<size_t>>;

std::string Contents(const FoldBuffer& buffer, size_t host) {
  std::string out;
  util::Status status = buffer.ForEachChunk(
      host, [&](std::string_view piece) { out.append(piece); });
  EXPECT_TRUE(status.ok()) << status.ToString();
  return out;
}

// Hosts of equal content, compared whole, in the order Groups() promises.
Groups ReferenceGroups(const std::vector<std::string>& contents) {
  Groups groups;
  for (size_t host = 0; host < contents.size(); ++host) {
    bool placed = false;
    for (std::vector<size_t>& group : groups) {
      if (contents[group.front()] == contents[host]) {
        group.push_back(host);
        placed = true;
        break;
      }
    }
    if (!placed) groups.push_back({host});
  }
  std::stable_sort(
      groups.begin(), groups.end(),
      [](const std::vector<size_t>& a, const std::vector<size_t>& b) {
        return a.size() > b.size();
      });
  return groups;
}

std::vector<std::string> DirEntries(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return {"<can't open " + dir + ">"};
  while (dirent* entry = readdir(d)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(d);
  return names;
}

// Points $TMPDIR at a fresh empty directory for the scope of the object.
class ScopedTmpdir {
 public:
  ScopedTmpdir() {
    const char* old = std::getenv("TMPDIR");
    if (old != nullptr) old_ = old;
    std::string templ =
        std::string(old != nullptr && *old != '\0' ? old : "/tmp") +
        "/orgalorg-fold-test-XXXXXX";
    if (mkdtemp(templ.data()) == nullptr) std::abort();
    dir_ = templ;
    setenv("TMPDIR", dir_.c_str(), 1);
  }
  ~ScopedTmpdir() {
    for (const std::string& name : DirEntries(dir_)) {
      unlink((dir_ + "/" + name).c_str());
    }
    rmdir(dir_.c_str());
    if (old_) {
      setenv("TMPDIR", old_->c_str(), 1);
    } else {
      unsetenv("TMPDIR");
    }
  }
  ScopedTmpdir(const ScopedTmpdir&) = delete;
  ScopedTmpdir& operator=(const ScopedTmpdir&) = delete;

  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::optional<std::string> old_;
};

TEST(FoldBufferTest, SmallOutputsStayInMemory) {
  FoldBuffer buffer(3);
  ASSERT_TRUE(buffer.Append(0, "hello ").ok());
  ASSERT_TRUE(buffer.Append(1, "other\n").ok());
  ASSERT_TRUE(buffer.Append(0, "world\n").ok());
  ASSERT_TRUE(buffer.Append(0, "").ok());
  EXPECT_EQ(buffer.size(0), 12u);
  EXPECT_EQ(buffer.size(1), 6u);
  EXPECT_EQ(buffer.size(2), 0u);
  EXPECT_EQ(buffer.memory_used(), 18u);
  EXPECT_EQ(Contents(buffer, 0), "hello world\n");
  EXPECT_EQ(Contents(buffer, 1), "other\n");
  EXPECT_EQ(Contents(buffer, 2), "");
  int calls = 0;
  ASSERT_TRUE(buffer.ForEachChunk(2, [&](std::string_view) { ++calls; }).ok());
  EXPECT_EQ(calls, 0);
}

TEST(FoldBufferTest, BadHostIndex) {
  FoldBuffer buffer(2);
  EXPECT_FALSE(buffer.Append(2, "x").ok());
  EXPECT_FALSE(buffer.ForEachChunk(5, [](std::string_view) {}).ok());
  EXPECT_EQ(buffer.size(2), 0u);
}

TEST(FoldBufferTest, SpillsPastPerHostCap) {
  ScopedTmpdir tmp;
  FoldBuffer buffer(2, /*memory_per_host=*/8);
  ASSERT_TRUE(buffer.Append(0, "0123").ok());
  ASSERT_TRUE(buffer.Append(0, "456789abc").ok());  // Straddles the cap.
  ASSERT_TRUE(buffer.Append(1, "short").ok());
  ASSERT_TRUE(buffer.Append(0, "def").ok());
  ASSERT_TRUE(buffer.Append(1, "!").ok());
  EXPECT_EQ(buffer.memory_used(), 8u + 6u);
  EXPECT_EQ(Contents(buffer, 0), "0123456789abcdef");
  EXPECT_EQ(Contents(buffer, 1), "short!");
  EXPECT_EQ(buffer.size(0), 16u);
  EXPECT_EQ(DirEntries(tmp.dir()), std::vector<std::string>{});
}

TEST(FoldBufferTest, SpillsPastTotalCap) {
  ScopedTmpdir tmp;
  FoldBuffer buffer(3, /*memory_per_host=*/100, /*memory_total=*/10);
  ASSERT_TRUE(buffer.Append(0, "aaaaaa").ok());  // 6 in memory.
  ASSERT_TRUE(buffer.Append(1, "bbbbbb").ok());  // 4 in memory, 2 spilled.
  ASSERT_TRUE(buffer.Append(2, "cc").ok());      // All spilled.
  ASSERT_TRUE(buffer.Append(0, "A").ok());       // Spilled: total is full.
  EXPECT_EQ(buffer.memory_used(), 10u);
  EXPECT_EQ(Contents(buffer, 0), "aaaaaaA");
  EXPECT_EQ(Contents(buffer, 1), "bbbbbb");
  EXPECT_EQ(Contents(buffer, 2), "cc");
}

TEST(FoldBufferTest, ContiguousSpillIsReadInBoundedPieces) {
  ScopedTmpdir tmp;
  FoldBuffer buffer(1, /*memory_per_host=*/8);
  std::string expected;
  for (int i = 0; i < 10; ++i) {
    std::string piece(20 * 1024, static_cast<char>('a' + i));
    expected += piece;
    ASSERT_TRUE(buffer.Append(0, piece).ok());
  }
  std::vector<size_t> sizes;
  std::string got;
  ASSERT_TRUE(buffer
                  .ForEachChunk(0,
                                [&](std::string_view piece) {
                                  sizes.push_back(piece.size());
                                  got.append(piece);
                                })
                  .ok());
  EXPECT_EQ(got, expected);
  // Memory, then one merged extent read 64 KiB at a time.
  size_t rest = expected.size() - 8 - 3 * 65536;
  EXPECT_EQ(sizes, (std::vector<size_t>{8, 65536, 65536, 65536, rest}));
}

TEST(FoldBufferTest, ManyHostsInterleaved) {
  ScopedTmpdir tmp;
  constexpr size_t kHosts = 300;
  FoldBuffer buffer(kHosts, /*memory_per_host=*/8, /*memory_total=*/1000);
  std::vector<std::string> expected(kHosts);
  std::mt19937 rng(12345);
  for (int i = 0; i < 20000; ++i) {
    size_t host = std::uniform_int_distribution<size_t>(0, kHosts - 1)(rng);
    size_t length = std::uniform_int_distribution<size_t>(0, 40)(rng);
    std::string bytes;
    for (size_t j = 0; j < length; ++j) {
      bytes +=
          static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
    }
    expected[host] += bytes;
    ASSERT_TRUE(buffer.Append(host, bytes).ok());
  }
  EXPECT_LE(buffer.memory_used(), 1000u);
  for (size_t host = 0; host < kHosts; ++host) {
    EXPECT_EQ(buffer.size(host), expected[host].size()) << host;
    EXPECT_EQ(Contents(buffer, host), expected[host]) << host;
  }
  EXPECT_EQ(buffer.Groups(), ReferenceGroups(expected));
}

TEST(FoldBufferTest, GroupOrder) {
  const std::vector<std::string> contents = {"a", "b", "a", "b", "c",
                                             "",  "",  "b", "d"};
  FoldBuffer buffer(contents.size());
  for (size_t host = 0; host < contents.size(); ++host) {
    ASSERT_TRUE(buffer.Append(host, contents[host]).ok());
  }
  // b has 3; a and the empty outputs 2 each (a first: host 0 < 5); then c, d.
  EXPECT_EQ(buffer.Groups(), (Groups{{1, 3, 7}, {0, 2}, {5, 6}, {4}, {8}}));
  EXPECT_EQ(ReferenceGroups(contents), buffer.Groups());
}

TEST(FoldBufferTest, EmptyOutputs) {
  EXPECT_EQ(FoldBuffer(0).Groups(), Groups{});
  EXPECT_EQ(FoldBuffer(3).Groups(), (Groups{{0, 1, 2}}));
  FoldBuffer buffer(3);
  ASSERT_TRUE(buffer.Append(1, "").ok());
  ASSERT_TRUE(buffer.Append(2, "x").ok());
  EXPECT_EQ(buffer.Groups(), (Groups{{0, 1}, {2}}));
}

TEST(FoldBufferTest, SameSizeDifferentContent) {
  ScopedTmpdir tmp;
  // Host 0 all in memory, host 1 half spilled (total cap), host 2 and 3
  // spilled from the first byte: the comparison crosses memory and file.
  FoldBuffer buffer(5, /*memory_per_host=*/16, /*memory_total=*/24);
  ASSERT_TRUE(buffer.Append(0, "0123456789abcdef").ok());
  ASSERT_TRUE(buffer.Append(1, "0123456789abcdef").ok());
  ASSERT_TRUE(buffer.Append(2, "0123456789abcdeX").ok());
  ASSERT_TRUE(buffer.Append(3, "0123456789").ok());
  ASSERT_TRUE(buffer.Append(4, "X123456789abcdef").ok());
  ASSERT_TRUE(buffer.Append(3, "abcdef").ok());
  EXPECT_EQ(buffer.memory_used(), 24u);
  EXPECT_EQ(buffer.Groups(), (Groups{{0, 1, 3}, {2}, {4}}));
}

// Every host hashes to the same value: only the byte comparison separates
// them.
class CollidingFoldBuffer : public FoldBuffer {
 public:
  using FoldBuffer::FoldBuffer;

 protected:
  uint64_t ContentHash(size_t) const override { return 42; }
};

TEST(FoldBufferTest, HashCollisionCannotMerge) {
  ScopedTmpdir tmp;
  const std::vector<std::string> contents = {"aaaa", "aaab", "aaaa", "baaa",
                                             "aaab", "aaaa", "abaa", ""};
  for (size_t cap : {size_t{0}, size_t{2}, size_t{64}}) {
    CollidingFoldBuffer buffer(contents.size(), cap);
    for (size_t host = 0; host < contents.size(); ++host) {
      ASSERT_TRUE(buffer.Append(host, contents[host]).ok());
    }
    EXPECT_EQ(buffer.Groups(), (Groups{{0, 2, 5}, {1, 4}, {3}, {6}, {7}}))
        << "cap " << cap;
  }
}

TEST(FoldBufferTest, RandomGroupsMatchReference) {
  ScopedTmpdir tmp;
  std::mt19937 rng(777);
  for (int round = 0; round < 50; ++round) {
    size_t hosts = std::uniform_int_distribution<size_t>(1, 40)(rng);
    // A few distinct outputs, sent in random pieces.
    std::vector<std::string> variants = {"", "x", "hello\n", "hello\r\n"};
    std::string big(70000, 'z');
    variants.push_back(big);
    big[69999] = 'y';
    variants.push_back(big);
    std::vector<std::string> contents(hosts);
    for (std::string& content : contents) {
      content = variants[std::uniform_int_distribution<size_t>(
          0, variants.size() - 1)(rng)];
    }
    CollidingFoldBuffer colliding(hosts, 16, 200);
    FoldBuffer plain(hosts, 16, 200);
    std::vector<size_t> sent(hosts, 0);
    bool more = true;
    while (more) {
      more = false;
      for (size_t host = 0; host < hosts; ++host) {
        size_t left = contents[host].size() - sent[host];
        if (left == 0) continue;
        size_t n =
            std::min(left, std::uniform_int_distribution<size_t>(1, 9000)(rng));
        std::string_view piece =
            std::string_view(contents[host]).substr(sent[host], n);
        ASSERT_TRUE(colliding.Append(host, piece).ok());
        ASSERT_TRUE(plain.Append(host, piece).ok());
        sent[host] += n;
        more = true;
      }
    }
    Groups expected = ReferenceGroups(contents);
    EXPECT_EQ(plain.Groups(), expected) << "round " << round;
    EXPECT_EQ(colliding.Groups(), expected) << "round " << round;
  }
}

TEST(FoldBufferTest, NoFileLeftInTmpdir) {
  ScopedTmpdir tmp;
  {
    FoldBuffer buffer(4, /*memory_per_host=*/1);
    for (size_t host = 0; host < 4; ++host) {
      ASSERT_TRUE(buffer.Append(host, "spilled output\n").ok());
    }
    EXPECT_EQ(DirEntries(tmp.dir()), std::vector<std::string>{});
    EXPECT_EQ(Contents(buffer, 3), "spilled output\n");
  }
  EXPECT_EQ(DirEntries(tmp.dir()), std::vector<std::string>{});
}

TEST(FoldBufferTest, CreateErrorNamesTheDirectory) {
  ScopedTmpdir tmp;
  std::string missing = tmp.dir() + "/missing";
  setenv("TMPDIR", missing.c_str(), 1);
  FoldBuffer buffer(1, /*memory_per_host=*/4);
  util::Status status = buffer.Append(0, "0123456789");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message(), "can't create a spill file for --fold in " +
                                  missing + ": No such file or directory");
  EXPECT_EQ(buffer.size(0), 4u);  // The part that fit in memory is kept.
  EXPECT_EQ(Contents(buffer, 0), "0123");
}

// In a child process (it changes a process-wide limit): a write error,
// here the file size limit, keeps what was written and says why. Returns the
// exit code: 0 when all is as expected.
int WriteErrorChild(const std::string& dir) {
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit limit{};
  limit.rlim_cur = 1000;
  limit.rlim_max = 1000;
  if (setrlimit(RLIMIT_FSIZE, &limit) != 0) return 2;
  FoldBuffer buffer(1, /*memory_per_host=*/0);
  std::string bytes(4000, 'q');
  util::Status status = buffer.Append(0, bytes);
  if (status.ok()) return 3;
  if (status.message() !=
      "can't write the spill file for --fold in " + dir + ": File too large") {
    return 4;
  }
  if (buffer.size(0) != 1000) return 5;
  std::string got;
  if (!buffer.ForEachChunk(0, [&](std::string_view p) { got.append(p); })
           .ok()) {
    return 6;
  }
  return got == bytes.substr(0, 1000) ? 0 : 7;
}

TEST(FoldBufferDeathTest, WriteErrorKeepsWrittenPart) {
  ScopedTmpdir tmp;
  EXPECT_EXIT(std::_Exit(WriteErrorChild(tmp.dir())),
              ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace output
