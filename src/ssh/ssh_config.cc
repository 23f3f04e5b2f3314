#include "ssh/ssh_config.h"

#include <libssh/libssh.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>

#include "ssh/jump_spec.h"

namespace ssh {
namespace {

// GCM first: cheapest per byte with AES-NI (doc/design.md, "SSH transport").
constexpr char kCiphers[] =
    "aes128-gcm@openssh.com,aes256-gcm@openssh.com,"
    "chacha20-poly1305@openssh.com,aes128-ctr";
// curve25519 first: the cheapest handshake libssh 0.10 offers.
constexpr char kKeyExchange[] =
    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
    "diffie-hellman-group14-sha256,diffie-hellman-group16-sha512,"
    "diffie-hellman-group18-sha512";

util::Status ParseConfigFiles(ssh_session session, const SessionOptions& options,
                              const char* home) {
  for (const std::string& path : SshConfigFiles(options, home)) {
    if (ssh_options_parse_config(session, path.c_str()) < 0) {
      return util::Status::Error("can't read ssh config " + path + ": " +
                                 NormalizeErrorText(ssh_get_error(session)));
    }
  }
  return util::Status::Ok();
}

// Puts the config's IdentityFile for this host first in `files`. libssh's
// list starts with its own defaults (`%d/id_*`) unless the config put an
// IdentityFile in front of them.
void AddConfigIdentity(ssh_session session, std::vector<std::string>* files,
                       const char* home, const std::string& local_user) {
  char* first = nullptr;
  if (ssh_options_get(session, SSH_OPTIONS_IDENTITY, &first) != SSH_OK) return;
  std::string path = first;
  ssh_string_free_char(first);
  if (path.rfind("%d/id_", 0) == 0) return;
  path = ExpandIdentityPath(path, home != nullptr ? home : "", local_user);
  if (std::find(files->begin(), files->end(), path) == files->end()) {
    files->insert(files->begin(), path);
  }
}

// Takes a ProxyJump's ProxyCommand (see jump_spec.h) out of `session`.
std::optional<std::string> TakeProxyJump(ssh_session session) {
  char* command = nullptr;
  if (ssh_options_get(session, SSH_OPTIONS_PROXYCOMMAND, &command) != SSH_OK) return std::nullopt;
  std::optional<std::string> jump = ProxyJumpFromCommand(command);
  ssh_string_free_char(command);
  if (jump) ssh_options_set(session, SSH_OPTIONS_PROXYCOMMAND, "none");  // Unsets it.
  return jump;
}

// Explicit values win over ~/.ssh/config, so they are set after it.
void SetExplicitOptions(ssh_session session, const SessionOptions& options) {
  if (options.user) ssh_options_set(session, SSH_OPTIONS_USER, options.user->c_str());
  if (options.port) {
    int port = *options.port;
    ssh_options_set(session, SSH_OPTIONS_PORT, &port);
  }
  if (!options.known_hosts_path.empty()) {
    ssh_options_set(session, SSH_OPTIONS_KNOWNHOSTS, options.known_hosts_path.c_str());
  }
  ssh_options_set(session, SSH_OPTIONS_CIPHERS_C_S, kCiphers);
  ssh_options_set(session, SSH_OPTIONS_CIPHERS_S_C, kCiphers);
  ssh_options_set(session, SSH_OPTIONS_KEY_EXCHANGE, kKeyExchange);
  int nodelay = 1;
  ssh_options_set(session, SSH_OPTIONS_NODELAY, &nodelay);
  ssh_set_blocking(session, 0);
}

}  // namespace

std::vector<std::string> SshConfigFiles(const SessionOptions& options, const char* home) {
  std::vector<std::string> files;
  if (!options.read_ssh_config) return files;
  if (!options.ssh_config_path.empty()) {
    files.push_back(options.ssh_config_path);
  } else if (home != nullptr) {
    files.push_back(std::string(home) + "/.ssh/config");
  }
  files.push_back(kSystemSshConfig);
  return files;
}

util::Status ConfigureSession(ssh_session session, SessionOptions* options,
                              const char* home, const std::string& local_user,
                              std::optional<std::string>* proxy_jump) {
  ssh_options_set(session, SSH_OPTIONS_LOG_VERBOSITY, &options->log_verbosity);
  if (ssh_options_set(session, SSH_OPTIONS_HOST, options->host.c_str()) < 0) {
    return util::Status::Error("invalid host name " + options->host);
  }
  util::Status status = ParseConfigFiles(session, *options, home);
  if (!status.ok()) return status;
  std::optional<std::string> jump = TakeProxyJump(session);
  if (proxy_jump != nullptr) *proxy_jump = std::move(jump);
  if (options->read_ssh_config && options->identity_from_config) {
    AddConfigIdentity(session, &options->identity_files, home, local_user);
  }
  // Done above (or deliberately skipped): ssh_connect must not do it again.
  bool process_config = false;
  ssh_options_set(session, SSH_OPTIONS_PROCESS_CONFIG, &process_config);
  SetExplicitOptions(session, *options);
  return util::Status::Ok();
}

SshTarget ReadTarget(ssh_session session, const std::string& host) {
  SshTarget target;
  target.name = host;
  char* value = nullptr;
  if (ssh_options_get(session, SSH_OPTIONS_HOST, &value) == SSH_OK) {
    target.name = value;
    ssh_string_free_char(value);
  }
  unsigned int port = kDefaultPort;
  ssh_options_get_port(session, &port);
  target.port = static_cast<int>(port);
  value = nullptr;
  if (ssh_options_get(session, SSH_OPTIONS_USER, &value) == SSH_OK) {
    target.user = value;
    ssh_string_free_char(value);
  }
  value = nullptr;
  target.proxied = ssh_options_get(session, SSH_OPTIONS_PROXYCOMMAND, &value) == SSH_OK;
  if (value != nullptr) ssh_string_free_char(value);
  return target;
}

std::string LocalUser() {
  // Looked up once: getpwuid is not thread-safe, and sessions on several
  // loops ask.
  static const std::string user = [] {
    const passwd* pw = getpwuid(getuid());
    return std::string(pw != nullptr ? pw->pw_name : "root");
  }();
  return user;
}

}  // namespace ssh
