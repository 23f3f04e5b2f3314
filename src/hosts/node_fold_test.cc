#include "hosts/node_fold.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "hosts/node_range.h"

namespace hosts {
namespace {

using Names = std::vector<std::string>;

// The pieces of a fold; none for an empty result.
Names Pieces(const std::string& folded) {
  if (folded.empty()) return {};
  return SplitFoldedPieces(folded);
}

// Checks the promise of node_fold.h for `names`: every piece expands to
// input names, each input name comes out exactly once, and pieces are in the
// order of their first name's first appearance.
void ExpectRoundTrip(const Names& names) {
  std::string folded = FoldNodes(names);
  std::map<std::string, size_t> first_index;
  for (size_t i = 0; i < names.size(); ++i) first_index.emplace(names[i], i);

  std::map<std::string, int> produced;
  size_t previous_first = 0;
  bool have_previous = false;
  for (const std::string& piece : Pieces(folded)) {
    util::StatusOr<Names> expanded = ExpandNodeRange(piece);
    ASSERT_TRUE(expanded.ok())
        << piece << " in " << folded << ": " << expanded.status().ToString();
    ASSERT_FALSE(expanded->empty()) << piece;
    if (expanded->size() == 1) {
      EXPECT_EQ(expanded->front(), piece) << "a lone name is printed plain";
    }
    size_t first = SIZE_MAX;
    for (const std::string& name : *expanded) {
      auto it = first_index.find(name);
      ASSERT_NE(it, first_index.end())
          << piece << " gives " << name
          << ", not an input name; folded: " << folded;
      first = std::min(first, it->second);
      ++produced[name];
    }
    if (have_previous) {
      EXPECT_LT(previous_first, first) << "piece order in " << folded;
    }
    previous_first = first;
    have_previous = true;
  }
  EXPECT_EQ(produced.size(), first_index.size()) << folded;
  for (const auto& [name, count] : produced) {
    EXPECT_EQ(count, 1) << name << " produced " << count << " times by "
                        << folded;
  }
}

TEST(NodeFoldTest, Examples) {
  EXPECT_EQ(FoldNodes({"web01", "web02", "web03", "web07"}), "web[01-03,07]");
  EXPECT_EQ(FoldNodes({"n8", "n9", "n10"}), "n[8-10]");
  EXPECT_EQ(FoldNodes({"n08", "n09", "n10"}), "n[08-10]");
  EXPECT_EQ(FoldNodes({"n098", "n099", "n100", "n101"}), "n[098-101]");
  EXPECT_EQ(FoldNodes({"web01.dc1", "db1", "web02.dc1", "10.231.0.1",
                       "web03.dc1", "10.231.0.2", "10.231.0.3", "web07.dc1",
                       "10.231.0.4", "10.231.0.5"}),
            "web[01-03,07].dc1,db1,10.231.0.[1-5]");
}

TEST(NodeFoldTest, EmptyAndSingle) {
  EXPECT_EQ(FoldNodes({}), "");
  EXPECT_EQ(FoldNodes({"web1"}), "web1");
  EXPECT_EQ(FoldNodes({"web1", "db1"}), "web1,db1");
  EXPECT_EQ(FoldNodes({"localhost", "web"}), "localhost,web");
}

TEST(NodeFoldTest, ItemsSortedNumerically) {
  EXPECT_EQ(FoldNodes({"n10", "n3", "n1", "n2", "n5"}), "n[1-3,5,10]");
  EXPECT_EQ(FoldNodes({"n9", "n11", "n10", "n100"}), "n[9-11,100]");
  EXPECT_EQ(FoldNodes({"n0", "n1"}), "n[0-1]");
  EXPECT_EQ(FoldNodes({"web3.dc1", "web1.dc1"}), "web[1,3].dc1");
}

TEST(NodeFoldTest, PaddingIsKept) {
  // 1 and 01 are different names: never one number.
  EXPECT_EQ(FoldNodes({"n1", "n01"}), "n[01,1]");
  EXPECT_EQ(FoldNodes({"n1", "n01", "n2", "n02"}), "n[01-02,1-2]");
  EXPECT_EQ(FoldNodes({"n8", "n09", "n10"}), "n[8,09-10]");
  EXPECT_EQ(FoldNodes({"n007", "n008"}), "n[007-008]");
  EXPECT_EQ(FoldNodes({"n99", "n100", "n098"}), "n[098,99-100]");
  // 099 and 99 can't share an item: 99 would come out as 099.
  EXPECT_EQ(FoldNodes({"n098", "n99"}), "n[098,99]");
  EXPECT_EQ(FoldNodes({"n0", "n00", "n000"}), "n[0,00,000]");
  ExpectRoundTrip({"n1", "n01", "n001", "n2", "n02", "n10", "n010", "n0010"});
}

TEST(NodeFoldTest, OneDimension) {
  EXPECT_EQ(FoldNodes({"r1n1", "r1n2", "r2n1", "r2n2"}), "r1n[1-2],r2n[1-2]");
  // The varying run need not be the last one.
  EXPECT_EQ(FoldNodes({"web1.dc1", "web2.dc1", "web3.dc1"}), "web[1-3].dc1");
  // The larger group wins over the last run.
  EXPECT_EQ(FoldNodes({"web1.dc1", "web1.dc2", "web2.dc1", "web3.dc1"}),
            "web[1-3].dc1,web1.dc2");
  // Ties go to the last run.
  EXPECT_EQ(FoldNodes({"a1b1", "a1b2", "a2b1"}), "a1b[1-2],a2b1");
  EXPECT_EQ(
      FoldNodes({"10.0.1.1", "10.0.1.2", "10.0.2.1", "10.0.2.2", "10.0.2.3"}),
      "10.0.1.[1-2],10.0.2.[1-3]");
}

TEST(NodeFoldTest, DuplicatesAndOrder) {
  EXPECT_EQ(FoldNodes({"b2", "a1", "b1", "a1", "b2", "c"}), "b[1-2],a1,c");
  EXPECT_EQ(FoldNodes({"x", "n2", "y", "n1", "x"}), "x,n[1-2],y");
}

TEST(NodeFoldTest, NotRangesStayPlain) {
  EXPECT_EQ(FoldNodes({"12", "13", "14"}), "12,13,14");
  EXPECT_EQ(FoldNodes({"[::1]:22", "[::2]:22"}), "[::1]:22,[::2]:22");
  EXPECT_EQ(FoldNodes({"root@web1", "root@web2"}), "root@web1,root@web2");
  EXPECT_EQ(FoldNodes({"web1:2222", "web2:2222"}), "web1:2222,web2:2222");
  EXPECT_EQ(FoldNodes({"fe80::1", "fe80::2"}), "fe80::1,fe80::2");
  EXPECT_EQ(FoldNodes({"web1", "web 2", "web3"}), "web[1,3],web 2");
  // A prefix or suffix makes a digit name foldable.
  EXPECT_EQ(FoldNodes({"1.x", "2.x"}), "[1-2].x");
  EXPECT_EQ(FoldNodes({"1-", "2-"}), "[1-2]-");
  ExpectRoundTrip({"12", "13", "[12]", "[::1]:22", "a@b1", "1.x", "2.x", "x.1",
                   "x.2", "-1", "-2"});
}

TEST(NodeFoldTest, LongDigitRunsStayLiteral) {
  std::string long_run = "1234567890123456789";  // 19 digits: too large.
  EXPECT_EQ(FoldNodes({"n" + long_run, "n" + long_run + "0"}),
            "n" + long_run + ",n" + long_run + "0");
  EXPECT_EQ(FoldNodes({"n" + long_run + "x1", "n" + long_run + "x2"}),
            "n" + long_run + "x[1-2]");
  EXPECT_EQ(FoldNodes({"n999999999999999998", "n999999999999999999"}),
            "n[999999999999999998-999999999999999999]");
  ExpectRoundTrip(
      {"n999999999999999999", "n1000000000000000000", "n999999999999999998"});
}

TEST(NodeFoldTest, ManyHosts) {
  Names names;
  for (int i = 1; i <= 10000; ++i) {
    names.push_back("web" + std::to_string(i) + ".dc" +
                    std::to_string(i % 3 + 1));
  }
  std::string folded = FoldNodes(names);
  EXPECT_EQ(Pieces(folded).size(), 3u);
  ExpectRoundTrip(names);
}

TEST(NodeFoldTest, GroupCap) {
  Names names;
  for (size_t i = 0; i < kMaxRangeHosts + 5; ++i) {
    names.push_back(std::string("n").append(std::to_string(i)));
  }
  std::string folded = FoldNodes(names);
  EXPECT_EQ(Pieces(folded).size(), 2u) << folded.substr(0, 100);
  ExpectRoundTrip(names);
}

// Random names from a few shapes: prefixes, suffixes, padding, IP-like
// names with several digit runs, and names that must stay plain.
TEST(NodeFoldTest, RandomRoundTrip) {
  std::mt19937 rng(20240607);
  auto pick = [&](size_t n) {
    return static_cast<size_t>(
        std::uniform_int_distribution<size_t>(0, n - 1)(rng));
  };
  auto number = [&](int max) {
    int value = std::uniform_int_distribution<int>(0, max)(rng);
    std::string digits = std::to_string(value);
    size_t width = pick(4);  // 0..3: sometimes zero-padded.
    if (pick(3) == 0 && digits.size() < width) {
      digits.insert(0, width - digits.size(), '0');
    }
    return digits;
  };
  const std::vector<std::string> prefixes = {"web", "n",   "db-", "r1n",
                                             "",    "a.b", "x_",  "9z"};
  const std::vector<std::string> suffixes = {"",  ".dc1", "-a", ".example.com",
                                             "x", "0x",   "."};
  const std::vector<std::string> plain = {
      "12",        "007",       "[::1]:22", "[fe80::1%eth0]:22",
      "root@web1", "web1:2222", "fe80::1",  "localhost",
      "db"};
  for (int round = 0; round < 3000; ++round) {
    Names names;
    size_t count = 1 + pick(40);
    int max = pick(2) == 0 ? 12 : 120;
    for (size_t i = 0; i < count; ++i) {
      switch (pick(6)) {
        case 0:
        case 1:
        case 2: {
          std::string name = prefixes[pick(prefixes.size())] + number(max) +
                             suffixes[pick(suffixes.size())];
          if (name.find_first_not_of("0123456789") == std::string::npos) {
            name += ".x";  // Keep it a host name with a non-digit.
          }
          names.push_back(name);
          break;
        }
        case 3:
          names.push_back("10." + number(2) + "." + number(3) + "." +
                          number(max));
          break;
        case 4:
          names.push_back(std::string("r").append(number(3)).append("n").append(number(max))
                              .append("c").append(number(2)));
          break;
        default:
          names.push_back(pick(4) == 0 ? plain[pick(plain.size())]
                                       : std::to_string(pick(30)));
          break;
      }
      if (pick(10) == 0 && !names.empty())
        names.push_back(names[pick(names.size())]);
    }
    ExpectRoundTrip(names);
    if (::testing::Test::HasFailure()) {
      std::string all;
      for (const std::string& name : names) all += name + " ";
      FAIL() << "round " << round << ": " << all;
    }
  }
}

}  // namespace
}  // namespace hosts

