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

// For the key exchange only, made before the first ssh_connect() call:
// libssh reads the known_hosts file in every key exchange (to prefer the
// host key types it knows for the host), which for a file of N hosts makes
// a run read N * N lines. When the file holds only plain lines (see
// known_hosts.cc) this hands libssh a file in memory with only the lines
// naming this host; Restore() (once the key exchange is done, before
// VerifyHostKey) puts the real path back. Otherwise it does nothing. Not
// copyable; the session must outlive it.
class KexKnownHosts {
 public:
  explicit KexKnownHosts(ssh_session_struct* session);
  ~KexKnownHosts();
  KexKnownHosts(const KexKnownHosts&) = delete;
  KexKnownHosts& operator=(const KexKnownHosts&) = delete;
  void Restore();

 private:
  ssh_session_struct* session_;
  std::string path_;
  int fd_ = -1;
};
// The server's host key as "<type> <base64>", or empty when libssh has
// none (call after the key exchange).
std::string ServerHostKeyText(ssh_session_struct* session);

}  // namespace ssh

#endif  // ORGALORG_SSH_KNOWN_HOSTS_H_
