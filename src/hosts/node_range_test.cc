#include "hosts/node_range.h"

#include <gtest/gtest.h>

#include <chrono>

namespace hosts {
namespace {

using Hosts = std::vector<std::string>;

Hosts Expand(std::string_view text) {
  util::StatusOr<Hosts> hosts = ExpandNodeRange(text);
  EXPECT_TRUE(hosts.ok()) << text << ": " << hosts.status().ToString();
  return hosts.ok() ? *hosts : Hosts{};
}

std::string ErrorOf(std::string_view text) {
  util::StatusOr<NodeRange> range = NodeRange::Parse(text);
  EXPECT_FALSE(range.ok()) << text;
  return range.status().message();
}

TEST(NodeRangeTest, PlainTextIsItself) {
  for (std::string_view text :
       {"web1", "root@web1:2222", "", "fe80::1", "a:b:c", "web1]"}) {
    util::StatusOr<NodeRange> range = NodeRange::Parse(text);
    ASSERT_TRUE(range.ok()) << text;
    EXPECT_FALSE(range->has_ranges()) << text;
    EXPECT_EQ(range->size(), 1u);
    EXPECT_EQ(Expand(text), Hosts{std::string(text)});
  }
}

TEST(NodeRangeTest, SimpleRange) {
  EXPECT_EQ(Expand("web[1-3]"), (Hosts{"web1", "web2", "web3"}));
  EXPECT_EQ(Expand("web[7]"), (Hosts{"web7"}));
  EXPECT_EQ(Expand("n[0-0]x"), (Hosts{"n0x"}));
}

TEST(NodeRangeTest, ZeroPaddingFromLowerBound) {
  Hosts hosts = Expand("web[01-50].dc1");
  ASSERT_EQ(hosts.size(), 50u);
  EXPECT_EQ(hosts.front(), "web01.dc1");
  EXPECT_EQ(hosts[8], "web09.dc1");
  EXPECT_EQ(hosts[9], "web10.dc1");
  EXPECT_EQ(hosts.back(), "web50.dc1");
  EXPECT_EQ(Expand("n[8-10]"), (Hosts{"n8", "n9", "n10"}));
  EXPECT_EQ(Expand("n[098-100]"), (Hosts{"n098", "n099", "n100"}));
  EXPECT_EQ(Expand("n[007]"), (Hosts{"n007"}));
  EXPECT_EQ(Expand("n[0-2]"), (Hosts{"n0", "n1", "n2"}));
  EXPECT_EQ(Expand("n[001-003]"), (Hosts{"n001", "n002", "n003"}));
  EXPECT_EQ(Expand("n[01-100]").back(), "n100");
}

TEST(NodeRangeTest, ListsInWrittenOrder) {
  EXPECT_EQ(Expand("10.0.0.[1-3,20]"),
            (Hosts{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.20"}));
  EXPECT_EQ(Expand("n[5,1-2,09-10]"),
            (Hosts{"n5", "n1", "n2", "n09", "n10"}));
  EXPECT_EQ(Expand("n[1,1]"), (Hosts{"n1", "n1"}));  // Dedupe is later.
}

TEST(NodeRangeTest, ProductLeftmostSlowest) {
  EXPECT_EQ(Expand("r[1-2]n[1-3]"),
            (Hosts{"r1n1", "r1n2", "r1n3", "r2n1", "r2n2", "r2n3"}));
  EXPECT_EQ(Expand("[1-2][5,7].x"),
            (Hosts{"15.x", "17.x", "25.x", "27.x"}));
  util::StatusOr<NodeRange> range = NodeRange::Parse("a[1-10]b[01-10]c[1,2]");
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->size(), 200u);
  EXPECT_EQ(Expand("a[1-10]b[01-10]c[1,2]").back(), "a10b10c2");
}

TEST(NodeRangeTest, UserAndPortAroundRanges) {
  EXPECT_EQ(Expand("root@10.0.0.[1-2]:2222"),
            (Hosts{"root@10.0.0.1:2222", "root@10.0.0.2:2222"}));
  EXPECT_EQ(Expand("a@b@web[1-2]"), (Hosts{"a@b@web1", "a@b@web2"}));
  EXPECT_EQ(Expand("[1-2].dc1:22"), (Hosts{"1.dc1:22", "2.dc1:22"}));
  // Brackets in the user part or the port are left for ParseAddress.
  EXPECT_FALSE(NodeRange::Parse("u[1-2]@web").value().has_ranges());
  EXPECT_FALSE(NodeRange::Parse("web:[22-23]").value().has_ranges());
}

TEST(NodeRangeTest, Ipv6AndBracketedHostsAreNotRanges) {
  for (std::string_view text :
       {"[::1]", "[::1]:22", "[fe80::1%eth0]:22", "user@[::1]:2222",
        "[web1]", "[12]", "[1-3]", "[1-3]:22", "u@[1,2]:22", "[]", "[::1",
        "[::1]x", "[1-2"}) {
    util::StatusOr<NodeRange> range = NodeRange::Parse(text);
    ASSERT_TRUE(range.ok()) << text;
    EXPECT_FALSE(range->has_ranges()) << text;
    EXPECT_EQ(Expand(text), Hosts{std::string(text)});
  }
}

TEST(NodeRangeTest, Errors) {
  EXPECT_EQ(ErrorOf("web[5-1]"),
            "invalid range \"[5-1]\" in \"web[5-1]\": start after end");
  EXPECT_EQ(ErrorOf("web[a-z]"),
            "invalid range \"[a-z]\" in \"web[a-z]\": only digits, ',' and "
            "'-' may appear inside [ ]");
  EXPECT_EQ(ErrorOf("web[1-3"),
            "invalid range \"[1-3\" in \"web[1-3\": missing ']'");
  EXPECT_EQ(ErrorOf("web[]"), "invalid range \"[]\" in \"web[]\": empty range");
  EXPECT_EQ(ErrorOf("n[1,,2]"),
            "invalid range \"[1,,2]\" in \"n[1,,2]\": empty item");
  EXPECT_EQ(ErrorOf("n[1,]"), "invalid range \"[1,]\" in \"n[1,]\": empty item");
  EXPECT_EQ(ErrorOf("n[1-]"),
            "invalid range \"[1-]\" in \"n[1-]\": item \"1-\" is not a number "
            "or a-b");
  EXPECT_EQ(ErrorOf("n[-3]"),
            "invalid range \"[-3]\" in \"n[-3]\": item \"-3\" is not a number "
            "or a-b");
  EXPECT_EQ(ErrorOf("n[1-2-3]"),
            "invalid range \"[1-2-3]\" in \"n[1-2-3]\": item \"1-2-3\" is not "
            "a number or a-b");
  EXPECT_EQ(ErrorOf("n[1,5-1]"),
            "invalid range \"[1,5-1]\" in \"n[1,5-1]\": item \"5-1\": start "
            "after end");
  EXPECT_EQ(ErrorOf("n[1-010]"),
            "invalid range \"[1-010]\" in \"n[1-010]\": bounds padded to "
            "different widths");
  EXPECT_EQ(ErrorOf("n[01-010]"),
            "invalid range \"[01-010]\" in \"n[01-010]\": bounds padded to "
            "different widths");
  EXPECT_EQ(ErrorOf("n[1234567890123456789]"),
            "invalid range \"[1234567890123456789]\" in "
            "\"n[1234567890123456789]\": number too large");
  EXPECT_EQ(ErrorOf("web[::1]"),
            "invalid range \"[::1]\" in \"web[::1]\": only digits, ',' and "
            "'-' may appear inside [ ]");
  EXPECT_EQ(ErrorOf("[1-2]n[x]"),
            "invalid range \"[x]\" in \"[1-2]n[x]\": only digits, ',' and "
            "'-' may appear inside [ ]");
  // The bad text is quoted safely.
  EXPECT_EQ(ErrorOf("n[1\n]"),
            "invalid range \"[1\\n]\" in \"n[1\\n]\": only digits, ',' and "
            "'-' may appear inside [ ]");
}

TEST(NodeRangeTest, CapPerExpression) {
  util::StatusOr<NodeRange> at_cap = NodeRange::Parse("n[1-100000]");
  ASSERT_TRUE(at_cap.ok());
  EXPECT_EQ(at_cap->size(), kMaxRangeHosts);
  EXPECT_TRUE(NodeRange::Parse("r[1-100]n[1-1000]").ok());
  EXPECT_EQ(ErrorOf("n[1-100001]"),
            "\"n[1-100001]\" expands to more than 100000 hosts");
  EXPECT_EQ(ErrorOf("r[1-100]n[1-1001]"),
            "\"r[1-100]n[1-1001]\" expands to more than 100000 hosts");
  EXPECT_EQ(ErrorOf("n[1-50000,1-50001]"),
            "\"n[1-50000,1-50001]\" expands to more than 100000 hosts");
}

TEST(NodeRangeTest, HostileProductRejectedWithoutWork) {
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(ErrorOf("[1-99999][1-99999]"),
            "\"[1-99999][1-99999]\" expands to more than 100000 hosts");
  EXPECT_EQ(ErrorOf("n[0-999999999999999999]"),
            "\"n[0-999999999999999999]\" expands to more than 100000 hosts");
  std::string many = "n";
  for (int i = 0; i < 64; ++i) many += "[0-999999999999999999]";
  EXPECT_FALSE(NodeRange::Parse(many).ok());
  // A zero-width product never happens (items are non-empty); a long
  // product of size-1 groups is fine.
  std::string ones = "n";
  for (int i = 0; i < 1000; ++i) ones += "[1]";
  EXPECT_EQ(Expand(ones), Hosts{"n" + std::string(1000, '1')});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(NodeRangeTest, ForEachStopsAtFirstError) {
  util::StatusOr<NodeRange> range = NodeRange::Parse("n[1-5]");
  ASSERT_TRUE(range.ok());
  int calls = 0;
  util::Status status = range->ForEach([&](const std::string& host) {
    ++calls;
    return host == "n3" ? util::Status::Error("stop") : util::Status::Ok();
  });
  EXPECT_EQ(status.message(), "stop");
  EXPECT_EQ(calls, 3);
}

}  // namespace
}  // namespace hosts
