#include "transfer/tar_stream.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "transfer/file_walk.h"
#include "transfer/test_tree_for_test.h"

namespace transfer {
namespace {

using testing_util::ReadFile;
using testing_util::RunShell;
using testing_util::ScopedChdir;
using testing_util::TempDir;
using testing_util::WriteFile;
using util::Status;

// Metadata and content of one file of a tree, for comparisons.
struct Node {
  mode_t mode = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  struct timespec mtime = {};
  ino_t ino = 0;
  std::string content;  // File data or symlink target.
};

void Snapshot(const std::string& dir, const std::string& rel,
              std::map<std::string, Node>* out) {
  std::string path = rel.empty() ? dir : dir + "/" + rel;
  struct stat st;
  ASSERT_EQ(lstat(path.c_str(), &st), 0) << path;
  Node node;
  node.mode = st.st_mode;
  node.uid = st.st_uid;
  node.gid = st.st_gid;
  node.mtime = st.st_mtim;
  node.ino = st.st_ino;
  if (S_ISREG(st.st_mode)) node.content = ReadFile(path);
  if (S_ISLNK(st.st_mode)) {
    char buf[4096];
    ssize_t n = readlink(path.c_str(), buf, sizeof(buf));
    ASSERT_GE(n, 0);
    node.content.assign(buf, n);
  }
  (*out)[rel] = node;
  if (!S_ISDIR(st.st_mode)) return;
  // Names via `ls -A` would not survive newlines: use readdir.
  std::vector<std::string> names;
  DIR* d = opendir(path.c_str());
  ASSERT_NE(d, nullptr) << path;
  while (struct dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(d);
  for (const std::string& name : names) {
    Snapshot(dir, rel.empty() ? name : rel + "/" + name, out);
  }
}

std::map<std::string, Node> Snapshot(const std::string& dir) {
  std::map<std::string, Node> out;
  Snapshot(dir, "", &out);
  return out;
}

// Expects the trees to be equal in names, types, modes, owners (as root),
// contents, symlink targets, mtimes (ns for files and directories) and
// hard-link structure.
void ExpectSameTree(const std::string& want_dir, const std::string& got_dir) {
  std::map<std::string, Node> want = Snapshot(want_dir);
  std::map<std::string, Node> got = Snapshot(got_dir);
  std::vector<std::string> want_names, got_names;
  for (const auto& [name, node] : want) want_names.push_back(name);
  for (const auto& [name, node] : got) got_names.push_back(name);
  ASSERT_EQ(want_names, got_names);
  std::map<ino_t, ino_t> inode_map;
  for (const auto& [name, w] : want) {
    const Node& g = got[name];
    SCOPED_TRACE("file: " + name);
    EXPECT_EQ(w.mode, g.mode);
    EXPECT_EQ(w.content, g.content);
    if (geteuid() == 0) {
      EXPECT_EQ(w.uid, g.uid);
      EXPECT_EQ(w.gid, g.gid);
    }
    if (!S_ISLNK(w.mode)) {
      EXPECT_EQ(w.mtime.tv_sec, g.mtime.tv_sec);
      EXPECT_EQ(w.mtime.tv_nsec, g.mtime.tv_nsec);
    }
    auto [it, fresh] = inode_map.emplace(w.ino, g.ino);
    EXPECT_EQ(it->second, g.ino) << "hard link lost";
  }
  std::map<ino_t, ino_t> reverse;
  for (const auto& [w, g] : inode_map) {
    EXPECT_TRUE(reverse.emplace(g, w).second) << "files merged";
  }
}

// Drains `stream` in chunks of `chunk` bytes into `path`, checking the
// chunk size bound.
Status StreamToFile(TarStream* stream, size_t chunk, const std::string& path) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  std::string out;
  uint64_t total = 0;
  for (;;) {
    Status s = stream->Next(&out, chunk);
    if (!s.ok()) return s;
    if (out.empty()) break;
    // One 10 KiB record plus one entry header (pax headers of long names).
    EXPECT_LE(out.size(), std::max<size_t>(chunk, 512) + 10240 + 8192);
    f.write(out.data(), out.size());
    total += out.size();
  }
  EXPECT_EQ(total, stream->bytes_produced());
  EXPECT_EQ(total % 512, 0u);
  // The end stays the end.
  Status s = stream->Next(&out, chunk);
  EXPECT_TRUE(s.ok() && out.empty());
  return Status::Ok();
}

// Extracts `archive` into `dir` with GNU tar as the remote side would; tar's
// stderr must be empty (no warnings such as unknown pax keywords).
void Extract(const std::string& archive, const std::string& dir,
             const std::string& flags = "", bool allow_hdrcharset = true) {
  std::string err = archive + ".err";
  ASSERT_EQ(RunShell("mkdir -p " + dir + " && tar --directory " + dir +
                     " -x -p " + flags + " -f " + archive + " 2>" + err),
            0)
      << ReadFile(err);
  // GNU tar ignores (and mentions) the POSIX hdrcharset record that entries
  // with non-UTF-8 names carry; nothing else may be said.
  std::string said = ReadFile(err);
  const std::string hdrcharset =
      "tar: Ignoring unknown extended header keyword 'hdrcharset'\n";
  size_t pos;
  while (allow_hdrcharset &&
         (pos = said.find(hdrcharset)) != std::string::npos) {
    said.erase(pos, hdrcharset.size());
  }
  EXPECT_EQ(said, "");
}

class TarStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    src_ = tmp_.path() + "/src";
    tree_ = src_ + "/tree";
    ASSERT_EQ(mkdir(src_.c_str(), 0755), 0);
    ASSERT_EQ(mkdir(tree_.c_str(), 0755), 0);
  }

