#include "util/fd_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace util {

uint64_t OpenFilesWanted(uint64_t hosts) { return hosts + 64; }
uint64_t OpenFilesRequired(uint64_t hosts) { return hosts + 16; }

StatusOr<FdLimitChange> EnsureOpenFilesFor(uint64_t hosts) {
  const uint64_t wanted = OpenFilesWanted(hosts);
  const uint64_t required = OpenFilesRequired(hosts);
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return Status::Error(std::string("can't read the open-file limit: ") + std::strerror(errno));
  }
  FdLimitChange change;
  change.before = change.after = limit.rlim_cur;
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= wanted) return change;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < required) {
    return Status::Error("the run needs " + std::to_string(required) +
                         " open files but the hard limit is " + std::to_string(limit.rlim_max) +
                         " (ulimit -Hn); raise it or split the host list");
  }
  if (limit.rlim_max == limit.rlim_cur) return change;  // Nothing to gain.
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return Status::Error(std::string("can't raise the open-file limit: ") + std::strerror(errno));
  }
  change.after = limit.rlim_cur;
  return change;
}

}  // namespace util
