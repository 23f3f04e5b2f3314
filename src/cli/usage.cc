#include "cli/usage.h"

#include <fmt/format.h>

#include "cli/options.h"

namespace cli {

std::string UsageText() {
  return R"(Usage:
  orgalorg [options] (-o <host>... | -s) -C [--] <command>...
  orgalorg [options] (-o <host>... | -s) -S [--] [<files>...]
  orgalorg [options] (-o <host>... | -s) -r <dir> -U [--] <files>...
  orgalorg [options] (-o <host>... | -s) -L
  orgalorg -h | --help
  orgalorg -V | --version
)";
}

std::string UsageErrorText() { return UsageText() + "Every option: orgalorg --help, man orgalorg.\n"; }

std::string HelpText() {
  return UsageText() + fmt::format(R"(
Runs commands and synchronizes files on many hosts at once over SSH.

Options come before the operands: parsing stops at the first command word
(-C) or file (-S, -U), and every word from there on is an operand, even one
starting with -. `orgalorg -o h -C df -h` runs `df -h` on h.

Modes (exactly one):
  -C --command          Run <command> on every host.
  -S --sync             Upload <files> and run the sync tool on every host.
  -U --upload           Upload <files> into the -r directory and exit.
  -L --lock             Take the cluster lock and hold it until interrupted.

Hosts:
  -o --host <host>      Host as [user@]host[:port], or a file of hosts when it
                        starts with / or ./ (repeatable).
  -s --read-stdin       Also read hosts from stdin, one per line.
  -J --jump <host>      Reach every host through the jump host
                        [user@]host[:port] over one connection to it, or
                        through a chain of them: a,b (as ssh -J). Without
                        it, ProxyJump lines of ~/.ssh/config are served
                        the same way.

Authentication:
  -k --key <file>       Private key [default: ssh-agent, then ~/.ssh/id_*].
  -p --password         Ask for a password on the terminal.
  -u --user <name>      Remote user [default: the current user].
  --host-key-check <p>  accept-new: record unknown host keys; strict: refuse
                        them. A changed key is always refused
                        [default: accept-new].

Locking:
  -y --no-lock          Do not lock the cluster.
  -t --no-lock-fail     Warn and go on when a host can't be locked.
  --lock-file <path>    What to lock [default: the -r directory, else /].

Failures:
  -w --no-conn-fail     Warn about and skip unreachable hosts.
  --failed-hosts <file> After the run, write every host that did not succeed
                        to <file>, one per line with its cause as a comment,
                        for -o <file> to re-run them; empty when all did.

Rolling batches (-C, -S):
  --batch <sizes>       Run the command (or sync tool) batch by batch, each batch once the
                        one before has ended: comma-separated counts or
                        percentages of the hosts, the last one repeating
                        (1,10%,100%: one host, 10%, then the rest). The lock
                        is held on every host for the whole run.
  --max-fail <n|p%>     Start no further batch once more than n hosts (or
                        p% of the hosts started) failed [default: 0].
  --batch-wait <time>   Pause between batches; Ctrl-C stops cleanly.

Placement:
  -r --root <dir>       Upload target; working directory of the command.
                        [default: /var/run/orgalorg/<run-id> in sync mode]
  -e --relative         Keep file paths as given instead of absolute.
  --no-preserve-uid     Do not keep file owners.
  --no-preserve-gid     Do not keep file groups.
  --no-upload           Sync mode without the upload.
  --relay[=K]           (-U, -S) Send the upload once; each host passes it
                        on to at most K more over ssh (agent forwarded to
                        the relay only) [default K: 2].

Execution:
  -x --sudo             Run everything remote via sudo -n -E -H.
  -i --stdin <file>     Feed <file> to every host's command (- : stdin).
  -l --serial           Group output per host, one host at a time.
  --timeout <time>      Stop the command (or sync tool) on a host that runs
                        longer, and fail that host [default: no limit].
  --shell <template>    Remote shell wrapper; {{}} is the escaped command;
                        empty for none [default: {shell}].
  -n --sync-cmd <cmd>   Sync tool command line, full shell syntax
                        [default: {sync_cmd}].
  -g --arg <arg>        Argument for the sync tool (repeatable).
  -m --simple           The sync tool does not speak the sync protocol.

Concurrency:
  -d --threads <n>      Handshakes, lock and start operations in flight at
                        once [default: {threads}].

Output:
  -q --quiet            Raw host output: no prefixes, nothing added.
  -v --verbose          More logs on stderr (repeat for trace).
  --json                One JSON object per output or log line.
  --fold                At the end, print identical host output once under
                        a header naming its hosts (web[01-03] (3)).
  --color <when>        auto, always or never [default: auto].
  --colors-dark         Colour theme for dark terminals.
  --colors-light        Colour theme for light terminals.
  --bar-format <f>      Accepted for compatibility.
  --log-format <f>      Accepted for compatibility.
  -V --version          Print the version and exit.
  -h --help             Print this help and exit.

Timeouts (a <time> is milliseconds, or a number with a unit: 1500ms, 2s,
1m, 1h):
  -c --conn-timeout <time>  Connection timeout [default: {conn}].
  -j --send-timeout <time>  Send timeout [default: {send}].
  -z --recv-timeout <time>  Receive timeout [default: {recv}].
  -a --keep-alive <time>    Keep-alive interval [default: {alive}].

Exit status: 0 all good, 1 an error, 2 heartbeat lost, 130 interrupted.
)",
                                   fmt::arg("shell", kDefaultShell),
                                   fmt::arg("sync_cmd", kDefaultSyncCmd),
                                   fmt::arg("threads", kDefaultThreads),
                                   fmt::arg("conn", kDefaultConnTimeoutMs),
                                   fmt::arg("send", kDefaultSendTimeoutMs),
                                   fmt::arg("recv", kDefaultRecvTimeoutMs),
                                   fmt::arg("alive", kDefaultKeepAliveMs));
}

std::string VersionText() { return std::string("orgalorg ") + ORGALORG_VERSION; }

}  // namespace cli