  void MakeRichTree() {
    const std::string& t = tree_;
    WriteFile(t + "/plain.txt", "hello\n");
    WriteFile(t + "/empty-file", "");
    ASSERT_EQ(mkdir((t + "/empty").c_str(), 0700), 0);
    ASSERT_EQ(chmod((t + "/empty").c_str(), 0700), 0);
    WriteFile(t + "/setuid", "#!/bin/sh\n");
    ASSERT_EQ(chmod((t + "/setuid").c_str(), 04755), 0);
    WriteFile(t + "/private", "secret");
    ASSERT_EQ(chmod((t + "/private").c_str(), 0640), 0);
    ASSERT_EQ(symlink("plain.txt", (t + "/link").c_str()), 0);
    ASSERT_EQ(symlink("does/not exist", (t + "/dangling").c_str()), 0);
    ASSERT_EQ(mkdir((t + "/sub").c_str(), 0755), 0);
    WriteFile(t + "/hard1", "shared data");
    ASSERT_EQ(link((t + "/hard1").c_str(), (t + "/sub/hard2").c_str()), 0);
    WriteFile(t + "/with space", "s");
    WriteFile(t + "/it's \"quoted\"", "q");
    WriteFile(t + "/new\nline", "n");
    WriteFile(t + "/bad\xff" "byte", "b");
    WriteFile(t + "/caf\xc3\xa9 \xe2\x82\xac", "utf-8");
    ASSERT_EQ(symlink("bad\xff" "byte", (t + "/link\xfe").c_str()), 0);
    ASSERT_EQ(mkdir((t + "/dir with space").c_str(), 0751), 0);
    WriteFile(t + "/dir with space/inner", "i");
    std::string long_name(200, 'L');
    WriteFile(t + "/sub/" + long_name, "long");
    std::string big;
    for (int i = 0; i < 300000; ++i) big += static_cast<char>(i * 7 + i / 13);
    WriteFile(t + "/big.bin", big);
    if (geteuid() == 0) {
      ASSERT_EQ(chown((t + "/private").c_str(), 1234, 2345), 0);
      ASSERT_EQ(lchown((t + "/link").c_str(), 1234, 2345), 0);
    }
    struct timespec times[2] = {{1600000000, 0}, {1600000000, 123456789}};
    ASSERT_EQ(utimensat(AT_FDCWD, (t + "/plain.txt").c_str(), times, 0), 0);
    times[1] = {1500000000, 987654321};
    ASSERT_EQ(utimensat(AT_FDCWD, (t + "/empty").c_str(), times, 0), 0);
    times[1] = {1400000000, 5};
    ASSERT_EQ(utimensat(AT_FDCWD, (t + "/sub").c_str(), times, 0), 0);
  }

