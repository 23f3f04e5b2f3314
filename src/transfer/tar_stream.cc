#include "transfer/tar_stream.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <grp.h>
#include <locale.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <utility>

namespace transfer {

using util::Status;
using util::StatusOr;

namespace {

constexpr size_t kReadBlock = 64 * 1024;
constexpr int kBytesPerRecord = 10240;
constexpr size_t kMinChunk = 512;

Status OsError(const std::string& what, const std::string& path, int err) {
  return Status::Error(std::strerror(err)).Wrap(what + " " + path);
}

// libarchive converts names from the current locale's charset to UTF-8 for
// pax headers, and writes the raw bytes plus hdrcharset=BINARY when that
// fails. Under "C.UTF-8" that means: valid UTF-8 is stored as is, anything
// else raw with hdrcharset=BINARY. All libarchive calls run under C.UTF-8
// (thread-locally) so that the process's locale (e.g. a Latin-1 LANG) can
// never rewrite names. (glibc >= 2.35 always has C.UTF-8; without it, "C"
// still stores exact bytes, only with hdrcharset=BINARY for any non-ASCII.)
class ScopedCLocale {
 public:
  ScopedCLocale() {
    static locale_t c_locale = [] {
      locale_t l = newlocale(LC_ALL_MASK, "C.UTF-8", locale_t{});
      if (l == locale_t{}) l = newlocale(LC_ALL_MASK, "C", locale_t{});
      return l;
    }();
    if (c_locale != locale_t{}) old_ = uselocale(c_locale);
  }
  ~ScopedCLocale() {
    if (old_ != locale_t{}) uselocale(old_);
  }
  ScopedCLocale(const ScopedCLocale&) = delete;
  ScopedCLocale& operator=(const ScopedCLocale&) = delete;

