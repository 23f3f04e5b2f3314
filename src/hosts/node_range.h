// Node ranges: `web[01-50].dc1` written once for many hosts (orgalorg(1), HOSTS),
// in the style of ClusterShell's NodeSet and pdsh's hostlist.
//
// Grammar (applied to one address expression as the user wrote it):
//   expr   = [user "@"] host [":" port]      user ends at the LAST '@'
//   host   = { text | group }                groups only in the host part
//   group  = "[" item { "," item } "]"
//   item   = number | number "-" number       e.g. 7   01-50   1-9
//   number = digit { digit }                  at most 18 digits
// Inside a group only digits, ',' and '-' may appear. Items are taken in the
// order written (no sorting; repeats are left to the host list's dedupe).
//
// Zero padding comes from the written width of the lower bound: `[01-10]` is
// 01 02 ... 10, `[8-10]` is 8 9 10, `[007]` is 007, `[098-100]` is 098 099
// 100. A padded upper bound must have the lower bound's width (`[1-010]`,
// `[01-010]` are errors; `[01-100]` is fine, 100 needs no padding).
//
// Several groups multiply, the leftmost varying slowest:
//   r[1-2]n[1-3]  ->  r1n1 r1n2 r1n3 r2n1 r2n2 r2n3
// The text around the groups, including `user@` and `:port`, is copied into
// every host: `root@10.0.0.[1-2]:2222` -> root@10.0.0.1:2222
// root@10.0.0.2:2222.
//
// What is NOT a range (the text is left whole for ParseAddress, exactly as
// before ranges existed):
//   * text without '[' in the host part;
//   * a host part that starts with '[' and whose first group holds anything
//     but digits, ',' and '-': the IPv6 form `[::1]`, `[fe80::1%eth0]:22`,
//     `user@[::1]:2222`, `[web1]`;
//   * a host part that is one group and nothing else, optionally with a
//     port: `[12]`, `[1-3]:22` stay bracketed literal hosts. Give a range a
//     prefix or suffix (`n[1-3]`, `[1-3].dc1`).
//   * brackets in the user part or after the port ':' (ParseAddress rejects
//     them as before).
//
// Errors (messages quote the group and the whole expression):
//   invalid range "[a-z]" in "web[a-z]": only digits, ',' and '-' may appear
//       inside [ ]
//   invalid range "[1-3" in "web[1-3": missing ']'
//   invalid range "[]" in "web[]": empty range
//   invalid range "[1,,2]" in "n[1,,2]": empty item
//   invalid range "[1-]" in "n[1-]": item "1-" is not a number or a-b
//   invalid range "[5-1]" in "web[5-1]": start after end
//   invalid range "[1,5-1]" in "n[1,5-1]": item "5-1": start after end
//   invalid range "[1-010]" in "n[1-010]": bounds padded to different widths
//   invalid range "[1234567890123456789]" in ...: number too large
//   "r[1-999]n[1-999]" expands to more than 100000 hosts
// The count is computed from the bounds before anything is produced, so a
// hostile `[1-99999][1-99999]` costs no memory; ForEach then produces one
// host at a time.
//
// Pure, thread-safe.
#ifndef ORGALORG_HOSTS_NODE_RANGE_H_
#define ORGALORG_HOSTS_NODE_RANGE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace hosts {

// Most hosts one expression may produce.
inline constexpr size_t kMaxRangeHosts = 100000;

class NodeRange {
 public:
  // Parses `text` (one trimmed address expression).
  static util::StatusOr<NodeRange> Parse(std::string_view text);

  // False when `text` has no range group: it stands for itself.
  bool has_ranges() const { return !groups_.empty(); }
  // Number of hosts produced (repeats included), 1 without ranges;
  // at most kMaxRangeHosts.
  size_t size() const { return size_; }

  // Calls `emit` with each host in order; stops at and returns the first
  // error `emit` returns.
  util::Status ForEach(
      const std::function<util::Status(const std::string&)>& emit) const;

 private:
  struct Item {
    uint64_t low = 0;
    uint64_t high = 0;
    size_t width = 0;  // Minimum digits (zero padding), 0 for none.
  };
  struct Group {
    std::vector<Item> items;
  };
  // Parse's steps: one group's contents (between '[' and ']'), one item of
  // it. Each returns why the text is invalid, or "" (and adds to `count`
  // the hosts the group or item stands for).
  static std::string ParseGroup(std::string_view contents, Group* group, uint64_t* count);
  static std::string ParseItem(std::string_view item, bool several, Item* parsed);

  // literals_.size() == groups_.size() + 1: text before, between and after
  // the groups.
  std::vector<std::string> literals_;
  std::vector<Group> groups_;
  size_t size_ = 1;
};

// All hosts of `text` (convenience for tests and small callers).
util::StatusOr<std::vector<std::string>> ExpandNodeRange(std::string_view text);

}  // namespace hosts

#endif  // ORGALORG_HOSTS_NODE_RANGE_H_
