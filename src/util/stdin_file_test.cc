#include "util/stdin_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace util {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream all;
  all << in.rdbuf();
  return all.str();
}

TEST(StdinAsFileTest, APipeIsReadToItsEndIntoAPrivateCopy) {
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  std::string data = "first\n" + std::string(200000, 'x') + "\nlast\n";
  ASSERT_EQ(write(pipe_fds[1], data.data(), 4096), 4096);
  pid_t writer = fork();
  if (writer == 0) {
    ssize_t rest = static_cast<ssize_t>(data.size()) - 4096;
    _exit(write(pipe_fds[1], data.data() + 4096, static_cast<size_t>(rest)) == rest ? 0 : 1);
  }
  close(pipe_fds[1]);
  StatusOr<std::string> path = StdinAsFile(pipe_fds[0]);
  close(pipe_fds[0]);
  ASSERT_TRUE(path.ok()) << path.status().message();
  EXPECT_EQ(path->rfind("/proc/self/fd/", 0), 0u);
  EXPECT_EQ(Slurp(*path), data);
  EXPECT_EQ(Slurp(*path), data);  // Every open starts at the beginning.
  int status = 0;
  waitpid(writer, &status, 0);
  EXPECT_EQ(status, 0);
}

TEST(StdinAsFileTest, ARegularFileIsUsedInPlace) {
  char name[] = "/tmp/stdin-file-test.XXXXXX";
  int fd = mkstemp(name);
  ASSERT_GE(fd, 0);
  unlink(name);
  ASSERT_EQ(write(fd, "abc\n", 4), 4);
  StatusOr<std::string> path = StdinAsFile(fd);
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(*path, "/proc/self/fd/" + std::to_string(fd));
  EXPECT_EQ(Slurp(*path), "abc\n");
  close(fd);
}

TEST(StdinAsFileTest, AClosedDescriptorIsAnError) {
  StatusOr<std::string> path = StdinAsFile(1000);
  ASSERT_FALSE(path.ok());
  EXPECT_NE(path.status().message().find("-i -"), std::string::npos);
}

}  // namespace
}  // namespace util
