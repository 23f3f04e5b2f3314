// The command line sent to a host's SSH exec channel (orgalorg(1), REMOTE COMMAND LINE).
//
// sshd hands this string to the remote user's login shell as `$SHELL -c
// <line>`. BuildRemoteCommand composes it in this order:
//
//   1. cmd  = the user's words joined with single spaces, NOT quoted: the
//             remote shell interprets `&&`, `|`, `$VAR` and quotes exactly as
//             if they were typed after `ssh host`.
//   2. root (when `root` is non-empty):
//             cd '<root>' && {
//             <cmd>
//             }
//             The newlines let `cmd` end with `&`, `;`, a `# comment` or a
//             here-document. A blank cmd becomes `:` here. (A cmd whose last
//             character is an unescaped `\` would swallow the newline: don't.)
//   3. shell wrapper (when `shell_template` is non-empty, default
//      `bash -c '{}'`): every `{}` in the template is replaced by the text
//      from step 2 written so that the shell reads it back verbatim, given
//      where the `{}` sits in the template's own quoting:
//        inside '...'  -> the text with each `'` as `'\''`  (`bash -c '{}'`)
//        inside "..."  -> `"` + ShellQuote(text) + `"`        (`sh -c "{}"`)
//        unquoted      -> ShellQuote(text)                   (`sh -c {}`)
//      A template without `{}` gets ` ` + ShellQuote(text) appended
//      (`bash -c` works). `$'...'` quoting in templates is not understood.
//   4. args (`-g`, only when non-empty), each ShellQuote'd:
//        with a wrapper:    <wrapped> _ 'arg1' 'arg2'   (`_` becomes $0, the
//                           args $1 $2 ... of the wrapper shell)
//        without a wrapper: appended to cmd before step 2: <cmd> 'arg1' 'arg2'
//   5. sudo (`-x`): `sudo -n -E -H ` prefixed to the whole line. Without a
//      wrapper the prefix goes on cmd inside the `cd` block instead, because
//      sudo can't run the `cd` builtin.
//
// Examples (default template; each line below is one line of the result):
//   words {"uptime"}:
//     bash -c 'uptime'
//   words {"echo", "hi"}, root "/srv", sudo (`-r /srv -x`):
//     sudo -n -E -H bash -c 'cd '\''/srv'\'' && {
//     echo hi
//     }'
//   sync mode: words {"/usr/lib/orgalorg/sync", "\"${@}\""},
//   root "/var/run/orgalorg/7", args {"a b"} (`-g 'a b'`):
//     bash -c 'cd '\''/var/run/orgalorg/7'\'' && {
//     /usr/lib/orgalorg/sync "${@}"
//     }' _ 'a b'
//
// Pure functions, thread-safe.
#ifndef ORGALORG_CLUSTER_REMOTE_COMMAND_H_
#define ORGALORG_CLUSTER_REMOTE_COMMAND_H_

#include <string>
#include <string_view>
#include <vector>

namespace cluster {

inline constexpr std::string_view kDefaultShellTemplate = "bash -c '{}'";
inline constexpr std::string_view kSudoPrefix = "sudo -n -E -H ";

struct RemoteCommandSpec {
  std::vector<std::string> words;  // The user's command, unquoted.
  std::string root;                // Working directory; empty: none.
  std::string shell_template{kDefaultShellTemplate};  // Empty: no wrapper.
  std::vector<std::string> args;                      // `-g` values.
  bool sudo = false;                                  // `-x`.
};

std::string BuildRemoteCommand(const RemoteCommandSpec& spec);

// orgalorg's own command `line` (lock holder, tar receiver, cleanup) through
// the run's shell template and sudo of `wrapper`; its words, root and args
// are ignored.
std::string WrapCommand(const RemoteCommandSpec& wrapper, std::string line);

// Step 3 alone: `shell_template` with every `{}` replaced by `command`
// quoted for its position (see above). An empty template returns `command`.
std::string ApplyShellTemplate(std::string_view shell_template,
                               std::string_view command);

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_REMOTE_COMMAND_H_
