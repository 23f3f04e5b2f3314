// A host's extraction stderr (tar's), as an upload reports it (upload.h,
// relay_upload.h): the first lines are kept as the causes of the host's
// error, the rest counted; lines that are no cause are dropped.
#ifndef ORGALORG_CLUSTER_TAR_STDERR_H_
#define ORGALORG_CLUSTER_TAR_STDERR_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace cluster {

class TarStderr {
 public:
  // Most lines kept (tar's first complaints are the telling ones).
  static constexpr size_t kMaxLines = 20;

  // False for a line that says nothing: empty, the completion marker
  // (tar --verbose lists it), or GNU tar's warning about libarchive's
  // hdrcharset=BINARY keyword (a name that is not UTF-8, kept raw as wanted).
  static bool Telling(std::string_view line, std::string_view marker);

  void Keep(std::string_view line);
  // The stream ended before the archive did: tar said so (GNU tar's
  // "Unexpected EOF in archive"), or it said nothing at all about an
  // extraction that failed with `status` 1 (the stream ended at a header:
  // tar saw a clean end, the completion marker was missing).
  bool StreamCut(int status) const { return eof_seen_ || (status == 1 && !complained_); }
  // "extraction failed with exit code N" or "extraction killed by signal
  // S", the kept lines as its causes.
  util::Status Error(int status, const std::string& signal_name) const;

 private:
  std::vector<std::string> head_;
  size_t dropped_ = 0;
  bool eof_seen_ = false;   // A line saying the input ended early.
  bool complained_ = false; // A line that complains, not a file name.
};

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_TAR_STDERR_H_
