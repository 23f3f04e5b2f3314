// Replacing a file's contents all at once.
//
// WriteFileAtomically(path, contents) writes `contents` to a new temporary
// file in the same directory as `path` (so that rename(2) stays within one
// filesystem), flushes it to disk, and renames it over `path`: a reader sees
// either the old file or the complete new one, never a part. The new file
// gets mode 0644 minus the umask. On any error nothing at `path` changes,
// the temporary file is removed, and the Status names `path` and the cause
// ("can't write ./failed: No space left on device").
#ifndef ORGALORG_UTIL_ATOMIC_FILE_H_
#define ORGALORG_UTIL_ATOMIC_FILE_H_

#include <string>
#include <string_view>

#include "util/status.h"

namespace util {

Status WriteFileAtomically(const std::string& path, std::string_view contents);

// Whether a file could be written at `path` later: its directory exists and
// is writable, and `path` is not a directory. For failing fast, before a
// run starts; not a guarantee.
Status CheckWritable(const std::string& path);

}  // namespace util

#endif  // ORGALORG_UTIL_ATOMIC_FILE_H_
