// Jump host chains as the user writes them: -J's value and ssh_config(5)'s
// ProxyJump, "[user@]host[:port][,[user@]host[:port]...]", hops in order,
// the last one next to the target (OpenSSH's meaning). Pure functions.
//
// libssh 0.10 reads a ProxyJump line itself and turns it into a
// ProxyCommand running `ssh -W`; ProxyJumpFromCommand() recognises that
// command (and only that form) and gives back the chain it encodes, so
// that the session runs it in-process instead (ssh_config.h).
#ifndef ORGALORG_SSH_JUMP_SPEC_H_
#define ORGALORG_SSH_JUMP_SPEC_H_

#include <optional>
#include <string>

#include "ssh/session_options.h"
#include "util/status.h"

namespace ssh {

// Parses one hop "[user@]host[:port]"; an error names the spec and fault.
util::StatusOr<JumpSpec> ParseJumpSpec(const std::string& spec);
// Parses a comma-separated chain (at least one hop).
util::StatusOr<JumpChain> ParseJumpChain(const std::string& chain);

// "user@host:port" with only what was written ("host", "u@host", ...).
std::string JumpSpecText(const JumpSpec& spec);
// The hops' texts joined by commas: the chain as -J would take it.
std::string JumpChainText(const JumpChain& chain);

// The ProxyJump value encoded in a ProxyCommand that libssh 0.10 made of a
// ProxyJump line ("ssh[ -l U][ -p P][ -J REST] -W '[%h]:%p' HOST"), or
// nullopt for any other command.
std::optional<std::string> ProxyJumpFromCommand(const std::string& command);

}  // namespace ssh

#endif  // ORGALORG_SSH_JUMP_SPEC_H_
