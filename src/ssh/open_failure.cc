#include "ssh/open_failure.h"

#include <fmt/format.h>

#include <cstdio>

#include "ssh/session_options.h"

namespace ssh {
namespace {

struct Reason {
  const char* name;
  const char* session_meaning;
  const char* forward_meaning;
};

// Indexed by the RFC 4254 reason code (0 unused).
constexpr Reason kReasons[] = {
    {"", "", ""},
    {"administratively prohibited", "the host does not allow this session",
     "the jump host does not allow TCP forwarding to it (AllowTcpForwarding or PermitOpen in "
     "its sshd_config)"},
    {"connect failed", "the host could not open the session",
     "the jump host could not connect to the target (refused, unreachable or an unknown name)"},
    {"unknown channel type", "the host does not support command sessions",
     "the jump host does not support TCP forwarding (direct-tcpip)"},
    {"resource shortage", "the host is out of sessions or resources (MaxSessions?)",
     "the jump host is out of channels or resources (MaxSessions?)"},
};

constexpr std::string_view kMarker = "pening failure: channel ";

}  // namespace

std::string DescribeOpenFailure(const std::string& libssh_text, ChannelKind kind) {
  std::string text = NormalizeErrorText(libssh_text);
  size_t at = text.find(kMarker);
  if (at == std::string::npos) return text;
  unsigned channel = 0;
  unsigned code = 0;
  int used = 0;
  if (std::sscanf(text.c_str() + at + kMarker.size(), "%u error (%u)%n", &channel, &code, &used) != 2 ||
      used == 0) {
    return text;
  }
  std::string said = text.substr(at + kMarker.size() + static_cast<size_t>(used));
  while (!said.empty() && said.front() == ' ') said.erase(0, 1);
  std::string server = said.empty() ? "" : fmt::format(", the server said \"{}\"", said);
  if (code == 0 || code >= std::size(kReasons)) {
    return fmt::format("channel open refused (SSH channel-open failure reason {}{})", code, server);
  }
  const Reason& reason = kReasons[code];
  return fmt::format("{} (SSH channel-open failure reason {}{}): {}", reason.name, code, server,
                     kind == ChannelKind::kForward ? reason.forward_meaning : reason.session_meaning);
}

}  // namespace ssh
