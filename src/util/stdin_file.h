// Standard input as a file that can be opened by path, for `-i -`.
//
// A regular file on stdin (`< file`) is used in place. Anything else (a
// pipe, a terminal) is first read to its end into an unlinked temporary
// file under $TMPDIR (else /tmp), mode 0600: the run then never waits on the
// producer while it holds the hosts' lock, and the input is streamed to
// every host from that one copy. The returned path (/proc/self/fd/N) stays
// valid for the life of the process; the copy disappears with it.
#ifndef ORGALORG_UTIL_STDIN_FILE_H_
#define ORGALORG_UTIL_STDIN_FILE_H_

#include <string>

#include "util/status.h"

namespace util {

// `fd` is normally 0; tests pass another descriptor.
StatusOr<std::string> StdinAsFile(int fd = 0);

}  // namespace util

#endif  // ORGALORG_UTIL_STDIN_FILE_H_
