// The ssh-agent messages a relay may pass to the operator's agent
// (orgalorg(1), --relay; SECURITY.md).
//
// A forwarded agent channel carries the agent protocol: messages framed as
// a 4-byte big-endian length and that many bytes, the first of which is
// the message type. The relay's hops need only to list the keys
// (SSH_AGENTC_REQUEST_IDENTITIES) and to sign one login
// (SSH_AGENTC_SIGN_REQUEST); every other request (adding or removing keys,
// locking the agent, extensions) is answered SSH_AGENT_FAILURE without
// reaching the agent.
//
// Pure; unit-tested.
#ifndef ORGALORG_SSH_AGENT_FILTER_H_
#define ORGALORG_SSH_AGENT_FILTER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ssh {

// The longest agent message accepted (OpenSSH's own limit).
inline constexpr size_t kMaxAgentMessageBytes = 256 * 1024;

// Splits a byte stream into whole agent messages.
class AgentFramer {
 public:
  void Feed(std::string_view data) { buffer_.append(data); }
  // The next whole message, length prefix included; nullopt when incomplete
  // or broken (a length over kMaxAgentMessageBytes, or 0).
  std::optional<std::string> Next();
  bool broken() const { return broken_; }

 private:
  std::string buffer_;
  bool broken_ = false;
};

// True for the requests passed to the agent (see above); `message` is a
// whole framed message.
bool AgentRequestAllowed(std::string_view message);

// The framed SSH_AGENT_FAILURE answer.
std::string AgentFailureMessage();

}  // namespace ssh

#endif  // ORGALORG_SSH_AGENT_FILTER_H_
