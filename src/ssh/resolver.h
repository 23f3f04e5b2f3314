// Host name lookups that never block the event loop.
//
// Contract:
//  * Lookup(host, port, done) finds the TCP addresses of `host`. A numeric
//    address (10.0.0.1, ::1) is converted at once, without any I/O; a name
//    is looked up with getaddrinfo on a worker thread (at most kMaxWorkers
//    threads, started on demand), so a slow or dead DNS server delays only
//    the hosts that need it.
//  * `done` runs on the loop's thread, never inside Lookup(), exactly once,
//    unless the lookup was cancelled first: with the addresses in the order
//    getaddrinfo gave them, or an error naming the host and getaddrinfo's
//    reason ("can't resolve web1: Name or service not known").
//  * Cancel(id) drops the result of a lookup still running (its worker
//    finishes the getaddrinfo call and throws the answer away).
//  * Destroying the Resolver cancels every lookup; workers still inside
//    getaddrinfo finish on their own and exit, without touching the loop.
//  * Single-threaded API: call from the loop's thread only.
#ifndef ORGALORG_SSH_RESOLVER_H_
#define ORGALORG_SSH_RESOLVER_H_

#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "ssh/loop_names.h"
#include "util/status.h"

namespace ssh {

struct Endpoint {
  sockaddr_storage address{};
  socklen_t length = 0;
  int family = AF_UNSPEC;
};

class Resolver {
 public:
  using Done = std::function<void(util::StatusOr<std::vector<Endpoint>>)>;
  using LookupId = uint64_t;
  static constexpr size_t kMaxWorkers = 8;

  explicit Resolver(EventLoop* loop);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  LookupId Lookup(const std::string& host, int port, Done done);
  void Cancel(LookupId id);

 private:
  struct Shared;
  void Deliver();  // Runs finished lookups' callbacks (loop thread).

  EventLoop* loop_;
  std::shared_ptr<Shared> shared_;
  EventLoop::WatchId watch_ = 0;
  LookupId next_id_ = 1;
  std::unordered_map<LookupId, Done> pending_;
  std::shared_ptr<char> alive_ = std::make_shared<char>();  // For posted tasks.
};

// getaddrinfo on the calling thread (it blocks on DNS unless numeric_only:
// then a `host` that is not a numeric address is an error, with no I/O).
util::StatusOr<std::vector<Endpoint>> ResolveNow(const std::string& host, int port, bool numeric_only);

}  // namespace ssh

#endif  // ORGALORG_SSH_RESOLVER_H_
