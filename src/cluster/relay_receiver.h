// The shell text of a relayed upload's receivers (orgalorg(1), --relay).
//
// Every host runs one receiver on the client's own connection, which
//   1. makes the upload root as a flat upload does (remote_dir.h) and a
//      private directory D (`mktemp -d /tmp/orgalorg-relay.XXXXXX`, removed
//      when the receiver ends) holding a FIFO D/in;
//   2. says `orgalorg-relay-ready D` on stdout;
//   3. reads its feed script from stdin, up to the line `orgalorg-relay-go`
//      (read(1) never takes a byte beyond a line, so what follows on stdin
//      is untouched), and sources it: the script says where the archive
//      comes from (stdin: the client; D/in: the host that relays to this
//      one) and starts one `ssh` per next hop, each fed from a FIFO of its
//      own by the host's copier (RelayCopyCommand: perl where it is, else
//      GNU tee), which drops a dead hop and feeds the others and this
//      host on, and opens the hops' FIFOs before its source, so that every
//      host's hops connect at once rather than one tree level after
//      another; perl's also keeps up to 64 MiB for a hop that is behind,
//      so the stream does not wait for hops that are still logging in;
//      on a leaf (no next hop) tar reads the source itself, with no copy
//      in between;
//   4. extracts with `tar -x` exactly as a flat upload (cluster/upload.h),
//      completion marker included, waits for its hops, and exits with
//      tar's status: that is the host's result, seen by the client on its
//      own connection.
// Pipes: where perl is (a no-op elsewhere), every pipe and FIFO the bytes
// cross is grown (F_SETPIPE_SZ, Linux; by the copier on a relaying host):
// 1 MiB for the one an sshd writes into (the receiving host's channel),
// 512 KiB for the others. sshd writes
// to that pipe at most once per poll round, so behind a 64 KiB pipe up to a
// window (2 MiB) piles up in sshd's channel buffer, and OpenSSH (9.2) then
// copies the whole buffer into a fresh one for most 32 KiB packets it
// appends (recallocarray): bench/relay profiled that at a third of the
// machine's CPU in a relay; with the grown pipes the hosts use about half
// the CPU they did (bench/results/relay.md).
//
// A hop that ends badly is reported on stdout: its ssh's stderr as
// `orgalorg-relay-hop-error <hop> <line>`, then `orgalorg-relay-hop <hop>
// <status>` (every hop says the latter when it ends).
//
// A hop is `ssh` on the relaying host to the next one: no config file,
// batch mode, the next host's key pinned to what orgalorg verified for it
// in this run (a known_hosts file in D, StrictHostKeyChecking=yes, the
// host's own known_hosts files unused and never written), the same user
// and port as the client used, aes128-gcm, keep-alives; it runs
// `cat > <next host's D>/in` there through the run's shell template and
// sudo. Authentication is the operator's agent, forwarded to the receiver
// only (ssh/agent_forward.h).
//
// Pure functions, unit-tested.
#ifndef ORGALORG_CLUSTER_RELAY_RECEIVER_H_
#define ORGALORG_CLUSTER_RELAY_RECEIVER_H_

#include <string>
#include <string_view>
#include <vector>

#include "cluster/remote_command.h"
#include "cluster/upload.h"

namespace cluster {

inline constexpr std::string_view kRelayReady = "orgalorg-relay-ready";
inline constexpr std::string_view kRelayHop = "orgalorg-relay-hop";
inline constexpr std::string_view kRelayHopError = "orgalorg-relay-hop-error";
inline constexpr std::string_view kRelayGo = "orgalorg-relay-go";

// The receiver's command line, wrapped like any remote command.
std::string RelayReceiverCommand(const UploadSpec& spec);

// One next host, as the relaying host reaches it.
struct RelayHop {
  std::string host;      // Name or address, as the client reached it.
  int port = 22;
  std::string user;
  std::string host_key;  // "<type> <base64>", verified by the client.
  std::string dir;       // The next host's receiver directory D.
};

struct RelayHopTimeouts {
  int connect_s = 10;  // ssh ConnectTimeout.
  int alive_s = 10;    // ssh ServerAliveInterval (3 missed: the hop ends).
};

// The feed script for one host, `orgalorg-relay-go` line included.
std::string RelayFeedScript(bool from_client, const std::vector<RelayHop>& hops,
                            const RemoteCommandSpec& wrapper, const RelayHopTimeouts& timeouts);

// A relaying host's copier (`feed` in its script; exposed for tests): from
// stdin (`from_client`) or D/in to its stdout (tar) and to the FIFOs
// D/o0 .. D/o<hops-1>. Every FIFO is opened before the source, a reader
// that went away is dropped and the others fed on; where perl is, the
// copier is kFeedCopier (relay_receiver.cc), else GNU tee.
std::string RelayCopyCommand(bool from_client, size_t hops);

// The hop's command line on the next host (exposed for tests).
std::string RelayHopCommand(const std::string& dir, const RemoteCommandSpec& wrapper);

// One line of a receiver's stdout.
struct RelayLine {
  enum class Kind { kOther, kReady, kHop, kHopError } kind = Kind::kOther;
  std::string dir;      // kReady
  size_t hop = 0;       // kHop, kHopError
  int status = 0;       // kHop
  std::string text;     // kHopError: ssh's line
};
RelayLine ParseRelayLine(std::string_view line);

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_RELAY_RECEIVER_H_
