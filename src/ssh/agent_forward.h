// Forwards the operator's ssh-agent to one session's relay channels, and
// nowhere else (orgalorg(1), --relay; SECURITY.md).
//
// Contract:
//  * A Session owns at most one AgentForwarder (Session::ForwardAgent); it
//    answers the server's `auth-agent@openssh.com` channel opens, which
//    sshd makes only for channels that asked for agent forwarding
//    (Channel::Exec with forward_agent). Each such channel gets its own
//    connection to the local agent socket.
//  * Only the requests agent_filter.h allows reach the agent; the rest are
//    answered SSH_AGENT_FAILURE. One request is in flight per channel at a
//    time, so answers keep their order.
//  * Stop() closes every agent channel and its agent connection and
//    refuses every later open: the hosts' access to the operator's keys
//    ends there. The destructor stops too; it must run before the libssh
//    session is freed.
//  * Single-threaded, on the loop's thread; libssh callbacks only record
//    and post, the work runs from the loop.
#ifndef ORGALORG_SSH_AGENT_FORWARD_H_
#define ORGALORG_SSH_AGENT_FORWARD_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ssh/loop_names.h"

struct ssh_session_struct;
struct ssh_channel_struct;
struct ssh_callbacks_struct;

namespace ssh {

class AgentForwarder {
 public:
  // `kick` is called after writing to the session (the session's
  // interest may have changed).
  AgentForwarder(EventLoop* loop, ssh_session_struct* session, std::string agent_socket,
                 std::function<void()> kick);
  ~AgentForwarder();
  AgentForwarder(const AgentForwarder&) = delete;
  AgentForwarder& operator=(const AgentForwarder&) = delete;

  void Stop();
  bool stopped() const { return stopped_; }

 private:
  struct Link;
  static ssh_channel_struct* OnOpenRequest(ssh_session_struct* session, void* userdata);
  ssh_channel_struct* Open();
  void PostProcess(Link* link);
  void Process(Link* link);
  void OnAgentEvent(Link* link, uint32_t events);
  void FlushToAgent(Link* link);
  void Close(Link* link);

  EventLoop* loop_;
  ssh_session_struct* session_;
  std::string agent_socket_;
  std::function<void()> kick_;
  std::unique_ptr<ssh_callbacks_struct> callbacks_;
  std::vector<std::unique_ptr<Link>> links_;
  bool stopped_ = false;
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace ssh

#endif  // ORGALORG_SSH_AGENT_FORWARD_H_
