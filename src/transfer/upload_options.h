// Options that shape the uploaded archive (orgalorg(1), UPLOAD).
//
// One struct shared by the file walk (paths) and the tar stream (ownership),
// filled by app/ from -e, --no-preserve-uid and --no-preserve-gid.
#ifndef ORGALORG_TRANSFER_UPLOAD_OPTIONS_H_
#define ORGALORG_TRANSFER_UPLOAD_OPTIONS_H_

#include <string>

namespace transfer {

struct UploadOptions {
  // -e/--relative: keep each path as given on the command line instead of
  // its absolute local path.
  bool relative = false;
  // --no-preserve-uid / --no-preserve-gid. See tar_stream.h for the exact
  // ownership rule and the matching remote `tar -x` flags.
  bool preserve_uid = true;
  bool preserve_gid = true;
  // If not empty: the archive path of an empty file (mode 0600) that the
  // tar stream appends after every entry, so that the remote side can tell
  // a complete archive from one cut short at an entry boundary, which GNU
  // tar extracts with exit status 0. Should be unique per run, e.g.
  // ".orgalorg-upload-<run-id>". See tar_stream.h.
  std::string completion_marker;
};

}  // namespace transfer

#endif  // ORGALORG_TRANSFER_UPLOAD_OPTIONS_H_
