#include "ssh/tunnel.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ssh/session.h"

namespace ssh {
namespace {

// Reads of the target's socket per readable event (see ReadSocket).
constexpr int kReadsPerEvent = 4;

}  // namespace

Tunnel::~Tunnel() {
  channel_.reset();
  if (watch_ != 0) loop_->Unwatch(watch_);
  if (fd_ >= 0) close(fd_);
  if (target_fd_ >= 0) close(target_fd_);
}

void Tunnel::Open(Session* jump, const std::string& host, int port, OpenedCallback opened,
                  std::function<void()> ended) {
  opened_ = std::move(opened);
  ended_callback_ = std::move(ended);
  what_ = host + ":" + std::to_string(port) + " through jump host " + jump->identity();
  ChannelCallbacks callbacks;
  callbacks.on_stdout = [this](std::string_view data) { OnChannelData(data); };
  callbacks.on_writable = [this] { open_ ? FlushToChannel() : OnOpened(); };
  callbacks.on_exit = [this](int, std::string reason) { OnChannelEnd(reason); };
  util::StatusOr<std::unique_ptr<Channel>> channel = jump->OpenForward(host, port, std::move(callbacks));
  if (!channel.ok()) {
    util::Status status = channel.status();
    std::weak_ptr<char> alive = alive_;
    loop_->Post([this, alive, status] {
      if (!alive.expired()) Fail(status);
    });
    return;
  }
  channel_ = std::move(*channel);
}

void Tunnel::OnOpened() {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
    return Fail(util::Status::Error(std::string("socketpair: ") + std::strerror(errno)));
  }
  fd_ = fds[0];
  std::weak_ptr<char> alive = alive_;
  util::Status status;
  watch_ = loop_->Watch(
      fd_, kReadable,
      [this, alive](uint32_t events) {
        if (!alive.expired()) OnSocket(events);
      },
      true, &status);
  if (watch_ == 0) {
    close(fds[1]);
    return Fail(status);
  }
  interest_ = kReadable;
  open_ = true;
  OpenedCallback opened = std::move(opened_);
  opened_ = nullptr;
  if (opened) opened(fds[1]);  // May destroy *this.
}

void Tunnel::Fail(util::Status status) {
  OpenedCallback opened = std::move(opened_);
  opened_ = nullptr;
  if (opened) opened(status.Wrap("can't open a channel to " + what_));
}

void Tunnel::OnChannelData(std::string_view data) {
  if (to_socket_.empty() && fd_ >= 0) {  // The common case: no copy.
    ssize_t n;
    do {
      n = write(fd_, data.data(), data.size());
    } while (n < 0 && errno == EINTR);
    if (n > 0) data.remove_prefix(static_cast<size_t>(n));
  }
  to_socket_.append(data);
  FlushToSocket();
}

void Tunnel::OnChannelEnd(const std::string& reason) {
  if (!open_) return Fail(util::Status::Error(reason));
  FlushToSocket();  // What arrived before the end, as far as it fits.
  End();
}

void Tunnel::OnSocket(uint32_t events) {
  std::weak_ptr<char> alive = alive_;
  if (events & kWritable) FlushToSocket();
  if (alive.expired() || ended_) return;
  if (events & (kReadable | kFdError)) ReadSocket();
}

void Tunnel::ReadSocket() {
  // Each read goes straight into the queue and on to the channel, so that
  // the next one finds the queue empty again and can take a full capacity.
  // A few reads per event at most: other tunnels get their turn.
  for (int reads = 0; reads < kReadsPerEvent; ++reads) {
    std::span<char> space = to_channel_.Space();
    if (space.empty()) break;
    ssize_t n = read(fd_, space.data(), space.size());
    if (n > 0) {
      to_channel_.Commit(static_cast<size_t>(n));
      WriteToChannel();
      if (static_cast<size_t>(n) < space.size()) break;  // Drained; level-triggered.
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    return End();  // The target's session closed its end (or an error).
  }
  UpdateInterest();
}

void Tunnel::WriteToChannel() {
  if (channel_ && !to_channel_.empty()) to_channel_.Consume(channel_->Write(to_channel_.Front()));
}

void Tunnel::FlushToChannel() {
  WriteToChannel();
  UpdateInterest();
}

void Tunnel::FlushToSocket() {
  while (!to_socket_.empty() && fd_ >= 0) {
    ssize_t n = write(fd_, to_socket_.data(), to_socket_.size());
    if (n > 0) {
      to_socket_.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;  // Full (EAGAIN) or gone: the read side notices the end.
  }
  if (to_socket_.size() >= kTunnelBuffer && !held_ && channel_) {
    held_ = true;
    channel_->Hold();
  } else if (to_socket_.empty() && held_ && channel_) {
    held_ = !channel_->Resume(kTunnelBuffer);
  }
  UpdateInterest();
}

void Tunnel::UpdateInterest() {
  if (watch_ == 0) return;
  uint32_t interest = 0;
  if (to_channel_.size() < kTunnelBuffer) interest |= kReadable;
  if (!to_socket_.empty()) interest |= kWritable;
  if (interest != interest_) {
    loop_->Modify(watch_, interest);
    interest_ = interest;
  }
}

void Tunnel::End() {
  if (ended_) return;
  ended_ = true;
  if (watch_ != 0) loop_->Unwatch(watch_);
  watch_ = 0;
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  if (channel_) channel_->Close();
  auto ended = std::move(ended_callback_);
  ended_callback_ = nullptr;
  if (ended) ended();  // May destroy *this.
}

}  // namespace ssh
