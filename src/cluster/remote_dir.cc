#include "cluster/remote_dir.h"

#include <fmt/format.h>

#include "util/shell_quote.h"

namespace cluster {
namespace {

// orgalorg_safe_dir DIR: DIR and every directory above its physical path
// are owned by root or by this user and not writable by group or others
// unless sticky; else says which and why on stderr and fails. The fields of
// `ls -ldn` are the mode (10 characters, maybe an ACL/SELinux mark after),
// the link count and the numeric owner.
constexpr const char* kSafeDirFunction =
    "orgalorg_safe_dir() { "
    "d=$(cd -P -- \"$1\" && pwd -P) || return 1; u=$(id -u); "
    "while :; do "
    "set -f; set -- $(LC_ALL=C ls -ldn -- \"$d\"); set +f; "
    "case ${1:-} in d*) ;; *) echo \"orgalorg: can't inspect directory $d\" >&2; return 1;; esac; "
    "if [ \"$3\" != 0 ] && [ \"$3\" != \"$u\" ]; then "
    "echo \"orgalorg: directory $d is owned by uid $3, neither root nor the user the upload runs as "
    "(uid $u): that user could redirect the upload, refusing\" >&2; return 1; fi; "
    "case $1 in ?????????[tT]*) ;; ?????w*|????????w*) "
    "echo \"orgalorg: directory $d is writable by group or others without the sticky bit: "
    "another user could redirect the upload, refusing\" >&2; return 1;; esac; "
    "[ \"$d\" = / ] && return 0; d=${d%/*}; [ -n \"$d\" ] || d=/; "
    "done; }; ";

// The parent of `path` ("/" for "/x"; "." for a relative single name).
std::string Parent(const std::string& path) {
  std::string trimmed = path;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  size_t slash = trimmed.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return trimmed.substr(0, slash);
}

}  // namespace

std::string PrepareRootCommand(const std::string& root, bool fresh) {
  std::string quoted = util::ShellQuote(root);
  if (!fresh) {
    return fmt::format("{0}mkdir -p {1} && orgalorg_safe_dir {1}", kSafeDirFunction, quoted);
  }
  std::string parent = util::ShellQuote(Parent(root));
  return fmt::format(
      "{0}mkdir -p {1} && orgalorg_safe_dir {1} && "
      "{{ mkdir -m 0700 {2} || {{ echo \"orgalorg: can't create the run directory \"{2}\" as a new "
      "directory (a name that exists already is refused)\" >&2; exit 1; }}; }}",
      kSafeDirFunction, parent, quoted);
}

}  // namespace cluster
