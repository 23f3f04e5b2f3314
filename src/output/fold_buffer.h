// Each host's output kept for `--fold`: at the end of a run, hosts whose
// output is byte-identical are printed once (hosts/node_fold.h names them).
//
// Append() stores bytes in arrival order. A host's bytes stay in memory
// while that host holds fewer than `memory_per_host` bytes in memory and all
// hosts together fewer than `memory_total`; from the first byte past either
// cap, the rest of THAT host's output goes to one spill file shared by all
// hosts. So memory holds at most min(hosts * memory_per_host, memory_total)
// output bytes (plus std::string growth slack), plus 16 bytes of
// bookkeeping per spilled piece that does not directly follow the same
// host's previous piece in the file, plus up to two 64 KiB read buffers
// while Groups() or ForEachChunk() runs.
//
// The spill file is created on first need, unnamed, in $TMPDIR (or /tmp
// when unset or empty): open(O_TMPFILE), else mkstemp() and an immediate
// unlink(). Nothing is left on disk, even after a crash. It is closed by
// the destructor.
//
// Errors are returned, naming the directory and the cause:
//   can't create a spill file for --fold in /tmp: Permission denied
//   can't write the spill file for --fold in /tmp: No space left on device
//   can't read the spill file for --fold in /tmp: Input/output error
// After a failed Append() the part of `bytes` not yet stored is dropped, so
// that host's stored output is incomplete; later Appends still work.
//
// Groups() partitions the hosts by identical content. A 64-bit FNV-1a hash
// and the size pick candidates; equality is then confirmed by comparing the
// bytes, streamed, against the group's first host, so different outputs are
// never merged, even on a hash collision. A spill-file read error while
// comparing counts as "different" (never merges).
//
// `host` arguments must be < `hosts` (Append and ForEachChunk return an
// error otherwise; size() returns 0). Not thread-safe.
#ifndef ORGALORG_OUTPUT_FOLD_BUFFER_H_
#define ORGALORG_OUTPUT_FOLD_BUFFER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace output {

class FoldBuffer {
 public:
  explicit FoldBuffer(size_t hosts, size_t memory_per_host = 64 * 1024,
                      size_t memory_total = 32 << 20);
  virtual ~FoldBuffer();

  FoldBuffer(const FoldBuffer&) = delete;
  FoldBuffer& operator=(const FoldBuffer&) = delete;

  // Adds `bytes` to the end of `host`'s output.
  util::Status Append(size_t host, std::string_view bytes);

  // All bytes of `host` so far, in memory and spilled.
  size_t size(size_t host) const;

  // Calls `fn` with `host`'s bytes in order, in pieces of at most 64 KiB for
  // the spilled part (never with an empty piece). The views are valid only
  // during the call. Stops at the first read error and returns it.
  util::Status ForEachChunk(
      size_t host, const std::function<void(std::string_view)>& fn) const;

  // Every host in exactly one group; hosts of a group have byte-identical
  // output (empty included). Largest group first, ties by smallest host
  // index; hosts in increasing index order within a group.
  std::vector<std::vector<size_t>> Groups() const;

  // Bytes held in memory for all hosts (for tests and metrics).
  size_t memory_used() const { return memory_used_; }

 protected:
  // The hash Groups() uses as a first key (with the size): FNV-1a of all of
  // `host`'s bytes. Tests override it to force collisions.
  virtual uint64_t ContentHash(size_t host) const;

 private:
  struct Extent {
    uint64_t offset = 0;
    uint64_t length = 0;
  };
  struct Host {
    std::string memory;           // The first bytes.
    bool spilling = false;        // All further bytes go to the file.
    std::vector<Extent> extents;  // The rest, in order, in the spill file.
    uint64_t size = 0;
    uint64_t hash = 0;
  };
  class Reader;

  util::Status OpenSpill();
  util::Status WriteSpill(Host& host, std::string_view bytes);
  bool SameContent(size_t a, size_t b) const;

  std::vector<Host> hosts_;
  size_t memory_per_host_;
  size_t memory_total_;
  size_t memory_used_ = 0;
  std::string spill_dir_;  // Where the spill file is (for messages).
  int spill_fd_ = -1;
  uint64_t spill_size_ = 0;
};

}  // namespace output

#endif  // ORGALORG_OUTPUT_FOLD_BUFFER_H_
