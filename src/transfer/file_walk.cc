#include "transfer/file_walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_set>
#include <utility>

namespace transfer {
namespace {

using util::Status;
using util::StatusOr;

Status OsError(const std::string& what, const std::string& path, int err) {
  return Status::Error(std::strerror(err)).Wrap(what + " " + path);
}

// The kind of a file type that cannot be uploaded, or nullptr if it can.
const char* UnsupportedKind(mode_t mode) {
  if (S_ISREG(mode) || S_ISDIR(mode) || S_ISLNK(mode)) return nullptr;
  if (S_ISFIFO(mode)) return "fifo";
  if (S_ISSOCK(mode)) return "socket";
  if (S_ISCHR(mode)) return "character device";
  if (S_ISBLK(mode)) return "block device";
  return "unknown";
}

StatusOr<std::string> CurrentDirectory() {
  std::string buf(256, '\0');
  while (getcwd(buf.data(), buf.size()) == nullptr) {
    if (errno != ERANGE) {
      return OsError("can't get", "the current directory", errno);
    }
    buf.resize(buf.size() * 2);
  }
  buf.resize(std::strlen(buf.c_str()));
  return buf;
}

StatusOr<std::string> ReadLink(const std::string& path, off_t size_hint) {
  std::string target(static_cast<size_t>(std::max<off_t>(size_hint, 64)) + 1,
                     '\0');
  for (;;) {
    ssize_t n = readlink(path.c_str(), target.data(), target.size());
    if (n < 0) return OsError("can't read symlink", path, errno);
    if (static_cast<size_t>(n) < target.size()) {
      target.resize(static_cast<size_t>(n));
      return target;
    }
    target.resize(target.size() * 2);
  }
}

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir == ".") return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

class Walker {
 public:
  explicit Walker(std::vector<Entry>* out) : out_(out) {}

  // Adds `local` (already lstat()ed as `st`) and everything below it.
  Status Add(const std::string& local, const std::string& archive,
             const struct stat& st) {
    if (const char* kind = UnsupportedKind(st.st_mode)) {
      return Status::Error(std::string("unsupported file type (") + kind +
                           "): " + local);
    }
    Entry entry;
    entry.local_path = local;
    entry.archive_path = archive;
    entry.st = st;
    if (S_ISLNK(st.st_mode)) {
      StatusOr<std::string> target = ReadLink(local, st.st_size);
      if (!target.ok()) return target.status();
      entry.link_target = std::move(*target);
    } else if (S_ISREG(st.st_mode)) {
      if (faccessat(AT_FDCWD, local.c_str(), R_OK, AT_EACCESS) != 0) {
        return OsError("can't read", local, errno);
      }
    }
    bool fresh = seen_.insert(archive).second;
    if (fresh) out_->push_back(std::move(entry));
    if (S_ISDIR(st.st_mode)) return AddChildren(local, archive);
    return Status::Ok();
  }

 private:
  Status AddChildren(const std::string& local, const std::string& archive) {
    std::vector<std::string> names;
    {
      DIR* dir = opendir(local.c_str());
      if (dir == nullptr) return OsError("can't read", local, errno);
      for (;;) {
        errno = 0;
        struct dirent* d = readdir(dir);
        if (d == nullptr) break;
        if (std::strcmp(d->d_name, ".") == 0 ||
            std::strcmp(d->d_name, "..") == 0) {
          continue;
        }
        names.emplace_back(d->d_name);
      }
      int err = errno;
      closedir(dir);
      if (err != 0) return OsError("can't read", local, err);
    }
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      std::string child = JoinPath(local, name);
      struct stat st;
      if (lstat(child.c_str(), &st) != 0) {
        return OsError("can't stat", child, errno);
      }
      Status s = Add(child, JoinPath(archive, name), st);
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }

  std::vector<Entry>* out_;
  std::unordered_set<std::string> seen_;
};

}  // namespace

StatusOr<std::string> CleanArchivePath(const std::string& path,
                                       bool allow_escape) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    std::string part = path.substr(pos, slash - pos);
    pos = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) {
        parts.pop_back();
      } else if (!allow_escape) {
        return Status::Error("path escapes the upload root: " + path);
      }
      continue;
    }
    parts.push_back(std::move(part));
  }
  if (parts.empty()) return std::string(".");
  std::string out;
  for (const std::string& part : parts) {
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

StatusOr<std::vector<Entry>> CollectEntries(
    const std::vector<std::string>& paths, const UploadOptions& options) {
  std::vector<Entry> entries;
  Walker walker(&entries);
  std::string cwd;
  for (const std::string& path : paths) {
    if (path.empty()) return Status::Error("empty file name");
    std::string full = path;
    if (!options.relative && path[0] != '/') {
      if (cwd.empty()) {
        StatusOr<std::string> dir = CurrentDirectory();
        if (!dir.ok()) return dir.status();
        cwd = std::move(*dir);
      }
      full = JoinPath(cwd, path);
    }
    StatusOr<std::string> archive =
        CleanArchivePath(full, /*allow_escape=*/!options.relative);
    if (!archive.ok()) return archive.status();
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) {
      int err = errno;
      // Options come before the files: a missing "-g" likely came after them.
      bool optionlike = err == ENOENT && path[0] == '-';
      std::string hint = optionlike ? " (options come before the files: it was taken as a file)" : "";
      return OsError("can't stat", path + hint, err);
    }
    Status s = walker.Add(path, *archive, st);
    if (!s.ok()) return s;
  }
  return entries;
}

}  // namespace transfer