 private:
  locale_t old_{};
};

struct EntryDeleter {
  void operator()(struct archive_entry* e) const { archive_entry_free(e); }
};
using EntryPtr = std::unique_ptr<struct archive_entry, EntryDeleter>;

}  // namespace

struct TarStreamCallbacks {
  static la_ssize_t Write(struct archive*, void* client, const void* buffer,
                          size_t length) {
    static_cast<TarStream*>(client)->Append(static_cast<const char*>(buffer),
                                            length);
    return static_cast<la_ssize_t>(length);
  }
};

TarStream::TarStream(std::vector<Entry> entries, const UploadOptions& options)
    : entries_(std::move(entries)),
      options_(options),
      buffer_(new char[kReadBlock]) {}

TarStream::~TarStream() {
  ScopedCLocale locale;
  out_ = nullptr;  // Whatever libarchive still flushes is discarded.
  if (fd_ >= 0) close(fd_);
  if (archive_ != nullptr) archive_write_free(archive_);
  if (resolver_ != nullptr) archive_entry_linkresolver_free(resolver_);
}

StatusOr<std::unique_ptr<TarStream>> TarStream::Create(
    std::vector<Entry> entries, const UploadOptions& options) {
  std::unique_ptr<TarStream> stream(
      new TarStream(std::move(entries), options));
  Status s = stream->Init();
  if (!s.ok()) return s;
  return stream;
}

Status TarStream::Init() {
  archive_ = archive_write_new();
  resolver_ = archive_entry_linkresolver_new();
  if (archive_ == nullptr || resolver_ == nullptr) {
    return Status::Error("can't create the tar writer: out of memory");
  }
  ScopedCLocale locale;
  if (archive_write_set_format_pax(archive_) != ARCHIVE_OK ||
      archive_write_set_bytes_per_block(archive_, kBytesPerRecord) !=
          ARCHIVE_OK ||
      archive_write_open(archive_, this, nullptr, &TarStreamCallbacks::Write,
                         nullptr) != ARCHIVE_OK) {
    return ArchiveError("can't set up the tar writer");
  }
  archive_entry_linkresolver_set_strategy(resolver_, archive_format(archive_));
  return Status::Ok();
}

Status TarStream::ArchiveError(const std::string& context) {
  const char* message = archive_error_string(archive_);
  return Status::Error(message != nullptr ? message : "unknown tar error")
      .Wrap(context);
}

void TarStream::Append(const char* data, size_t size) {
  if (out_ != nullptr) out_->append(data, size);
}

Status TarStream::Next(std::string* out, size_t max_bytes) {
  out->clear();
  if (!failed_.ok()) return failed_;
  max_bytes = std::max(max_bytes, kMinChunk);
  out_ = out;
  ScopedCLocale locale;
  while (!done_ && out->size() < max_bytes) {
    Status s = Step(max_bytes - out->size());
    if (!s.ok()) {
      failed_ = s;
      out_ = nullptr;
      out->clear();
      if (fd_ >= 0) close(fd_);
      fd_ = -1;
      return s;
    }
  }
  out_ = nullptr;
  bytes_produced_ += out->size();
  return Status::Ok();
}

Status TarStream::Step(size_t budget) {
  if (fd_ >= 0) return WriteData(budget);
  if (next_entry_ < entries_.size()) return StartEntry(entries_[next_entry_++]);
  if (!marker_written_ && !options_.completion_marker.empty()) {
    marker_written_ = true;
    return WriteMarker();
  }
  if (archive_write_close(archive_) != ARCHIVE_OK) {
    return ArchiveError("can't finish the archive");
  }
  done_ = true;
  return Status::Ok();
}

// Opens the regular file at `path` (never through a symlink) into *fd and
// takes its stat again from the open file (it may have changed since the
// walk).
Status OpenRegularFile(const std::string& path, struct stat* st, int* fd) {
  *fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
  if (*fd < 0) return OsError("can't open", path, errno);
  Status status;
  if (fstat(*fd, st) != 0) {
    status = OsError("can't stat", path, errno);
  } else if (!S_ISREG(st->st_mode)) {
    status = Status::Error("no longer a regular file: " + path);
  }
  if (!status.ok()) {
    close(*fd);
    *fd = -1;
  }
  return status;
}

void TarStream::SetOwner(struct archive_entry* e, const struct stat& st) {
  uid_t uid = options_.preserve_uid ? st.st_uid : 0;
  gid_t gid = options_.preserve_gid ? st.st_gid : 0;
  archive_entry_set_uid(e, uid);
  archive_entry_set_gid(e, gid);
  const std::string& uname = options_.preserve_uid ? UserName(uid) : "root";
  const std::string& gname = options_.preserve_gid ? GroupName(gid) : "root";
  if (!uname.empty()) archive_entry_copy_uname(e, uname.c_str());
  if (!gname.empty()) archive_entry_copy_gname(e, gname.c_str());
}

Status TarStream::StartEntry(const Entry& entry) {
  const std::string& path = entry.local_path;
  struct stat st = entry.st;
  int fd = -1;
  if (S_ISREG(st.st_mode)) {
    Status opened = OpenRegularFile(path, &st, &fd);
    if (!opened.ok()) return opened;
  }
  // From here on fd_ owns the descriptor (closed by Next() on error).
  fd_ = fd;

  EntryPtr e(archive_entry_new());
  if (!e) return Status::Error("out of memory");
  archive_entry_copy_stat(e.get(), &st);
  archive_entry_unset_atime(e.get());
  archive_entry_unset_ctime(e.get());
  archive_entry_unset_birthtime(e.get());
  archive_entry_copy_pathname(e.get(), entry.archive_path.c_str());
  if (S_ISLNK(st.st_mode)) {
    archive_entry_copy_symlink(e.get(), entry.link_target.c_str());
  }
  if (!S_ISREG(st.st_mode)) archive_entry_set_size(e.get(), 0);

  SetOwner(e.get(), st);

  struct archive_entry* raw = e.release();
  struct archive_entry* spare = nullptr;
  archive_entry_linkify(resolver_, &raw, &spare);
  e.reset(raw);
  EntryPtr spare_owner(spare);  // Unused by the tar strategy; freed.
  if (!e) return Status::Error("internal error: hard link resolver");

  bool has_data = fd_ >= 0 && archive_entry_hardlink(e.get()) == nullptr;
  if (fd_ >= 0 && !has_data) {
    close(fd_);
    fd_ = -1;
  }
  // ARCHIVE_WARN here only means "a name is not UTF-8, written as raw bytes
  // with hdrcharset=BINARY", which is lossless.
  if (archive_write_header(archive_, e.get()) < ARCHIVE_WARN) {
    return ArchiveError("can't write the tar header of " + path);
  }
  if (has_data) {
    file_ = &entry;
    file_left_ = static_cast<uint64_t>(archive_entry_size(e.get()));
    if (file_left_ == 0) return FinishFile();
  }
  return Status::Ok();
}

Status TarStream::WriteMarker() {
  EntryPtr e(archive_entry_new());
  if (!e) return Status::Error("out of memory");
  archive_entry_copy_pathname(e.get(), options_.completion_marker.c_str());
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_perm(e.get(), 0600);
  archive_entry_set_size(e.get(), 0);
  archive_entry_set_mtime(e.get(), time(nullptr), 0);
  archive_entry_set_uid(e.get(), 0);
  archive_entry_set_gid(e.get(), 0);
  archive_entry_copy_uname(e.get(), "root");
  archive_entry_copy_gname(e.get(), "root");
  if (archive_write_header(archive_, e.get()) < ARCHIVE_WARN) {
    return ArchiveError("can't write the completion marker");
  }
  return Status::Ok();
}

Status TarStream::WriteData(size_t budget) {
  size_t want = std::min<uint64_t>(file_left_, kReadBlock);
  want = std::min(want, std::max(budget, kMinChunk));
  ssize_t n;
  do {
    n = read(fd_, buffer_.get(), want);
  } while (n < 0 && errno == EINTR);
  const std::string& path = file_->local_path;
  if (n < 0) return OsError("can't read", path, errno);
  if (n == 0) {
    return Status::Error("file shrank while being read: " + path + " (" +
                         std::to_string(file_left_) + " bytes missing)");
  }
  la_ssize_t written = archive_write_data(archive_, buffer_.get(), n);
  if (written != n) return ArchiveError("can't write the data of " + path);
  file_left_ -= static_cast<uint64_t>(n);
  if (file_left_ == 0) return FinishFile();
  return Status::Ok();
}

Status TarStream::FinishFile() {
  const std::string& path = file_->local_path;
  char probe;
  ssize_t n;
  do {
    n = read(fd_, &probe, 1);
  } while (n < 0 && errno == EINTR);
  int err = errno;
  close(fd_);
  fd_ = -1;
  file_ = nullptr;
  if (n < 0) return OsError("can't read", path, err);
  if (n > 0) return Status::Error("file grew while being read: " + path);
  if (archive_write_finish_entry(archive_) != ARCHIVE_OK) {
    return ArchiveError("can't write the data of " + path);
  }
  return Status::Ok();
}

const std::string& TarStream::UserName(uid_t uid) {
  auto it = user_names_.find(uid);
  if (it != user_names_.end()) return it->second;
  std::string name;
  std::vector<char> buf(16384);
  struct passwd pw;
  struct passwd* result = nullptr;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &result) == 0 &&
      result != nullptr) {
    name = result->pw_name;
  }
  return user_names_.emplace(uid, std::move(name)).first->second;
}

const std::string& TarStream::GroupName(gid_t gid) {
  auto it = group_names_.find(gid);
  if (it != group_names_.end()) return it->second;
  std::string name;
  std::vector<char> buf(16384);
  struct group gr;
  struct group* result = nullptr;
  if (getgrgid_r(gid, &gr, buf.data(), buf.size(), &result) == 0 &&
      result != nullptr) {
    name = result->gr_name;
  }
  return group_names_.emplace(gid, std::move(name)).first->second;
}

}  // namespace transfer