  std::unique_ptr<TarStream> MakeStream(const std::vector<std::string>& paths,
                                        const UploadOptions& options = {}) {
    auto entries = CollectEntries(paths, options);
    EXPECT_TRUE(entries.ok()) << entries.status().ToString();
    auto stream = TarStream::Create(std::move(*entries), options);
    EXPECT_TRUE(stream.ok()) << stream.status().ToString();
    return std::move(*stream);
  }

  TempDir tmp_;
  std::string src_;
  std::string tree_;
};

class TarStreamRoundTripTest : public TarStreamTest,
                               public ::testing::WithParamInterface<size_t> {};

TEST_P(TarStreamRoundTripTest, AbsolutePaths) {
  MakeRichTree();
  auto stream = MakeStream({tree_});
  std::string archive = tmp_.path() + "/a.tar";
  Status s = StreamToFile(stream.get(), GetParam(), archive);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::string out = tmp_.path() + "/out";
  Extract(archive, out);
  ExpectSameTree(tree_, out + tree_);
}

TEST_P(TarStreamRoundTripTest, RelativePaths) {
  MakeRichTree();
  UploadOptions opts;
  opts.relative = true;
  std::unique_ptr<TarStream> stream;
  {
    ScopedChdir cd(src_);
    stream = MakeStream({"./tree/"}, opts);
  }
  std::string archive = tmp_.path() + "/a.tar";
  {
    ScopedChdir cd(src_);  // Local paths are relative to src_.
    Status s = StreamToFile(stream.get(), GetParam(), archive);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::string out = tmp_.path() + "/out";
  Extract(archive, out);
  ExpectSameTree(tree_, out + "/tree");
}

INSTANTIATE_TEST_SUITE_P(ChunkSizes, TarStreamRoundTripTest,
                         ::testing::Values(1, 1000, 65536, 256 * 1024));

// Valid UTF-8 names need no hdrcharset record, so GNU tar says nothing.
TEST_F(TarStreamTest, Utf8NamesExtractSilently) {
  WriteFile(tree_ + "/caf\xc3\xa9", "x");
  ASSERT_EQ(symlink("\xe2\x82\xac", (tree_ + "/\xc3\xbc").c_str()), 0);
  auto stream = MakeStream({tree_});
  std::string archive = tmp_.path() + "/a.tar";
  ASSERT_TRUE(StreamToFile(stream.get(), 4096, archive).ok());
  EXPECT_EQ(ReadFile(archive).find("hdrcharset"), std::string::npos);
  std::string out = tmp_.path() + "/out";
  Extract(archive, out, "", /*allow_hdrcharset=*/false);
  ExpectSameTree(tree_, out + tree_);
}

TEST_F(TarStreamTest, EmptyListIsAValidEmptyArchive) {
  auto stream = TarStream::Create({});
  ASSERT_TRUE(stream.ok());
  std::string archive = tmp_.path() + "/a.tar";
  ASSERT_TRUE(StreamToFile(stream->get(), 4096, archive).ok());
  EXPECT_EQ(RunShell("test -z \"$(tar -t -f " + archive + ")\""), 0);
}

// --no-preserve-uid, --no-preserve-gid, or both.
struct OwnerCase {
  const char* name;
  bool preserve_uid;
  bool preserve_gid;
};

class TarStreamOwnerTest : public TarStreamTest,
                           public ::testing::WithParamInterface<OwnerCase> {};

TEST_P(TarStreamOwnerTest, NoPreserve) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  const OwnerCase& c = GetParam();
  WriteFile(tree_ + "/f", "x");
  ASSERT_EQ(chown((tree_ + "/f").c_str(), 1234, 2345), 0);
  UploadOptions opts;
  opts.preserve_uid = c.preserve_uid;
  opts.preserve_gid = c.preserve_gid;
  auto stream = MakeStream({tree_ + "/f"}, opts);
  // With neither id kept, the remote tar extracts with --no-same-owner.
  bool owner = c.preserve_uid || c.preserve_gid;
  EXPECT_EQ(stream->preserve_owner(), owner);
  std::string archive = tmp_.path() + "/a.tar";
  ASSERT_TRUE(StreamToFile(stream.get(), 4096, archive).ok());
  std::string out = tmp_.path() + "/out";
  Extract(archive, out, owner ? "" : "--no-same-owner");
  struct stat st;
  ASSERT_EQ(lstat((out + tree_ + "/f").c_str(), &st), 0);
  // An id not kept is root's: the archive's 0, or the extracting user.
  EXPECT_EQ(st.st_uid, c.preserve_uid ? 1234u : 0u);
  EXPECT_EQ(st.st_gid, c.preserve_gid ? 2345u : 0u);
}

