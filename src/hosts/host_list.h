// The host list of a run: `-o` values, host files and stdin (orgalorg(1), HOSTS).
//
// Each `-o` value is trimmed of surrounding whitespace and then is either
//   * a hosts file, when it starts with `/` or `./`: one address per line, or
//   * an address expression: its node ranges are expanded (node_range.h,
//     e.g. `web[01-50].dc1`, `root@10.0.0.[1-9,20]:2222`) and each host is
//     parsed by ParseAddress. Text without a range is one address, as before.
// Lines of hosts files and of `stdin_hosts` (`-s`) are trimmed; blank lines,
// `#` comment lines and a trailing `# comment` after an address are ignored;
// each remaining line is an address expression like a `-o` value.
// Stdin hosts come after all `-o` hosts.
//
// Duplicates (same user, host and port, after defaults are applied) are
// dropped, also when ranges produce them (`n[1-3]` then `n[2-5]` gives
// n1..n5 once each); the first appearance keeps its place and its `given`
// text (for a range host, the expanded text, e.g. `web07.dc1`).
//
// Caps: one expression produces at most kMaxRangeHosts (100,000) hosts, and
// all range expressions of a run together at most kMaxRangeHostsTotal
// (1,000,000, counted before dedupe); both are checked from the bounds before
// any host is produced. Plain addresses (no range) are not counted, so a
// large hosts file without ranges behaves as before.
//
// Errors (the first one stops the build):
//   can't open hosts file ./x: No such file or directory
//   can't read hosts file ./dir: Is a directory
//   ./hosts:7: invalid port "abc" in address "web1:abc"
//   stdin:3: empty user in address "@web"
//   ./hosts:9: line longer than 65536 bytes
//   ./hosts:7: invalid range "[5-1]" in "web[5-1]": start after end
//   stdin:2: "r[1-999]n[1-999]" expands to more than 100000 hosts
//   ./hosts:4: "x[1-99999]" would bring the hosts from ranges to more than
//       1000000
//   invalid port "abc" in address "web1:abc" (from "web[1-2]:abc")
// (`-o` values carry no location prefix; lines of files and stdin do.)
// An empty result is not an error here; the caller reports "no hosts".
//
// Files are streamed line by line with a bounded line buffer; memory grows
// only with the number of distinct hosts. Not thread-safe w.r.t. the stream.
#ifndef ORGALORG_HOSTS_HOST_LIST_H_
#define ORGALORG_HOSTS_HOST_LIST_H_

#include <cstddef>
#include <istream>
#include <string>
#include <vector>

#include "hosts/address.h"
#include "hosts/node_range.h"
#include "util/status.h"

namespace hosts {

// Longest accepted line in a hosts file or on stdin, in bytes.
inline constexpr size_t kMaxHostLineBytes = 65536;

// Most hosts all node-range expressions of one BuildHostList may produce
// together (repeats included). Per expression: kMaxRangeHosts.
inline constexpr size_t kMaxRangeHostsTotal = 1000000;

// `stdin_hosts` may be null (no `-s`). `source_name` of stdin in errors is
// "stdin".
util::StatusOr<std::vector<Address>> BuildHostList(
    const std::vector<std::string>& host_args, std::istream* stdin_hosts,
    const std::string& default_user, int default_port);

// The error for an empty result of BuildHostList with the same `host_args`
// (only hosts files can be empty) and `-s`, naming each source:
//   no hosts given: hosts file ./hosts lists no hosts
//   no hosts given: stdin (-s) lists no hosts
//   no hosts given: ./a, ./b and stdin (-s) list no hosts
util::Status EmptyHostListError(const std::vector<std::string>& host_args, bool read_stdin);

// True when a `-o` value names a hosts file rather than an address.
bool IsHostsFileArg(std::string_view arg);

// `text` without leading and trailing ASCII whitespace: what BuildHostList
// does to every `-o` value and every line before parsing it.
std::string_view TrimSpace(std::string_view text);

}  // namespace hosts

#endif  // ORGALORG_HOSTS_HOST_LIST_H_
