#include "output/fold_buffer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <utility>

namespace output {
namespace {

constexpr size_t kReadChunk = 64 * 1024;
constexpr uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;

uint64_t Fnv1a(uint64_t hash, std::string_view bytes) {
  for (char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= kFnvPrime;
  }
  return hash;
}

util::Status NoSuchHost(size_t host, size_t hosts) {
  return util::Status::Error("no host " + std::to_string(host) +
                             " in a fold buffer of " + std::to_string(hosts) +
                             " hosts");
}

}  // namespace

// Pulls a host's bytes piece by piece: the memory part, then each extent in
// pieces of at most kReadChunk bytes read into its own buffer.
class FoldBuffer::Reader {
 public:
  Reader(const FoldBuffer& buffer, const Host& host)
      : buffer_(buffer), host_(host) {}

  // Sets `*piece` to the next bytes, or to an empty view at the end.
  util::Status Next(std::string_view* piece) {
    if (!memory_done_) {
      memory_done_ = true;
      if (!host_.memory.empty()) {
        *piece = host_.memory;
        return util::Status::Ok();
      }
    }
    while (extent_ < host_.extents.size()) {
      const Extent& extent = host_.extents[extent_];
      if (within_ == extent.length) {
        ++extent_;
        within_ = 0;
        continue;
      }
      size_t length = static_cast<size_t>(
          std::min<uint64_t>(kReadChunk, extent.length - within_));
      chunk_.resize(length);
      size_t done = 0;
      while (done < length) {
        ssize_t n =
            pread(buffer_.spill_fd_, chunk_.data() + done, length - done,
                  static_cast<off_t>(extent.offset + within_ + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          return util::Status::Error(
              "can't read the spill file for --fold in " + buffer_.spill_dir_ +
              ": " +
              (n == 0 ? "unexpected end of file" : std::strerror(errno)));
        }
        done += static_cast<size_t>(n);
      }
      within_ += length;
      *piece = std::string_view(chunk_.data(), length);
      return util::Status::Ok();
    }
    *piece = std::string_view();
    return util::Status::Ok();
  }

 private:
  const FoldBuffer& buffer_;
  const Host& host_;
  bool memory_done_ = false;
  size_t extent_ = 0;
  uint64_t within_ = 0;  // Bytes of extent_ already returned.
  std::string chunk_;
};

FoldBuffer::FoldBuffer(size_t hosts, size_t memory_per_host,
                       size_t memory_total)
    : hosts_(hosts),
      memory_per_host_(memory_per_host),
      memory_total_(memory_total) {
  for (Host& host : hosts_) host.hash = kFnvOffset;
}

FoldBuffer::~FoldBuffer() {
  if (spill_fd_ >= 0) close(spill_fd_);
}

util::Status FoldBuffer::Append(size_t host_index, std::string_view bytes) {
  if (host_index >= hosts_.size()) return NoSuchHost(host_index, hosts_.size());
  Host& host = hosts_[host_index];
  if (!host.spilling) {
    size_t room = 0;
    if (host.memory.size() < memory_per_host_ && memory_used_ < memory_total_) {
      room = std::min(memory_per_host_ - host.memory.size(),
                      memory_total_ - memory_used_);
    }
    std::string_view kept = bytes.substr(0, std::min(room, bytes.size()));
    host.memory.append(kept);
    memory_used_ += kept.size();
    host.size += kept.size();
    host.hash = Fnv1a(host.hash, kept);
    bytes.remove_prefix(kept.size());
    if (bytes.empty()) return util::Status::Ok();
    host.spilling = true;
  }
  return WriteSpill(host, bytes);
}

util::Status FoldBuffer::OpenSpill() {
  const char* tmpdir = std::getenv("TMPDIR");
  spill_dir_ = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  int fd = -1;
#ifdef O_TMPFILE
  fd = open(spill_dir_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
#endif
  if (fd < 0) {
    // No O_TMPFILE here (old kernel, or a file system without it).
    std::string path = spill_dir_ + "/orgalorg-fold-XXXXXX";
    fd = mkostemp(path.data(), O_CLOEXEC);
    if (fd < 0) {
      return util::Status::Error("can't create a spill file for --fold in " +
                                 spill_dir_ + ": " + std::strerror(errno));
    }
    if (unlink(path.c_str()) != 0) {
      int saved = errno;
      close(fd);
      return util::Status::Error("can't unlink the spill file " + path +
                                 " for --fold: " + std::strerror(saved));
    }
  }
  spill_fd_ = fd;
  return util::Status::Ok();
}

util::Status FoldBuffer::WriteSpill(Host& host, std::string_view bytes) {
  if (spill_fd_ < 0) {
    util::Status status = OpenSpill();
    if (!status.ok()) return status;
  }
  uint64_t start = spill_size_;
  size_t written = 0;
  int error = 0;
  while (written < bytes.size()) {
    ssize_t n =
        pwrite(spill_fd_, bytes.data() + written, bytes.size() - written,
               static_cast<off_t>(start + written));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n == 0 ? ENOSPC : errno;
      break;
    }
    written += static_cast<size_t>(n);
  }
  if (written > 0) {
    if (!host.extents.empty() &&
        host.extents.back().offset + host.extents.back().length == start) {
      host.extents.back().length += written;
    } else {
      host.extents.push_back({start, written});
    }
    spill_size_ += written;
    host.size += written;
    host.hash = Fnv1a(host.hash, bytes.substr(0, written));
  }
  if (error != 0) {
    return util::Status::Error("can't write the spill file for --fold in " +
                               spill_dir_ + ": " + std::strerror(error));
  }
  return util::Status::Ok();
}

size_t FoldBuffer::size(size_t host) const {
  return host < hosts_.size() ? static_cast<size_t>(hosts_[host].size) : 0;
}

util::Status FoldBuffer::ForEachChunk(
    size_t host, const std::function<void(std::string_view)>& fn) const {
  if (host >= hosts_.size()) return NoSuchHost(host, hosts_.size());
  Reader reader(*this, hosts_[host]);
  while (true) {
    std::string_view piece;
    util::Status status = reader.Next(&piece);
    if (!status.ok()) return status;
    if (piece.empty()) return util::Status::Ok();
    fn(piece);
  }
}

uint64_t FoldBuffer::ContentHash(size_t host) const {
  return hosts_[host].hash;
}

bool FoldBuffer::SameContent(size_t a, size_t b) const {
  if (hosts_[a].size != hosts_[b].size) return false;
  Reader reader_a(*this, hosts_[a]);
  Reader reader_b(*this, hosts_[b]);
  std::string_view piece_a;
  std::string_view piece_b;
  while (true) {
    if (piece_a.empty() && !reader_a.Next(&piece_a).ok()) return false;
    if (piece_b.empty() && !reader_b.Next(&piece_b).ok()) return false;
    if (piece_a.empty() || piece_b.empty()) {
      return piece_a.empty() && piece_b.empty();
    }
    size_t n = std::min(piece_a.size(), piece_b.size());
    if (std::memcmp(piece_a.data(), piece_b.data(), n) != 0) return false;
    piece_a.remove_prefix(n);
    piece_b.remove_prefix(n);
  }
}

std::vector<std::vector<size_t>> FoldBuffer::Groups() const {
  std::vector<std::vector<size_t>> groups;
  // (size, hash) -> the groups whose first host has them.
  std::map<std::pair<uint64_t, uint64_t>, std::vector<size_t>> candidates;
  for (size_t host = 0; host < hosts_.size(); ++host) {
    std::vector<size_t>& same_key =
        candidates[{hosts_[host].size, ContentHash(host)}];
    bool placed = false;
    for (size_t group : same_key) {
      if (SameContent(groups[group].front(), host)) {
        groups[group].push_back(host);
        placed = true;
        break;
      }
    }
    if (!placed) {
      same_key.push_back(groups.size());
      groups.push_back({host});
    }
  }
  // Groups were created in order of their first host: a stable sort by size
  // leaves ties by the smallest host index.
  std::stable_sort(
      groups.begin(), groups.end(),
      [](const std::vector<size_t>& a, const std::vector<size_t>& b) {
        return a.size() > b.size();
      });
  return groups;
}

}  // namespace output
