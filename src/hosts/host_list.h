// The host list of a run: `-o` values, host files and stdin (SPEC section 3).
//
// Each `-o` value is trimmed of surrounding whitespace and then is either
//   * a hosts file, when it starts with `/` or `./`: one address per line, or
//   * an address, parsed by ParseAddress.
// Lines of hosts files and of `stdin_hosts` (`-s`) are trimmed; blank lines,
// `#` comment lines and a trailing `# comment` after an address are ignored.
// Stdin hosts come after all `-o` hosts.
//
// Duplicates (same user, host and port, after defaults are applied) are
// dropped; the first appearance keeps its place and its `given` text.
//
// Errors (the first one stops the build):
//   can't open hosts file ./x: No such file or directory
//   can't read hosts file ./dir: Is a directory
//   ./hosts:7: invalid port "abc" in address "web1:abc"
//   stdin:3: empty user in address "@web"
//   ./hosts:9: line longer than 65536 bytes
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
#include "util/status.h"

namespace hosts {

// Longest accepted line in a hosts file or on stdin, in bytes.
inline constexpr size_t kMaxHostLineBytes = 65536;

// `stdin_hosts` may be null (no `-s`). `source_name` of stdin in errors is
// "stdin".
util::StatusOr<std::vector<Address>> BuildHostList(
    const std::vector<std::string>& host_args, std::istream* stdin_hosts,
    const std::string& default_user, int default_port);

// True when a `-o` value names a hosts file rather than an address.
bool IsHostsFileArg(std::string_view arg);

}  // namespace hosts

#endif  // ORGALORG_HOSTS_HOST_LIST_H_
