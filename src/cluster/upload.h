// Uploads one tar stream to every connected node (orgalorg(1), UPLOAD).
//
// The archive is produced once, while it is sent, and fanned out to one exec
// channel per node running
//   <make root> && tar --directory <root> -x -p [--no-same-owner]
//       [--verbose] && test -f <root>/<marker> && rm -f <root>/<marker>
// where <make root> is PrepareRootCommand (remote_dir.h: a new private run
// directory, or the -r directory, checked for host safety), through the
// shell template and sudo like any remote command. For an archive of
// kGrowPipeFrom bytes or more, tar runs after GrowStdinPipe(kSshdPipeBytes):
// behind the default 64 KiB pipe, OpenSSH's sshd (9.2) keeps up to its
// channel window in a buffer that it copies whole for most packets it
// appends, which took a third of the hosts' CPU in a relay
// (bench/results/relay.md); for a small archive the extra process costs
// more than it saves. The marker
// is an empty file the stream writes last, so a host whose stream was cut
// (local read error, interruption) fails even though tar saw a clean end.
//
// Memory: the chunks between the slowest node and the producer are kept,
// at most kWindowBytes plus one chunk; when the slowest node is that far
// behind the producer waits for it. Back-pressure is the SSH channel window.
//
// A node whose tar fails is reported with tar's stderr; the others go on.
// When `stop` is requested, the hosts still extracting are cleaned up and
// end with "interrupted".
// Returns one outcome per node, in node order.
#ifndef ORGALORG_CLUSTER_UPLOAD_H_
#define ORGALORG_CLUSTER_UPLOAD_H_

#include <memory>
#include <string>

#include "cluster/exit_summary.h"
#include "cluster/node.h"
#include "cluster/remote_command.h"
#include "cluster/stop.h"
#include "loop/event_loop.h"
#include "output/output.h"
#include "transfer/tar_stream.h"

namespace cluster {

struct UploadSpec {
  std::string root;               // Remote directory the archive extracts into.
  std::string marker;             // Archive path of the completion marker.
  bool fresh_root = false;        // root is a new private run directory (remote_dir.h)
  bool preserve_owner = true;     // false: tar --no-same-owner
  bool verbose = false;           // tar --verbose (file list on stderr)
  uint64_t total_bytes = 0;       // Expected archive size for the ETA; 0: unknown
  RemoteCommandSpec wrapper;      // shell template and sudo; words/root unused
};

struct UploadResult {
  std::vector<HostOutcome> outcomes;
  util::Status error;        // Local failure (reading a file): every host failed.
  uint64_t bytes_sent = 0;   // Archive size.
  // Relay only: nodes that failed only because a host relaying to them
  // failed (relay_upload.h re-sends to them).
  std::vector<size_t> upstream_failed;
};

// The pipe an sshd writes into is grown to this, for archives this large.
inline constexpr int kSshdPipeBytes = 1 << 20;
inline constexpr uint64_t kGrowPipeFrom = 8 << 20;

// Shell text (ending in `;`) that grows the pipe on the shell's stdin to
// `bytes` with F_SETPIPE_SZ, on Linux where perl is; elsewhere, or when the
// kernel refuses (pipe-max-size, the user's pipe-user-pages-soft), nothing
// happens and the pipe keeps its size. Reads nothing from stdin.
std::string GrowStdinPipe(int bytes);

// The remote command line for one host (exposed for tests).
std::string UploadCommand(const UploadSpec& spec);
// Its extraction part, unwrapped: tar -x from stdin into the root, then the
// marker's check (shared with the relay's receiver, relay_receiver.h).
std::string ExtractCommand(const UploadSpec& spec);

UploadResult UploadToAll(loop::EventLoop* loop, Nodes* nodes, transfer::TarStream* stream,
                         const UploadSpec& spec, output::Output* out, const Stop& stop);

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_UPLOAD_H_
