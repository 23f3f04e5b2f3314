// Handshakes spread over one event loop per core, the connect phase's shards.
//
// A handshake costs the client about a millisecond of CPU (key exchange,
// host key signature, authentication); at thousands of hosts one loop
// thread is the limit. HandshakeShards runs `count` worker threads, each
// with its own EventLoop and Resolver, deals the jobs out round-robin, and
// keeps at most `parallel` handshakes in flight in all (-d). Each job ends
// exactly once, unless Stop() comes first, with an Ending handed to
// `deliver` on the home loop's thread:
//  * connected: the Session, already moved off its shard
//    (Session::LeaveLoop); the receiver calls JoinLoop(home) before use;
//  * failed: the error; the session was destroyed on its shard;
//  * needs_route: the host needs a jump host or a ProxyCommand, which
//    belong to the home loop (ssh::JumpRouter); the receiver connects it
//    there, and calls Release(ending.shard) when that handshake has ended:
//    until then the host keeps its place in its shard's share, so that
//    there are never more than `parallel` handshakes in flight, here and
//    on the home loop together. Shards connect with
//    SessionOptions::direct_only for this.
//
// Threads: construct, Start(), Stop() and destroy on the home loop's
// thread; `deliver` runs there, through an Inbox, never inside Start().
// Workers start with every signal blocked, so SIGINT and SIGTERM still
// reach the home loop's self-pipe. Whatever the sessions share (KeyRing,
// known_hosts) is thread-safe.
#ifndef ORGALORG_CLUSTER_HANDSHAKE_SHARDS_H_
#define ORGALORG_CLUSTER_HANDSHAKE_SHARDS_H_

#include <functional>
#include <memory>
#include <vector>

#include "loop/event_loop.h"
#include "loop/inbox.h"
#include "ssh/session.h"
#include "ssh/session_options.h"
#include "util/status.h"

namespace cluster {

class Shard;

class HandshakeShards {
 public:
  struct Job {
    size_t index = 0;  // The caller's; given back in the Ending.
    ssh::SessionOptions options;
  };
  struct Ending {
    size_t index = 0;
    loop::TimePoint started{};  // When its handshake began.
    util::Status status;
    std::unique_ptr<ssh::Session> session;  // Set when connected.
    bool needs_route = false;
    size_t shard = 0;  // Which shard it ran on (for Release).
  };
  using Deliver = std::function<void(Ending)>;
  static constexpr size_t kMaxShards = 8;

  HandshakeShards(loop::EventLoop* home, size_t count, size_t parallel, Deliver deliver);
  ~HandshakeShards();  // Stop().
  HandshakeShards(const HandshakeShards&) = delete;
  HandshakeShards& operator=(const HandshakeShards&) = delete;

  // Starts the threads on `jobs`. Fails when a shard's loop or a thread
  // can't be set up; then nothing runs and nothing is delivered.
  util::Status Start(std::vector<Job> jobs);
  // Ends every shard and waits for its thread: handshakes still going are
  // dropped, and so are endings not delivered yet. Idempotent.
  void Stop();
  // A needs_route host's handshake on the home loop has ended (see above).
  void Release(size_t shard);

  // One shard per CPU this process may run on (sched_getaffinity), at most
  // kMaxShards, never more than `parallel` or `hosts`; 1 means: don't shard.
  static size_t CountFor(size_t hosts, size_t parallel);

 private:
  void HandOver(Ending ending);  // Any shard's thread.

  Deliver deliver_;
  loop::Inbox inbox_;
  bool stopped_ = false;  // Home thread only.
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_HANDSHAKE_SHARDS_H_
