// One target's SSH connection carried through a jump host: a direct-tcpip
// channel on the jump host's Session, and a socketpair whose one end the
// target's own Session uses as its socket while the loop pumps the other
// end to and from the channel.
//
// Contract:
//  * Open() asks the jump session for a channel to host:port; `opened` is
//    called once, never from inside Open(): with the target's end of the
//    socketpair (the caller owns it from then on), or with an error such
//    as "can't open a channel to web1:22 through jump host [u@b:22]:
//    connect failed (SSH channel-open failure reason 2, ...): the jump
//    host could not connect to the target (...)" (see open_failure.h).
//  * Back-pressure both ways, memory bounded by kTunnelBuffer per
//    direction plus what libssh keeps for a held channel: the socket is
//    read only while the channel's pending bytes fit, and the channel is
//    held (its window not refilled) while the socket's pending bytes do
//    not fit; held bytes are collected kTunnelBuffer at a time. libssh can
//    keep up to its window (1,280,000 bytes) for a held channel; a hold
//    lasts only until the target's session, which reads its socket on
//    every loop turn, drains the socketpair.
//  * The tunnel ends (calls `ended` once, after `opened` succeeded) when
//    the target's session closes its end, or the channel closes or fails
//    (then our end is closed, which the target's session sees as a lost
//    connection). The owner may destroy the Tunnel from inside `ended`.
//  * Single-threaded, on the loop's thread; must not outlive the jump
//    Session (its owner destroys tunnels first).
#ifndef ORGALORG_SSH_TUNNEL_H_
#define ORGALORG_SSH_TUNNEL_H_

#include <functional>
#include <memory>
#include <string>

#include "ssh/byte_queue.h"
#include "ssh/channel.h"
#include "ssh/loop_names.h"
#include "util/status.h"

namespace ssh {

class Session;

// Per direction. With the socketpair's own kernel buffers this keeps a bulk
// transfer through a jump host as fast as a direct one, and a target that
// stops reading costs at most this much in each direction.
inline constexpr size_t kTunnelBuffer = 128 * 1024;

class Tunnel {
 public:
  using OpenedCallback = std::function<void(util::StatusOr<int>)>;

  explicit Tunnel(EventLoop* loop) : loop_(loop) {}
  ~Tunnel();
  Tunnel(const Tunnel&) = delete;
  Tunnel& operator=(const Tunnel&) = delete;

  void Open(Session* jump, const std::string& host, int port, OpenedCallback opened,
            std::function<void()> ended);

 private:
  void OnOpened();
  void OnChannelData(std::string_view data);
  void OnChannelEnd(const std::string& reason);
  void OnSocket(uint32_t events);
  void ReadSocket();
  void WriteToChannel();  // What the channel takes now, without UpdateInterest.
  void FlushToChannel();
  void FlushToSocket();
  void UpdateInterest();
  void End();
  void Fail(util::Status status);

  EventLoop* loop_;
  std::string what_;  // "host:port through jump host ..." for errors.
  std::unique_ptr<Channel> channel_;
  int fd_ = -1;        // Our end of the socketpair.
  int target_fd_ = -1; // Theirs, until handed over.
  EventLoop::WatchId watch_ = 0;
  uint32_t interest_ = 0;
  ByteQueue to_channel_{kTunnelBuffer};  // Read straight into, written straight from.
  std::string to_socket_;
  bool held_ = false;
  bool open_ = false;
  bool ended_ = false;
  OpenedCallback opened_;
  std::function<void()> ended_callback_;
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace ssh

#endif  // ORGALORG_SSH_TUNNEL_H_
