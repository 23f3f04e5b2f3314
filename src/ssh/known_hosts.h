// Host key verification against a known_hosts file. Never prompts.
//
// Contract: called once per session, right after the key exchange and
// before authentication (so no credential is sent to an impostor). With
// kAcceptNew an unknown host is recorded in the file (like OpenSSH's
// StrictHostKeyChecking=accept-new). Internal to src/ssh/.
#ifndef ORGALORG_SSH_KNOWN_HOSTS_H_
#define ORGALORG_SSH_KNOWN_HOSTS_H_

#include <string>

#include "ssh/session_options.h"
#include "util/status.h"

struct ssh_session_struct;

namespace ssh {

// `host` is the name used in messages (as the user gave it); `path` is the
// known_hosts file configured on the session (for messages only).
util::Status VerifyHostKey(ssh_session_struct* session, HostKeyPolicy policy,
                           const std::string& host, const std::string& path);

// The server's host key as "<type> <base64>", or empty when libssh has
// none (call after the key exchange).
std::string ServerHostKeyText(ssh_session_struct* session);

}  // namespace ssh

#endif  // ORGALORG_SSH_KNOWN_HOSTS_H_
