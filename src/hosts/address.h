// Host addresses: parsing `[user@]host[:port]` as the user writes it.
//
// Accepted forms (orgalorg(1), HOSTS):
//   host                 default user, default port
//   user@host:2222       explicit user and port
//   [::1]   [fe80::1]:2222   user@[fe80::1%eth0]:22   IPv6 in brackets
//   ::1   fe80::1:2      a bare IPv6 literal (two or more colons, no
//                        brackets) is taken whole as the host with the default
//                        port; write brackets to give a port.
// The user part ends at the LAST '@', so `john@corp.example@host` has the user
// `john@corp.example`.
//
// Rejected, with an error message that quotes the offending text: empty input
// or host, empty user (`@host`), a port that is empty, non-numeric, signed, 0
// or > 65535, unbalanced or misplaced brackets, text after `]` other than
// `:port`, and any whitespace or control character anywhere (callers that
// read files trim lines first).
//
// Identity (the name used by the sync protocol and verbose logs) is
// `[user@host:port]` with the host as written but WITHOUT its brackets, e.g.
// `[root@::1:22]`; the last colon always separates the port.
//
// Pure functions, thread-safe.
#ifndef ORGALORG_HOSTS_ADDRESS_H_
#define ORGALORG_HOSTS_ADDRESS_H_

#include <string>
#include <string_view>

#include "util/status.h"

namespace hosts {

inline constexpr int kDefaultSshPort = 22;

struct Address {
  std::string user;
  std::string host;  // Without IPv6 brackets.
  int port = kDefaultSshPort;
  std::string given;  // The text as the user wrote it: display name in output.
  // Whether user/port were written explicitly. When false, the field holds
  // the caller's default, which ~/.ssh/config may still override; explicit
  // values always win.
  bool user_given = false;
  bool port_given = false;

  // Two addresses are the same host when user, host and port match
  // (`given` and the *_given flags do not matter).
  bool SameTarget(const Address& other) const {
    return user == other.user && host == other.host && port == other.port;
  }
};

// Parses `text`. `default_user` fills in a missing user (it may be empty,
// e.g. when the caller resolves it later); `default_port` a missing port.
util::StatusOr<Address> ParseAddress(std::string_view text,
                                     const std::string& default_user,
                                     int default_port);

// `[user@host:port]`, see the file comment.
std::string Identity(const Address& address);

// `text` in double quotes with `"`, `\` and non-printable bytes escaped
// (\n, \t, \xNN), for error messages that name user-supplied text.
std::string QuoteForMessage(std::string_view text);

}  // namespace hosts

#endif  // ORGALORG_HOSTS_ADDRESS_H_
