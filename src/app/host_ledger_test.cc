#include "app/host_ledger.h"

#include <gtest/gtest.h>

#include <sstream>

#include "hosts/host_list.h"

namespace app {
namespace {

TEST(HostLedgerTest, ListsEveryHostThatDidNotSucceedWithItsCause) {
  HostLedger ledger;
  for (const char* host : {"web1", "root@web2:2222", "web3", "web4", "[::1]:22"}) ledger.Add(host);
  ledger.Fail("root@web2:2222", util::Status::Error("can't connect to root@web2:2222").AddCause(
                                    util::Status::Error("connection refused")));
  ledger.Succeed("web1");
  ledger.Succeed("web3");
  ledger.Fail("web3", util::Status::Error("exit code 3"));
  ledger.Fail("web3", util::Status::Error("a later cause is not kept"));
  ledger.Succeed("[::1]:22");
  EXPECT_EQ(ledger.FailedHostsText("not run: the run stopped"),
            "root@web2:2222  # can't connect to root@web2:2222: connection refused\n"
            "web3  # exit code 3\n"
            "web4  # not run: the run stopped\n");
}

TEST(HostLedgerTest, EmptyWhenAllSucceededAndCausesStayOnOneLine) {
  HostLedger ledger;
  ledger.Add("a");
  ledger.Add("b");
  ledger.Succeed("a");
  ledger.Succeed("b");
  ledger.Succeed("unknown");
  EXPECT_EQ(ledger.FailedHostsText("x"), "");
  ledger.Fail("b", util::Status::Error("tar: line one\nline two"));
  EXPECT_EQ(ledger.FailedHostsText("x"), "b  # tar: line one line two\n");
}

TEST(HostLedgerTest, TheTextReadsBackAsTheSameHosts) {
  HostLedger ledger;
  std::vector<std::string> hosts = {"orgatest@10.0.0.1", "10.0.0.2:2222", "[fe80::1]:22", "web01.dc1"};
  for (const std::string& host : hosts) ledger.Add(host);
  for (const std::string& host : hosts) ledger.Fail(host, util::Status::Error("timed out # after 5 ms"));
  std::istringstream file(ledger.FailedHostsText(""));
  util::StatusOr<std::vector<hosts::Address>> read =
      hosts::BuildHostList({}, &file, "me", hosts::kDefaultSshPort);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), hosts.size());
  for (size_t i = 0; i < hosts.size(); ++i) EXPECT_EQ((*read)[i].given, hosts[i]);
}

}  // namespace
}  // namespace app
