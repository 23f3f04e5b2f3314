// A libssh session's options for one host: ssh_config(5) files first, our
// explicit options over them, our algorithm preferences, non-blocking.
//
// Contract:
//  * ConfigureSession() reads the user's config (options.ssh_config_path,
//    else $HOME/.ssh/config: $HOME is what the user, and our tests, mean,
//    not the password database) and then /etc/ssh/ssh_config, unless
//    options.read_ssh_config is off; missing files are not an error, an
//    unreadable one is, naming it. libssh is told not to read them again at
//    connect. Without -k (identity_from_config), an IdentityFile the config
//    gives for this host goes first in options->identity_files. Explicit
//    user, port and known_hosts win over the config.
//  * A ProxyJump line (which libssh 0.10 turns into a ProxyCommand running
//    `ssh -W`) never reaches libssh's connect: ConfigureSession() takes it
//    out and gives its value in *proxy_jump, for the session to go through
//    those jump hosts in-process. A ProxyCommand line stays libssh's.
//  * ReadTarget() says what the config made of the host (HostName, Port,
//    User, ProxyCommand), once ConfigureSession() has run.
//  * Only libssh option calls: no I/O besides reading the config files.
#ifndef ORGALORG_SSH_SSH_CONFIG_H_
#define ORGALORG_SSH_SSH_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include "ssh/session_options.h"
#include "util/status.h"

struct ssh_session_struct;

namespace ssh {

inline constexpr char kSystemSshConfig[] = "/etc/ssh/ssh_config";

// Where the host's settings come from.
struct SshTarget {
  std::string name;                 // HostName, or the host as given.
  int port = kDefaultPort;
  std::optional<std::string> user;  // Unset when libssh has none.
  bool proxied = false;             // A ProxyCommand connects, not we.
};

// The config files to read, in order; `home` null when $HOME is unset.
std::vector<std::string> SshConfigFiles(const SessionOptions& options, const char* home);

// Applies `options` (and the config files, see above) to `session`.
// `home` and `local_user` expand an IdentityFile's `~`, `%d` and `%u`.
// `proxy_jump` (may be null) gets the config's ProxyJump for the host, if
// any ("none" is no ProxyJump).
util::Status ConfigureSession(ssh_session_struct* session, SessionOptions* options,
                              const char* home, const std::string& local_user,
                              std::optional<std::string>* proxy_jump);

SshTarget ReadTarget(ssh_session_struct* session, const std::string& host);

// The local user's name (the password database), "root" when unknown.
std::string LocalUser();

}  // namespace ssh

#endif  // ORGALORG_SSH_SSH_CONFIG_H_
