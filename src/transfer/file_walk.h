// The list of entries to upload, computed from the file arguments.
//
// CollectEntries() lstat()s every argument and walks directories recursively
// (symlinks are never followed: a symlink is an entry of its own). It holds
// only paths and stat data, never file contents, and checks everything an
// upload needs BEFORE any byte is sent:
//   * a missing path            -> "can't stat <path>: <OS cause>"
//   * an unreadable file or dir -> "can't read <path>: <OS cause>"
//   * a FIFO, socket or device  -> "unsupported file type (<kind>): <path>"
//   * with -e, a path that would leave the upload root ("../x")
//                               -> "path escapes the upload root: <path>"
//
// Archive paths (orgalorg(1), UPLOAD) never start with "/" and never contain "."
// or ".." components or empty components:
//   * default: the absolute local path without its leading "/", cleaned
//     lexically (cwd /b/c, argument "a" or "./a" -> "b/c/a"; "../d" -> "b/d";
//     "/" itself -> ".");
//   * relative (-e): the path as given, cleaned lexically ("./x//y/" ->
//     "x/y", "a/../b" -> "b"); an absolute path loses its leading "/"; "." ->
//     "." whose children are stored as plain names.
// Only the given paths and what is below them are entries: parents of a given
// path are not (the extracting tar creates missing parents).
//
// Order: arguments in the given order, each directory before its contents,
// directory contents sorted bytewise. An archive path that occurs twice (an
// argument given twice, or "d" and "d/x") is kept once, at its first place.
#ifndef ORGALORG_TRANSFER_FILE_WALK_H_
#define ORGALORG_TRANSFER_FILE_WALK_H_

#include <sys/stat.h>

#include <string>
#include <vector>

#include "transfer/upload_options.h"
#include "util/status.h"

namespace transfer {

struct Entry {
  std::string local_path;    // Where to read it locally (arg-based, may be
                             // relative to the process's cwd).
  std::string archive_path;  // Its name inside the archive (see above).
  struct stat st = {};       // lstat() at walk time.
  std::string link_target;   // readlink() for symlinks, empty otherwise.
};

// Walks `paths` (as given on the command line). Only options.relative is
// used here. Relative arguments are resolved against the current directory.
util::StatusOr<std::vector<Entry>> CollectEntries(
    const std::vector<std::string>& paths, const UploadOptions& options);

// Cleans `path` lexically into an archive path as described above. With
// `allow_escape` false (the -e case), ".." above the start is an error;
// otherwise it stays at the top ("/.." is "/"). Exposed for tests.
util::StatusOr<std::string> CleanArchivePath(const std::string& path,
                                             bool allow_escape);

}  // namespace transfer

#endif  // ORGALORG_TRANSFER_FILE_WALK_H_
