#include "ssh/agent_filter.h"

#include <cstdint>

namespace ssh {
namespace {

constexpr uint8_t kRequestIdentities = 11;  // SSH_AGENTC_REQUEST_IDENTITIES
constexpr uint8_t kSignRequest = 13;        // SSH_AGENTC_SIGN_REQUEST
constexpr uint8_t kFailure = 5;             // SSH_AGENT_FAILURE
constexpr size_t kLengthBytes = 4;

}  // namespace

std::optional<std::string> AgentFramer::Next() {
  if (broken_ || buffer_.size() < kLengthBytes) return std::nullopt;
  uint32_t length = 0;
  for (size_t i = 0; i < kLengthBytes; ++i) length = (length << 8) | static_cast<uint8_t>(buffer_[i]);
  if (length == 0 || length > kMaxAgentMessageBytes) {
    broken_ = true;
    return std::nullopt;
  }
  if (buffer_.size() < kLengthBytes + length) return std::nullopt;
  std::string message = buffer_.substr(0, kLengthBytes + length);
  buffer_.erase(0, kLengthBytes + length);
  return message;
}

bool AgentRequestAllowed(std::string_view message) {
  if (message.size() <= kLengthBytes) return false;
  uint8_t type = static_cast<uint8_t>(message[kLengthBytes]);
  return type == kRequestIdentities || type == kSignRequest;
}

std::string AgentFailureMessage() { return std::string("\0\0\0\1", 4) + static_cast<char>(kFailure); }

}  // namespace ssh
