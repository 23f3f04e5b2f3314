// The upload stage shared by -U and -S: check the files and build the tar
// stream before connecting, then stream it to every node.
#ifndef ORGALORG_APP_UPLOAD_PHASE_H_
#define ORGALORG_APP_UPLOAD_PHASE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "app/setup.h"
#include "cli/options.h"
#include "transfer/file_walk.h"
#include "transfer/tar_stream.h"
#include "transfer/upload_options.h"
#include "util/status.h"

namespace app {

struct PreparedUpload {
  PreparedUpload() = default;
  PreparedUpload(PreparedUpload&&) = default;
  PreparedUpload& operator=(PreparedUpload&&) = default;
  ~PreparedUpload();

  std::unique_ptr<transfer::TarStream> stream;
  std::string marker;        // Archive path of the completion marker.
  uint64_t total_bytes = 0;  // Sum of regular file sizes, for the ETA.
  std::string temp_file;     // Removed on destruction (the shipped sync tool).
  // What the stream was made from, to make it again (--relay's second pass).
  std::vector<transfer::Entry> entries;
  transfer::UploadOptions options;
};

// Walks options.positional (every file checked now, before anything is
// sent). With `sync_tool` non-empty, also ships it as `<root>/.orgalorg-sync`.
util::StatusOr<PreparedUpload> PrepareUpload(const cli::Options& options, uint64_t run_id,
                                             std::string_view sync_tool);

// Streams the archive into `root` on every node of `context`. Returns an
// error naming each failed host (the caller asks context.stopped() first).
// With `last_phase` (nothing runs after the upload) a host that has the
// whole archive is recorded as done.
util::Status RunUploadPhase(RunContext& context, const cli::Options& options, PreparedUpload& upload,
                            const std::string& root, bool last_phase);

// The archive path of the shipped sync tool.
inline constexpr const char* kShippedSyncTool = ".orgalorg-sync";

}  // namespace app

#endif  // ORGALORG_APP_UPLOAD_PHASE_H_