namespace hosts {
namespace {

TEST(NodeFoldAddressesTest, FoldsHostPartsKeepingUserAndPort) {
  EXPECT_EQ(FoldAddresses({"orgatest@10.231.0.1", "orgatest@10.231.0.2", "orgatest@10.231.0.4"}),
            "orgatest@10.231.0.[1-2,4]");
  EXPECT_EQ(FoldAddresses({"root@web01:2222", "web01", "root@web02:2222", "web02", "root@web03"}),
            "root@web[01-02]:2222,web[01-02],root@web03");
  EXPECT_EQ(FoldAddresses({"[::1]:22", "u@[::2]", "[::1]:22"}), "[::1]:22,u@[::2]");
  EXPECT_EQ(FoldAddresses({"a@b@web1", "a@b@web2"}), "a@b@web[1-2]");
  EXPECT_EQ(FoldAddresses({}), "");
}

TEST(NodeFoldAddressesTest, SplitsPiecesOutsideBrackets) {
  EXPECT_EQ(SplitFoldedPieces("web[01-03,07],db1,u@n[1,3]:22"),
            std::vector<std::string>({"web[01-03,07]", "db1", "u@n[1,3]:22"}));
  EXPECT_EQ(SplitFoldedPieces(""), std::vector<std::string>({""}));
}

TEST(NodeFoldAddressesTest, EveryPieceExpandsBackToItsAddresses) {
  std::vector<std::string> addresses = {"u@h1:22", "u@h2:22", "u@h3:2222", "h1", "h10", "h11", "v@x9.dc"};
  std::string folded = FoldAddresses(addresses);
  std::vector<std::string> back;
  for (const std::string& piece : SplitFoldedPieces(folded)) {
    util::StatusOr<std::vector<std::string>> hosts = ExpandNodeRange(piece);
    ASSERT_TRUE(hosts.ok()) << hosts.status().ToString();
    back.insert(back.end(), hosts->begin(), hosts->end());
  }
  std::sort(back.begin(), back.end());
  std::sort(addresses.begin(), addresses.end());
  EXPECT_EQ(back, addresses);
}

}  // namespace
}  // namespace hosts
