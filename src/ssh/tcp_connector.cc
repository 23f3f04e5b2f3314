#include "ssh/tcp_connector.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "ssh/session_options.h"

namespace ssh {

void TcpConnector::Connect(const std::string& name, int port, Done done) {
  done_ = std::move(done);
  next_ = 0;
  if (!endpoints_.empty()) return ConnectNext();  // A retry: the name is known.
  std::weak_ptr<char> alive = alive_;
  lookup_ = resolver_->Lookup(name, port, [this, alive](util::StatusOr<std::vector<Endpoint>> result) {
    if (alive.expired()) return;
    lookup_ = 0;
    OnResolved(std::move(result));
  });
}

void TcpConnector::Cancel() {
  done_ = nullptr;
  if (lookup_ != 0) resolver_->Cancel(lookup_);
  lookup_ = 0;
  if (watch_ != 0) loop_->Unwatch(watch_);  // Before the fd is closed.
  watch_ = 0;
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

void TcpConnector::OnResolved(util::StatusOr<std::vector<Endpoint>> endpoints) {
  if (!endpoints.ok()) return Report(endpoints.status());
  endpoints_ = std::move(*endpoints);
  next_ = 0;
  ConnectNext();
}

void TcpConnector::ConnectNext() {
  while (next_ < endpoints_.size()) {
    const Endpoint& endpoint = endpoints_[next_++];
    int fd = socket(endpoint.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      error_ = std::strerror(errno);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, reinterpret_cast<const sockaddr*>(&endpoint.address), endpoint.length) == 0) {
      return Report(fd);
    }
    if (errno != EINPROGRESS) {
      error_ = std::strerror(errno);
      close(fd);
      continue;
    }
    fd_ = fd;
    std::weak_ptr<char> alive = alive_;
    util::Status status;
    watch_ = loop_->Watch(
        fd, kWritable,
        [this, alive](uint32_t) {
          if (!alive.expired()) OnWritable();
        },
        true, &status);
    if (watch_ == 0) return Report(status);
    return;
  }
  Report(util::Status::Error(NormalizeErrorText(error_.empty() ? "can't connect" : error_)));
}

void TcpConnector::OnWritable() {
  int error = 0;
  socklen_t length = sizeof error;
  if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
  loop_->Unwatch(watch_);
  watch_ = 0;
  if (error != 0) {
    error_ = std::strerror(error);
    close(fd_);
    fd_ = -1;
    return ConnectNext();
  }
  int fd = fd_;
  fd_ = -1;  // The caller's from now on.
  Report(fd);
}

void TcpConnector::Report(util::StatusOr<int> result) {
  Done done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(result));  // May destroy *this: return right after.
}

Milliseconds BannerBackoff::Pause(int refusals, long random) {
  long step = std::min(1000L, 50L << std::clamp(refusals - 1, 0, 5));
  return Milliseconds(step / 2 + random % (step / 2 + 1));
}

std::optional<Milliseconds> BannerBackoff::Next(TimePoint now, TimePoint deadline, long random) {
  Milliseconds pause = Pause(++refusals_, random);
  if (now + pause >= deadline) return std::nullopt;
  return pause;
}

std::string BannerBackoff::GiveUpText(long elapsed_ms) const {
  return fmt::format(
      "the server closed the connection before its SSH banner, {} times in {} ms (sshd MaxStartups?)",
      refusals_, elapsed_ms);
}

std::string BannerBackoff::TimeoutNote() const {
  if (refusals_ == 0) return "";
  return fmt::format(" (the server closed {} connections before its SSH banner: sshd MaxStartups?)",
                     refusals_);
}

}  // namespace ssh