INSTANTIATE_TEST_SUITE_P(Owners, TarStreamOwnerTest,
                         ::testing::Values(OwnerCase{"Uid", false, true},
                                           OwnerCase{"Gid", true, false},
                                           OwnerCase{"OwnerAtAll", false, false}),
                         [](const ::testing::TestParamInfo<OwnerCase>& info) {
                           return std::string(info.param.name);
                         });

TEST_F(TarStreamTest, VanishedFileIsAnError) {
  WriteFile(tree_ + "/a", "a");
  WriteFile(tree_ + "/b", "b");
  auto stream = MakeStream({tree_});
  ASSERT_EQ(unlink((tree_ + "/b").c_str()), 0);
  std::string out;
  Status s = stream->Next(&out, 1 << 20);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(),
            "can't open " + tree_ + "/b: No such file or directory");
  EXPECT_TRUE(out.empty());
  // The stream stays failed.
  s = stream->Next(&out, 1 << 20);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(out.empty());
}

TEST_F(TarStreamTest, FileReplacedByFifoIsAnError) {
  WriteFile(tree_ + "/a", "a");
  auto stream = MakeStream({tree_});
  ASSERT_EQ(unlink((tree_ + "/a").c_str()), 0);
  ASSERT_EQ(mkfifo((tree_ + "/a").c_str(), 0644), 0);
  std::string out;
  Status s = stream->Next(&out, 1 << 20);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "no longer a regular file: " + tree_ + "/a");
}

TEST_F(TarStreamTest, FileTruncatedWhileStreamingIsAnError) {
  std::string path = tree_ + "/big";
  WriteFile(path, std::string(1 << 20, 'x'));
  auto stream = MakeStream({path});
  std::string out;
  ASSERT_TRUE(stream->Next(&out, 64 * 1024).ok());
  ASSERT_FALSE(out.empty());
  ASSERT_EQ(truncate(path.c_str(), 100000), 0);
  Status s;
  while (s.ok()) {
    s = stream->Next(&out, 64 * 1024);
    ASSERT_TRUE(!s.ok() || !out.empty()) << "ended without an error";
  }
  EXPECT_EQ(s.ToString(), "file shrank while being read: " + path + " (" +
                              std::to_string((1 << 20) - 100000 + 0) +
                              " bytes missing)");
}

TEST_F(TarStreamTest, FileGrownWhileStreamingIsAnError) {
  std::string path = tree_ + "/big";
  WriteFile(path, std::string(1 << 20, 'x'));
  auto stream = MakeStream({path});
  std::string out;
  ASSERT_TRUE(stream->Next(&out, 64 * 1024).ok());
  {
    std::ofstream f(path, std::ios::binary | std::ios::app);
    f << "more";
  }
  Status s;
  while (s.ok()) {
    s = stream->Next(&out, 64 * 1024);
    ASSERT_TRUE(!s.ok() || !out.empty()) << "ended without an error";
  }
  EXPECT_EQ(s.ToString(), "file grew while being read: " + path);
}

// The remote command of tar_stream.h: succeeds only on a complete archive.
int RemoteExtract(const std::string& archive, const std::string& root,
                  const std::string& marker) {
  return RunShell("mkdir -p " + root + " && tar --directory " + root +
                  " -x -p < " + archive + " 2>/dev/null && test -f " + root +
                  "/" + marker + " && rm -f " + root + "/" + marker);
}

