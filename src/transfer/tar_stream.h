// A pull-based producer of the upload archive (the only libarchive user).
//
// TarStream turns the entries of CollectEntries() into one pax tar stream,
// chunk by chunk, in bounded memory whatever the file sizes: file data is
// read in 64 KiB blocks only when the consumer asks for the next chunk. It is
// the stream SOURCE; the sinks (SSH channels, and later relays) live
// elsewhere and all receive the same bytes.
//
// Format: POSIX pax (libarchive "pax"), 10 KiB records, readable by GNU tar
// >= 1.14 and bsdtar. Kept: regular files, directories, symlinks (target
// verbatim), hard links (second and later names of an inode are link
// entries without data), mode bits incl. setuid/setgid/sticky, mtime with
// nanoseconds, uid/gid with uname/gname. atime, ctime, xattrs, ACLs, file
// flags and sparseness (holes are sent as zeros) are not stored.
//
// Names and link targets are stored as their exact bytes, whatever the
// process locale: spaces, quotes, newlines and UTF-8 as is; an entry with a
// name that is not valid UTF-8 additionally gets the POSIX record
// "hdrcharset=BINARY", which bsdtar honours and GNU tar (1.34) ignores with
// the stderr line "Ignoring unknown extended header keyword 'hdrcharset'"
// (only for such entries; the bytes are still extracted exactly; GNU tar's
// --warning=no-unknown-keyword silences it).
//
// Ownership rule (--no-preserve-uid / --no-preserve-gid):
//   * preserved ids are stored as they are locally: numeric id plus the
//     local user/group name (a root tar on the host maps by name first, then
//     by number; pass --numeric-owner there to map by number only);
//   * a NOT preserved id is stored as 0 with name "root" (uid and gid
//     independently), i.e. "owned by whoever extracts": under sudo that is
//     root, and a non-root tar never chowns anyway;
//   * preserve_owner() is false when NEITHER id is preserved; the remote
//     command must then add --no-same-owner so that even a root tar leaves
//     the files to the extracting user and its primary group.
// Remote side, with M = options.completion_marker:
//   mkdir -p <root> && tar --directory <root> -x -p [--no-same-owner]
//       [--verbose] && test -f <root>/M && rm -f <root>/M
//   --no-same-owner when !preserve_owner(), --verbose at -v. -p keeps mode
//   bits exactly for a non-root tar, which is otherwise subject to its
//   umask. GNU tar and bsdtar both accept -p and --no-same-owner. The marker
//   test is what makes an aborted upload fail on the host: GNU tar exits 0
//   on an archive that merely stops at an entry boundary.
//
// Entries' local paths may be relative: the process's current directory
// must stay the one CollectEntries() ran in until the stream ends.
//
// Changing files: a regular file is opened when its turn comes and its
// header is made from fstat() of the open file (so a file edited since the
// walk is stored as it is now, consistently). If it has vanished, became
// unreadable, is no longer a regular file, or shrinks or grows while it is
// read, Next() fails with an error naming the file; the archive is never
// silently padded or truncated. After an error the stream is dead: every
// later Next() returns the same error. The consumer then just closes the
// hosts' input: the marker is missing, so the remote command above fails on
// every host. (Directories and symlinks are written from the walk's data.)
#ifndef ORGALORG_TRANSFER_TAR_STREAM_H_
#define ORGALORG_TRANSFER_TAR_STREAM_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "transfer/file_walk.h"
#include "transfer/upload_options.h"
#include "util/status.h"

struct archive;
struct archive_entry_linkresolver;
struct archive_entry;

namespace transfer {

class TarStream {
 public:
  // A sensible chunk size for Next().
  static constexpr size_t kDefaultChunkBytes = 256 * 1024;

  // Prepares a stream of `entries` (in order). Reads nothing yet. Uses
  // options.preserve_uid, preserve_gid and completion_marker.
  static util::StatusOr<std::unique_ptr<TarStream>> Create(
      std::vector<Entry> entries, const UploadOptions& options = {});

  ~TarStream();
  TarStream(const TarStream&) = delete;
  TarStream& operator=(const TarStream&) = delete;

  // Clears `out` and fills it with the next bytes of the archive: about
  // `max_bytes` of them (it stops once `max_bytes` is reached and may exceed
  // it by at most one 10 KiB record plus one entry header; max_bytes < 512
  // counts as 512). Returns OK with an empty `out` once the whole archive,
  // end-of-archive blocks included, has been produced. On error `out` is
  // empty (see "Changing files" above).
  util::Status Next(std::string* out, size_t max_bytes);

  // Total archive bytes handed out by Next() so far.
  uint64_t bytes_produced() const { return bytes_produced_; }

  // False when neither uid nor gid is preserved: add --no-same-owner to the
  // remote tar -x (see the ownership rule above).
  bool preserve_owner() const {
    return options_.preserve_uid || options_.preserve_gid;
  }

 private:
  TarStream(std::vector<Entry> entries, const UploadOptions& options);

  util::Status Init();
  // One step of work: writes the next header, or the next data block of the
  // current file, or the completion marker, or the archive trailer.
  util::Status Step(size_t budget);
  util::Status StartEntry(const Entry& entry);
  // uid/gid and their names as the options preserve them (else root).
  void SetOwner(struct archive_entry* e, const struct stat& st);
  util::Status WriteMarker();
  util::Status WriteData(size_t budget);
  util::Status FinishFile();
  util::Status ArchiveError(const std::string& context);
  const std::string& UserName(uid_t uid);
  const std::string& GroupName(gid_t gid);
  // Receives archive bytes from libarchive (via TarStreamCallbacks).
  void Append(const char* data, size_t size);
  friend struct TarStreamCallbacks;

  std::vector<Entry> entries_;
  UploadOptions options_;
  size_t next_entry_ = 0;

  struct archive* archive_ = nullptr;
  struct archive_entry_linkresolver* resolver_ = nullptr;
  std::string* out_ = nullptr;  // Chunk being filled; null: discard.

  // The regular file whose data is being written.
  int fd_ = -1;
  const Entry* file_ = nullptr;
  uint64_t file_left_ = 0;
  std::unique_ptr<char[]> buffer_;

  bool marker_written_ = false;
  bool done_ = false;
  util::Status failed_;
  uint64_t bytes_produced_ = 0;

  std::map<uid_t, std::string> user_names_;
  std::map<gid_t, std::string> group_names_;
};

}  // namespace transfer

#endif  // ORGALORG_TRANSFER_TAR_STREAM_H_
