// Upload mode (-U): walk the files, connect, (lock,) stream one archive into
// the -r directory on every host.
#include <fmt/format.h>
#include <sys/stat.h>

#include "app/modes.h"
#include "app/run_id.h"
#include "app/setup.h"
#include "cluster/exit_summary.h"
#include "cluster/upload.h"
#include "transfer/file_walk.h"
#include "transfer/tar_stream.h"

namespace app {

int RunUploadMode(const cli::Options& options, output::Output& out) {
  transfer::UploadOptions upload;
  upload.relative = options.relative;
  upload.preserve_uid = !options.no_preserve_uid;
  upload.preserve_gid = !options.no_preserve_gid;
  upload.completion_marker = fmt::format(".orgalorg-upload-{}", NewRunId());

  // Every file is checked before anything is sent (or even connected).
  util::StatusOr<std::vector<transfer::Entry>> entries =
      transfer::CollectEntries(options.positional, upload);
  if (!entries.ok()) {
    out.Error(entries.status().Wrap("can't upload"));
    return kExitError;
  }
  uint64_t total_bytes = 0;
  for (const transfer::Entry& entry : *entries) {
    if (S_ISREG(entry.st.st_mode)) total_bytes += static_cast<uint64_t>(entry.st.st_size);
  }
  util::StatusOr<std::unique_ptr<transfer::TarStream>> stream =
      transfer::TarStream::Create(std::move(*entries), upload);
  if (!stream.ok()) {
    out.Error(stream.status().Wrap("can't upload"));
    return kExitError;
  }

  RunContext context(options, &out);
  util::Status status = context.Prepare();
  if (status.ok()) status = context.Connect();
  if (status.ok()) status = context.Lock();
  if (context.was_interrupted()) return context.StopStatus();
  if (!status.ok()) {
    out.Error(status);
    return kExitError;
  }

  cluster::UploadSpec spec;
  spec.root = options.root;
  spec.marker = upload.completion_marker;
  spec.preserve_owner = (*stream)->preserve_owner();
  spec.verbose = options.verbose > 0;
  spec.total_bytes = total_bytes;
  spec.wrapper.shell_template = options.shell;
  spec.wrapper.sudo = options.sudo;
  cluster::UploadResult result = cluster::UploadToAll(&context.loop(), &context.nodes(), stream->get(),
                                                      spec, &out, context.interrupted());
  if (result.interrupted) return context.StopStatus();
  context.Unlock();
  if (!result.error.ok()) {
    out.Error(result.error.Wrap("upload aborted, no host has the complete archive"));
    return kExitError;
  }
  util::Status summary = cluster::Summarize(result.outcomes);
  if (!summary.ok()) {
    out.Error(summary);
    return kExitError;
  }
  out.Log(output::Level::kDebug, fmt::format("uploaded {} bytes to {} nodes", result.bytes_sent,
                                             result.outcomes.size()));
  return kExitOk;
}

}  // namespace app