TEST_F(TarStreamTest, CompletionMarkerDetectsACutArchive) {
  WriteFile(tree_ + "/a", "a");
  WriteFile(tree_ + "/b", "b");
  UploadOptions opts;
  opts.relative = true;
  opts.completion_marker = ".orgalorg-upload-42";
  std::unique_ptr<TarStream> stream;
  std::string archive = tmp_.path() + "/a.tar";
  {
    ScopedChdir cd(tree_);
    stream = MakeStream({"a", "b"}, opts);
    ASSERT_TRUE(StreamToFile(stream.get(), 4096, archive).ok());
  }
  std::string full = ReadFile(archive);
  // Complete: extracts, and the marker is gone afterwards.
  std::string out = tmp_.path() + "/out";
  EXPECT_EQ(RemoteExtract(archive, out, opts.completion_marker), 0);
  EXPECT_EQ(ReadFile(out + "/b"), "b");
  EXPECT_NE(access((out + "/" + opts.completion_marker).c_str(), F_OK), 0);
  // Cut at an entry boundary (after "a"): GNU tar alone says OK...
  std::string cut = tmp_.path() + "/cut.tar";
  size_t a_end = full.find("b", 1024) / 512 * 512;  // Header of "b".
  ASSERT_GT(a_end, 0u);
  WriteFile(cut, full.substr(0, a_end));
  std::string out2 = tmp_.path() + "/out2";
  EXPECT_EQ(RunShell("mkdir -p " + out2 + " && tar -C " + out2 + " -x -f " +
                     cut + " 2>/dev/null"),
            0);
  EXPECT_EQ(ReadFile(out2 + "/a"), "a");
  // ...but the remote command fails, as it does for any other cut.
  EXPECT_NE(RemoteExtract(cut, tmp_.path() + "/out3", opts.completion_marker),
            0);
  size_t marker_at = full.find(opts.completion_marker) / 512 * 512;
  for (size_t len : {size_t{512}, size_t{1000}, marker_at}) {
    WriteFile(cut, full.substr(0, len));
    EXPECT_NE(RemoteExtract(cut, tmp_.path() + "/out4",
                            opts.completion_marker),
              0)
        << len;
  }
}

// Reads VmHWM (peak resident set) of this process in KiB.
long PeakRssKib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// A measurement, not a regular test (takes seconds):
//   orgalorg_test --gtest_also_run_disabled_tests
//       --gtest_filter='*DISABLED_SparseGigabyte*'
TEST_F(TarStreamTest, DISABLED_SparseGigabyteThroughput) {
  const uint64_t kSize = 1ull << 30;
  std::string path = tree_ + "/sparse";
  int fd = open(path.c_str(), O_CREAT | O_WRONLY, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, static_cast<off_t>(kSize)), 0);
  close(fd);
  // Pass 1 reads the holes cold (the kernel zero-fills page cache pages);
  // pass 2 reads them from the page cache and shows our own cost.
  long rss_before = PeakRssKib();
  for (int pass = 1; pass <= 2; ++pass) {
    auto stream = MakeStream({path});
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    auto t0 = std::chrono::steady_clock::now();
    std::string out;
    uint64_t total = 0;
    for (;;) {
      Status s = stream->Next(&out, TarStream::kDefaultChunkBytes);
      ASSERT_TRUE(s.ok()) << s.ToString();
      if (out.empty()) break;
      total += out.size();
    }
    auto t1 = std::chrono::steady_clock::now();
    getrusage(RUSAGE_SELF, &ru1);
    double wall = std::chrono::duration<double>(t1 - t0).count();
    auto secs = [](const struct timeval& tv) {
      return tv.tv_sec + tv.tv_usec / 1e6;
    };
    double user = secs(ru1.ru_utime) - secs(ru0.ru_utime);
    double sys = secs(ru1.ru_stime) - secs(ru0.ru_stime);
    double gb = total / 1e9;
    std::printf(
        "pass %d: %llu bytes in %.3f s: %.0f MB/s, CPU %.3f s/GB "
        "(user %.3f, sys %.3f)\n",
        pass, static_cast<unsigned long long>(total), wall,
        total / 1e6 / wall, (user + sys) / gb, user / gb, sys / gb);
    EXPECT_GE(total, kSize);
  }
  long rss_after = PeakRssKib();
  std::printf("peak RSS (VmHWM) before %ld KiB, after %ld KiB\n", rss_before,
              rss_after);
  EXPECT_LT(rss_after - rss_before, 16 * 1024);
}

}  // namespace
}  // namespace transfer
