#include "app/host_setup.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace app {
namespace {

class ReadHostListTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/host_setup_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    stderr_file_ = std::tmpfile();
    ASSERT_NE(stderr_file_, nullptr);
  }
  void TearDown() override {
    std::fclose(stderr_file_);
    std::system(("rm -rf '" + dir_ + "'").c_str());
  }

  std::string Write(const std::string& name, const std::string& body) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << body;
    return path;
  }

  // Reads the hosts of `options` and returns what went to stderr.
  std::string Read(const cli::Options& options, util::StatusOr<std::vector<hosts::Address>>* list) {
    output::Output out({.json = options.json}, /*stdout_fd=*/-1, fileno(stderr_file_));
    *list = ReadHostList(options, "me", &out);
    std::rewind(stderr_file_);
    std::string text;
    for (int c; (c = std::fgetc(stderr_file_)) != EOF;) text += static_cast<char>(c);
    return text;
  }

  std::string dir_;
  std::FILE* stderr_file_ = nullptr;
};

TEST_F(ReadHostListTest, EmptyFileIsAUsageErrorNamingIt) {
  cli::Options options;
  options.hosts = {Write("hosts", "# only a comment\n\n")};
  util::StatusOr<std::vector<hosts::Address>> list = util::Status::Error("unset");
  std::string err = Read(options, &list);
  EXPECT_EQ(list.status().ToString(), "no hosts given: hosts file " + options.hosts[0] + " lists no hosts");
  EXPECT_EQ(err.rfind("Usage:", 0), 0u) << err;
}

TEST_F(ReadHostListTest, MissingFileIsAUsageError) {
  cli::Options options;
  options.hosts = {dir_ + "/nope"};
  util::StatusOr<std::vector<hosts::Address>> list = util::Status::Error("unset");
  std::string err = Read(options, &list);
  EXPECT_EQ(list.status().ToString(), "can't open hosts file " + dir_ + "/nope: No such file or directory");
  EXPECT_EQ(err.rfind("Usage:", 0), 0u) << err;
}

TEST_F(ReadHostListTest, BadAddressIsAUsageErrorButABadLineIsNot) {
  cli::Options options;
  options.hosts = {"web1:abc"};
  util::StatusOr<std::vector<hosts::Address>> list = util::Status::Error("unset");
  std::string err = Read(options, &list);
  EXPECT_EQ(list.status().ToString(), "invalid port \"abc\" in address \"web1:abc\"");
  EXPECT_EQ(err.rfind("Usage:", 0), 0u) << err;

  options.hosts = {Write("hosts", "web1\nweb2:abc\n")};
  std::rewind(stderr_file_);
  ASSERT_EQ(ftruncate(fileno(stderr_file_), 0), 0);
  err = Read(options, &list);
  EXPECT_EQ(list.status().ToString(), options.hosts[0] + ":2: invalid port \"abc\" in address \"web2:abc\"");
  EXPECT_EQ(err, "");
}

TEST_F(ReadHostListTest, JsonKeepsStderrJson) {
  cli::Options options;
  options.json = true;
  options.hosts = {Write("hosts", "")};
  util::StatusOr<std::vector<hosts::Address>> list = util::Status::Error("unset");
  EXPECT_EQ(Read(options, &list), "");
  EXPECT_FALSE(list.ok());
}

TEST_F(ReadHostListTest, LocalFileTakenAsHostIsWarnedAbout) {
  Write("hosts.txt", "web1\n");
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof cwd), nullptr);
  ASSERT_EQ(chdir(dir_.c_str()), 0);
  cli::Options options;
  options.hosts = {"hosts.txt", "web2", "./hosts.txt"};
  util::StatusOr<std::vector<hosts::Address>> list = util::Status::Error("unset");
  std::string err = Read(options, &list);
  ASSERT_EQ(chdir(cwd), 0);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(list->size(), 3u);  // hosts.txt, web2, web1: as before, only warned.
  EXPECT_NE(err.find("-o hosts.txt is taken as a host name, not as the local file hosts.txt; "
                     "write -o ./hosts.txt for a file of hosts"),
            std::string::npos)
      << err;
  EXPECT_EQ(err.find("web2"), std::string::npos) << err;
}

}  // namespace
}  // namespace app
