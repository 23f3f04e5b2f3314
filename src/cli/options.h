// The command line, parsed.
//
// ParseOptions() turns argv into one Options value or a usage error. It
// accepts exactly the option set of the man page (doc/orgalorg.1, OPTIONS):
// GNU-style long options (`--opt=value` and `--opt value`), bundled short
// flags (`-exmn 'true'`), repeatable `-o`, `-g` and `-v`. Time options take
// a duration (duration.h).
//
// Options come before the operands, as in the original orgalorg (docopt,
// options first), pdsh, pssh and clush: parsing stops at the first word that
// is neither an option nor an option's value, and that word and everything
// after it are operands, even words that look like options. So
// `-C ls -la /etc` runs `ls -la /etc`, and in `-U ./a -x` the `-x` is a
// file. A `--` before the operands is dropped and changes nothing; a `--`
// after the first operand is an operand. It performs no I/O.
#ifndef ORGALORG_CLI_OPTIONS_H_
#define ORGALORG_CLI_OPTIONS_H_

#include <string>
#include <vector>

#include "cli/batch_spec.h"
#include "util/status.h"

namespace cli {

enum class Mode { kNone, kCommand, kSync, kUpload, kLock };
enum class Color { kAuto, kAlways, kNever };

// Defaults, each with its unit.
constexpr int kDefaultThreads = 16;
constexpr int kDefaultConnTimeoutMs = 10000;
constexpr int kDefaultSendTimeoutMs = 60000;
constexpr int kDefaultRecvTimeoutMs = 60000;
constexpr int kDefaultKeepAliveMs = 10000;
// --relay without a value (orgalorg(1), --relay: why this value).
constexpr int kDefaultRelayFanout = 2;
constexpr const char* kDefaultShell = "bash -c '{}'";
constexpr const char* kDefaultSyncCmd = "/usr/lib/orgalorg/sync \"${@}\"";

struct Options {
  Mode mode = Mode::kNone;
  bool help = false;
  bool version = false;

  // Hosts.
  std::vector<std::string> hosts;  // -o values in order (addresses or files)
  bool read_stdin = false;         // -s
  std::string jump;                // -J [user@]host[:port]; empty: direct

  // Auth.
  std::string key;        // -k; empty: agent, then default keys
  bool password = false;  // -p
  std::string user;       // -u; empty: current user
  // --host-key-check: an unknown host key is recorded (accept-new) or
  // refused (strict); a changed key is always refused.
  bool strict_host_keys = false;

  // Locking.
  bool no_lock = false;       // -y
  bool no_lock_fail = false;  // -t
  std::string lock_file;      // --lock-file; empty: root if given, else "/"

  // Failure policy.
  bool no_conn_fail = false;  // -w
  // --failed-hosts: after the run, every host that did not succeed, in -o
  // file syntax, with its cause as a comment; empty file when all succeeded.
  std::string failed_hosts_file;

  // Placement.
  std::string root;  // -r
  bool relative = false;
  bool no_preserve_uid = false;
  bool no_preserve_gid = false;
  bool no_upload = false;
  // --relay[=K] (-U, -S): hosts pass the upload on to at most K others;
  // 0: off (every host gets it from the client).
  int relay_fanout = 0;

  // Execution.
  bool sudo = false;       // -x
  std::string stdin_file;  // -i
  bool serial = false;     // -l
  std::string shell = kDefaultShell;
  std::string sync_cmd = kDefaultSyncCmd;  // -n
  bool sync_cmd_given = false;
  std::vector<std::string> args;  // -g
  bool simple = false;            // -m

  // Concurrency.
  int threads = kDefaultThreads;  // -d

  // Output.
  bool quiet = false;
  int verbose = 0;
  bool json = false;
  Color color = Color::kAuto;
  bool colors_dark = false;
  bool colors_light = false;
  std::string bar_format;
  std::string log_format;
  // --fold: at the end, hosts with byte-identical output printed once under
  // a header naming them as a folded range (-C and -S).
  bool fold = false;

  // Timeouts in milliseconds.
  int conn_timeout_ms = kDefaultConnTimeoutMs;
  int send_timeout_ms = kDefaultSendTimeoutMs;
  int recv_timeout_ms = kDefaultRecvTimeoutMs;
  int keep_alive_ms = kDefaultKeepAliveMs;
  // --timeout: the longest the remote command or sync tool may run on each
  // host; 0 = no limit (-C and -S).
  int command_timeout_ms = 0;

  // Rolling batches (-C): --batch sizes (empty: one batch of every host),
  // --max-fail (the default 0 stops after the first batch with a failure),
  // --batch-wait pause between batches (0: none). See batch_spec.h.
  std::vector<Amount> batch_sizes;
  Amount max_fail;
  bool max_fail_given = false;
  int batch_wait_ms = 0;

  // Positional words: the command words with -C, the files with -S/-U.
  std::vector<std::string> positional;
};

// Parses argv (argv[0] is the program name). On error returns a Status whose
// message names the bad option or value; the caller prints it with the usage
// and exits 1. A result with help or version set skips the mode checks.
util::StatusOr<Options> ParseOptions(int argc, char** argv);

// Convenience for tests: argv without the program name.
util::StatusOr<Options> ParseOptions(const std::vector<std::string>& args);

}  // namespace cli

#endif  // ORGALORG_CLI_OPTIONS_H_
