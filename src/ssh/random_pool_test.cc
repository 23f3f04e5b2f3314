#include "ssh/random_pool.h"

#include <openssl/rand.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace ssh {
namespace {

TEST(RandomPoolTest, ServesSmallRequestsFromFewRefills) {
  ASSERT_TRUE(UseRandomPool().ok());
  ASSERT_TRUE(UseRandomPool().ok());  // Idempotent.
  unsigned long before = RandomPoolRefills();
  std::set<std::string> seen;
  for (int i = 0; i < 4096; ++i) {  // 4096 x 16 bytes = 4 pools' worth.
    unsigned char buf[16];
    ASSERT_EQ(RAND_bytes(buf, sizeof buf), 1);
    seen.insert(std::string(reinterpret_cast<char*>(buf), sizeof buf));
  }
  EXPECT_EQ(seen.size(), 4096u);  // Never the same bytes twice.
  unsigned long used = RandomPoolRefills() - before;
  EXPECT_GE(used, 4u);
  EXPECT_LE(used, 5u);
  unsigned char key[32];
  EXPECT_EQ(RAND_priv_bytes(key, sizeof key), 1);
  std::vector<unsigned char> big(100000);  // Past the pool: straight through.
  EXPECT_EQ(RAND_bytes(big.data(), static_cast<int>(big.size())), 1);
}

TEST(RandomPoolTest, ParentAndForkedChildNeverShareBytes) {
  ASSERT_TRUE(UseRandomPool().ok());
  unsigned char warm[8];
  ASSERT_EQ(RAND_bytes(warm, sizeof warm), 1);  // The pool now holds bytes.
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  pid_t child = fork();
  if (child == 0) {
    unsigned char buf[32];
    int ok = RAND_bytes(buf, sizeof buf);
    ssize_t n = write(pipe_fds[1], buf, sizeof buf);
    _exit(ok == 1 && n == 32 ? 0 : 1);
  }
  unsigned char mine[32], theirs[32];
  ASSERT_EQ(RAND_bytes(mine, sizeof mine), 1);
  ASSERT_EQ(read(pipe_fds[0], theirs, sizeof theirs), 32);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_NE(std::string(reinterpret_cast<char*>(mine), 32), std::string(reinterpret_cast<char*>(theirs), 32));
  close(pipe_fds[0]);
  close(pipe_fds[1]);
}

}  // namespace
}  // namespace ssh
