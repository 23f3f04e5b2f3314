#include "app/upload_phase.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "cluster/exit_summary.h"
#include "cluster/relay_upload.h"
#include "cluster/upload.h"
#include "ssh/private_agent.h"
#include "transfer/file_walk.h"
#include "output/output.h"

namespace app {
namespace {

// Writes `content` to a new private temp file with mode 0755.
util::StatusOr<std::string> WriteTempScript(std::string_view content) {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string path = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/orgalorg-sync.XXXXXX";
  int fd = mkstemp(path.data());
  if (fd < 0) return util::Status::Error("can't create a temporary file: " + std::string(std::strerror(errno)));
  bool ok = write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
            fchmod(fd, 0755) == 0;
  int saved = errno;
  close(fd);
  if (!ok) {
    unlink(path.c_str());
    return util::Status::Error("can't write " + path + ": " + std::strerror(saved));
  }
  return path;
}

// --relay: the fan-out, the timeouts of the hops, the archive again for
// the second pass. The agent is set by the caller.
cluster::RelaySpec RelayFor(const cli::Options& options, const PreparedUpload& upload) {
  cluster::RelaySpec relay;
  relay.restream = [&upload] { return transfer::TarStream::Create(upload.entries, upload.options); };
  relay.fanout = static_cast<size_t>(options.relay_fanout);
  relay.timeouts.connect_s = std::max(1, (options.conn_timeout_ms + 999) / 1000);
  relay.timeouts.alive_s = std::max(1, (options.keep_alive_ms + 999) / 1000);
  return relay;
}

// The agent the hops authenticate with: the operator's, else a private one
// holding the run's keys (null then; it lives until the upload ends).
std::unique_ptr<ssh::PrivateAgent> AgentFor(RunContext& context, cluster::RelaySpec* relay) {
  const char* agent = std::getenv("SSH_AUTH_SOCK");
  if (agent != nullptr && *agent != '\0') {
    relay->agent_socket = agent;
    return nullptr;
  }
  util::StatusOr<std::unique_ptr<ssh::PrivateAgent>> own =
      ssh::PrivateAgent::Start(context.key_ring(), context.identity_files());
  if (own.ok() && (*own)->keys() > 0) {
    relay->agent_socket = (*own)->socket();
    context.out()->Log(output::Level::kDebug,
                       fmt::format("relay: a private ssh-agent holds the run's {} key(s)", (*own)->keys()));
    return std::move(*own);
  }
  util::Status why = own.ok() ? util::Status::Error("no key was loaded (password login?)") : own.status();
  context.out()->Warning(why.Wrap("--relay: no ssh-agent for the hops; hosts can pass the upload on only "
                                  "with keys of their own"));
  return nullptr;
}

}  // namespace

PreparedUpload::~PreparedUpload() {
  stream.reset();
  if (!temp_file.empty()) unlink(temp_file.c_str());
}

util::StatusOr<PreparedUpload> PrepareUpload(const cli::Options& options, uint64_t run_id,
                                             std::string_view sync_tool) {
  PreparedUpload prepared;
  transfer::UploadOptions upload;
  upload.relative = options.relative;
  upload.preserve_uid = !options.no_preserve_uid;
  upload.preserve_gid = !options.no_preserve_gid;
  upload.completion_marker = fmt::format(".orgalorg-upload-{}", run_id);
  prepared.marker = upload.completion_marker;

  util::StatusOr<std::vector<transfer::Entry>> entries = transfer::CollectEntries(options.positional, upload);
  if (!entries.ok()) return entries.status().Wrap("can't upload");
  if (!sync_tool.empty()) {
    util::StatusOr<std::string> path = WriteTempScript(sync_tool);
    if (!path.ok()) return path.status().Wrap("can't ship the sync tool");
    prepared.temp_file = *path;
    transfer::Entry tool;
    tool.local_path = *path;
    tool.archive_path = kShippedSyncTool;
    if (lstat(path->c_str(), &tool.st) != 0) return util::Status::Error("can't stat " + *path);
    entries->push_back(std::move(tool));
  }
  for (const transfer::Entry& entry : *entries) {
    if (S_ISREG(entry.st.st_mode)) prepared.total_bytes += static_cast<uint64_t>(entry.st.st_size);
  }
  if (options.relay_fanout > 0) {
    prepared.entries = *entries;
    prepared.options = upload;
  }
  util::StatusOr<std::unique_ptr<transfer::TarStream>> stream =
      transfer::TarStream::Create(std::move(*entries), upload);
  if (!stream.ok()) return stream.status().Wrap("can't upload");
  prepared.stream = std::move(*stream);
  return prepared;
}

util::Status RunUploadPhase(RunContext& context, const cli::Options& options, PreparedUpload& upload,
                            const std::string& root, bool last_phase) {
  cluster::UploadSpec spec;
  spec.root = root;
  spec.fresh_root = options.root.empty();  // The run directory: new, 0700.
  spec.marker = upload.marker;
  spec.preserve_owner = upload.stream->preserve_owner();
  spec.verbose = options.verbose > 0;
  spec.total_bytes = upload.total_bytes;
  spec.wrapper = RemoteWrapper(options);
  cluster::UploadResult result;
  if (options.relay_fanout > 0) {
    cluster::RelaySpec relay = RelayFor(options, upload);
    std::unique_ptr<ssh::PrivateAgent> own_agent = AgentFor(context, &relay);
    result = cluster::RelayUploadToAll(&context.loop(), &context.nodes(), upload.stream.get(), spec, relay,
                                       context.out(), context.stop());
  } else {
    result = cluster::UploadToAll(&context.loop(), &context.nodes(), upload.stream.get(), spec, context.out(),
                                  context.stop());
  }
  context.Record(result.outcomes, /*final=*/last_phase && !context.stopped() && result.error.ok());
  if (context.stopped()) return util::Status::Ok();
  if (!result.error.ok()) return result.error.Wrap("upload aborted, no host has the complete archive");
  util::Status summary = cluster::Summarize(result.outcomes);
  if (!summary.ok()) return summary.Wrap("upload failed");
  context.out()->Log(output::Level::kDebug, fmt::format("uploaded {} bytes to {} nodes", result.bytes_sent,
                                                        result.outcomes.size()));
  return util::Status::Ok();
}

}  // namespace app
