// Why a peer refused to open a channel, in words an operator can act on.
//
// libssh reports a refused channel open (SSH_MSG_CHANNEL_OPEN_FAILURE,
// RFC 4254 section 5.1) as "Channel opening failure: channel 44 error (1)
// open failed": a local channel number, the reason code and the server's
// own description (OpenSSH always says "open failed"). The reason code is
// what tells the cases apart:
//   1 administratively prohibited  (forwarding not allowed: AllowTcpForwarding,
//                                   PermitOpen; or a session refused)
//   2 connect failed               (the server could not reach host:port)
//   3 unknown channel type
//   4 resource shortage            (e.g. MaxSessions reached)
//
// Contract:
//  * DescribeOpenFailure(text, kind) turns libssh's error text (raw or
//    already normalized) into "<reason name> (SSH channel-open failure
//    reason N, the server said "<description>"): <what it means for this
//    kind of channel>". An unknown code keeps its number and the server's
//    text. Any other text is returned normalized (NormalizeErrorText), as
//    it was.
#ifndef ORGALORG_SSH_OPEN_FAILURE_H_
#define ORGALORG_SSH_OPEN_FAILURE_H_

#include <string>

namespace ssh {

enum class ChannelKind {
  kSession,  // A command (exec) on the host itself.
  kForward,  // direct-tcpip through a jump host.
};

std::string DescribeOpenFailure(const std::string& libssh_text, ChannelKind kind);

}  // namespace ssh

#endif  // ORGALORG_SSH_OPEN_FAILURE_H_
