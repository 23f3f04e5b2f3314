// The TCP side of a handshake: name lookup through the Resolver, a
// non-blocking connect to each address in turn, and the backoff after a
// server that closes before its SSH banner.
//
// Contract (TcpConnector):
//  * Connect(name, port, done) looks `name` up once (a later Connect of the
//    same connector reuses the addresses: a retry), then tries each address
//    in the resolver's order until one accepts. TCP_NODELAY is set.
//  * `done` is called exactly once per Connect(), unless Cancel() or the
//    destructor comes first: with the connected socket, which the caller
//    then owns, or with the error of the last address tried ("connection
//    refused") or of the lookup. It may run inside Connect() when the
//    addresses are known already; it may destroy the connector.
//  * Cancel() and the destructor drop a running lookup and close a socket
//    still connecting; no callback afterwards.
//  * Single-threaded: use only from the loop's thread; the loop and the
//    resolver must outlive the connector.
//
// Contract (BannerBackoff): sshd refuses handshakes beyond MaxStartups by
// closing the connection before its banner. Each refusal is retried after a
// growing, jittered pause (50 ms doubling, at most 1 s, drawn from the upper
// half) as long as the retry starts before the handshake's deadline.
#ifndef ORGALORG_SSH_TCP_CONNECTOR_H_
#define ORGALORG_SSH_TCP_CONNECTOR_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ssh/loop_names.h"
#include "ssh/resolver.h"
#include "util/status.h"

namespace ssh {

class TcpConnector {
 public:
  using Done = std::function<void(util::StatusOr<int> fd)>;

  TcpConnector(EventLoop* loop, Resolver* resolver)
      : loop_(loop), resolver_(resolver) {}
  ~TcpConnector() { Cancel(); }
  TcpConnector(const TcpConnector&) = delete;
  TcpConnector& operator=(const TcpConnector&) = delete;

  void Connect(const std::string& name, int port, Done done);
  void Cancel();

 private:
  void OnResolved(util::StatusOr<std::vector<Endpoint>> endpoints);
  void ConnectNext();
  void OnWritable();
  void Report(util::StatusOr<int> result);  // Calls done_ last.

  EventLoop* loop_;
  Resolver* resolver_;
  Done done_;
  Resolver::LookupId lookup_ = 0;
  std::vector<Endpoint> endpoints_;  // Kept for retries.
  size_t next_ = 0;
  int fd_ = -1;                      // Connecting, not yet handed over.
  EventLoop::WatchId watch_ = 0;
  std::string error_;                // Why the last address failed.
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

class BannerBackoff {
 public:
  // The pause after the `refusals`-th refusal (1, 2, ...) for a `random`
  // draw (any non-negative number): 50 ms doubling up to 1 s, of which the
  // upper half plus `random` modulo the lower half.
  static Milliseconds Pause(int refusals, long random);

  // Counts one refusal at `now`; returns the pause before the next
  // attempt, or nullopt when that attempt would start at or after
  // `deadline` (the host then fails).
  std::optional<Milliseconds> Next(TimePoint now, TimePoint deadline, long random);

  int refusals() const { return refusals_; }
  // The error once retrying stopped before the deadline: counts every
  // refusal, the last one (which Next() declined to retry) included.
  std::string GiveUpText(long elapsed_ms) const;
  // Appended to "connection timed out after N ms" ("" without refusals).
  std::string TimeoutNote() const;

 private:
  int refusals_ = 0;
};

}  // namespace ssh

#endif  // ORGALORG_SSH_TCP_CONNECTOR_H_
