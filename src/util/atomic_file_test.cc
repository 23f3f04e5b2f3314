#include "util/atomic_file.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace util {
namespace {

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/orgalorg-atomic-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  std::string Read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  int Entries() {
    int count = 0;
    DIR* d = opendir(dir_.c_str());
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") ++count;
    }
    closedir(d);
    return count;
  }

  std::string dir_;
};

TEST_F(AtomicFileTest, WritesAndReplaces) {
  std::string path = dir_ + "/failed";
  mode_t old_mask = umask(022);
  ASSERT_TRUE(WriteFileAtomically(path, "one\n").ok());
  EXPECT_EQ(Read(path), "one\n");
  ASSERT_TRUE(WriteFileAtomically(path, "").ok());  // Emptied, not removed.
  EXPECT_EQ(Read(path), "");
  ASSERT_TRUE(WriteFileAtomically(path, std::string(1 << 20, 'x')).ok());
  EXPECT_EQ(Read(path).size(), 1u << 20);
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  umask(old_mask);
  EXPECT_EQ(Entries(), 1);  // No temporary file left.
}

TEST_F(AtomicFileTest, ErrorsNameThePathAndLeaveNothing) {
  Status status = WriteFileAtomically(dir_ + "/missing/failed", "x");
  EXPECT_EQ(status.ToString(), "can't write " + dir_ + "/missing/failed: No such file or directory");
  // A directory in the way: the rename fails, the temporary file goes.
  ASSERT_EQ(mkdir((dir_ + "/sub").c_str(), 0755), 0);
  ASSERT_EQ(mkdir((dir_ + "/sub/inner").c_str(), 0755), 0);
  std::ofstream(dir_ + "/sub/inner/f") << "x";
  status = WriteFileAtomically(dir_ + "/sub/inner", "x");
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.ToString().find("can't write " + dir_ + "/sub/inner: "), std::string::npos);
  EXPECT_EQ(Entries(), 1);
}

TEST_F(AtomicFileTest, CheckWritable) {
  EXPECT_TRUE(CheckWritable(dir_ + "/new").ok());
  EXPECT_EQ(CheckWritable(dir_).ToString(), "can't write " + dir_ + ": Is a directory");
  EXPECT_EQ(CheckWritable(dir_ + "/no/such").ToString(),
            "can't write " + dir_ + "/no/such: No such file or directory");
}

}  // namespace
}  // namespace util
