// The soft limit on open files (RLIMIT_NOFILE), raised when a run needs more.
//
// Every host costs the client one socket; the process also needs a few
// descriptors of its own (epoll, signal pipe, terminal, files it reads).
// Distributions often ship a soft limit of 1024 with a much higher hard one,
// which would make a run over about a thousand hosts fail with "Too many open
// files" half-way through.
#ifndef ORGALORG_UTIL_FD_LIMIT_H_
#define ORGALORG_UTIL_FD_LIMIT_H_

#include <cstdint>
#include <string>

#include "util/status.h"

namespace util {

// Descriptors a run over `hosts` hosts wants: one per host plus a reserve of
// 64; it can't work with fewer than one per host plus 16.
uint64_t OpenFilesWanted(uint64_t hosts);
uint64_t OpenFilesRequired(uint64_t hosts);

struct FdLimitChange {
  uint64_t before = 0;  // Soft limit found.
  uint64_t after = 0;   // Soft limit now (== before when nothing changed).
};

// When the soft limit is below OpenFilesWanted(hosts), raises it to the hard
// limit (never lowers it). Fails when even the hard limit is below
// OpenFilesRequired(hosts), naming both numbers, so that the run stops
// before it connects to anything.
StatusOr<FdLimitChange> EnsureOpenFilesFor(uint64_t hosts);

}  // namespace util

#endif  // ORGALORG_UTIL_FD_LIMIT_H_
