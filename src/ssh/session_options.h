// Parameters of one SSH connection, and pure helpers that derive defaults.
//
// SessionOptions is a plain value; Session copies it. Nothing here touches
// libssh or the network, so it is unit-tested directly.
#ifndef ORGALORG_SSH_SESSION_OPTIONS_H_
#define ORGALORG_SSH_SESSION_OPTIONS_H_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/status.h"

namespace ssh {

class JumpRouter;
class KeyRing;
class Resolver;

// One jump host as written (-J, ProxyJump): unset user and port come from
// ~/.ssh/config for that host, or the defaults.
struct JumpSpec {
  std::optional<std::string> user;
  std::string host;
  std::optional<int> port;
};
// Jump hosts in order, the last one next to the target (OpenSSH's -J).
using JumpChain = std::vector<JumpSpec>;

// What to do with the server's host key.
enum class HostKeyPolicy {
  kAcceptNew,  // Known and equal: go on; unknown: record it; changed: refuse.
  kStrict,     // Known and equal: go on; unknown or changed: refuse.
  kOff,        // Do not check (tests, throw-away hosts).
};

// Defaults, in the units their names say (orgalorg(1), OPTIONS).
inline constexpr int kDefaultPort = 22;
inline constexpr std::chrono::milliseconds kDefaultConnectTimeoutMs{10000};
inline constexpr std::chrono::milliseconds kDefaultKeepAliveMs{10000};

struct SessionOptions {
  std::string host;                 // Name or address, as given by the user.
  std::optional<int> port;          // Unset: ~/.ssh/config or 22.
  std::optional<std::string> user;  // Unset: ~/.ssh/config or current user.
  // Private keys to try, in order (-k, or DefaultIdentityFiles()). Missing
  // default files are skipped; see KeyRing.
  std::vector<std::string> identity_files;
  // No -k: an IdentityFile that ~/.ssh/config gives for this host is tried
  // before identity_files. libssh keeps only one visible: when a host
  // matches several IdentityFile lines, the last one read is used.
  bool identity_from_config = true;
  // Shared by all sessions of a run: loads each key once and asks for a
  // passphrase at most once. Null: a private ring is created per session.
  std::shared_ptr<KeyRing> key_ring;
  // Looks host names up off the loop thread; null: libssh resolves and
  // connects by itself (blocking on the name lookup).
  std::shared_ptr<Resolver> resolver;
  // Jump hosts to go through. Unset: the host's ProxyJump in the ssh
  // config decides (none: direct). Set: this chain whatever the config
  // says (-J, or the hops before this one in a chain); empty: direct.
  std::optional<JumpChain> jump;
  // Connects through jump hosts (one connection per distinct hop for the
  // run, see jump_router.h); null: a host behind a jump host fails. Not
  // owned: it outlives every session of the run.
  JumpRouter* jump_router = nullptr;
  // Refuse (see Session::needs_route) rather than go through a jump host or
  // a ProxyCommand: for sessions connected away from the main loop.
  bool direct_only = false;
  bool use_agent = true;                 // Try SSH_AUTH_SOCK when set.
  std::optional<std::string> password;   // -p; tried after the keys.
  std::string known_hosts_path;          // Usually ~/.ssh/known_hosts.
  HostKeyPolicy host_key_policy = HostKeyPolicy::kAcceptNew;
  bool read_ssh_config = true;           // Parse ~/.ssh/config first.
  std::string ssh_config_path;           // Empty: libssh's default.
  // Whole handshake: TCP connect + key exchange + authentication.
  std::chrono::milliseconds connect_timeout{kDefaultConnectTimeoutMs};
  // Send a keep-alive request after this much receive silence; 0 = never.
  std::chrono::milliseconds keep_alive{kDefaultKeepAliveMs};
  // Declare the host dead after this much receive silence once connected;
  // 0 = never. Only meaningful with keep_alive < dead_after (the server's
  // answers to keep-alives are what proves it is alive).
  std::chrono::milliseconds dead_after{0};
  // libssh log verbosity (0 = none); only for debugging.
  int log_verbosity = 0;
};

// ~/.ssh/id_ed25519, id_ecdsa, id_rsa under `home` (no existence check).
std::vector<std::string> DefaultIdentityFiles(const std::string& home);

// An IdentityFile value as ssh_config(5) writes it: a leading `~/` and `%d`
// become `home`, `%u` the local user, `%%` a `%`; other `%x` stay as written.
std::string ExpandIdentityPath(const std::string& path, const std::string& home,
                               const std::string& local_user);
// <home>/.ssh/known_hosts.
std::string DefaultKnownHostsPath(const std::string& home);
// "[user@host:port]" with the defaults filled in, for logs.
std::string SessionIdentity(const std::string& user, const std::string& host,
                            int port);
// Turns a libssh/OS error text into our style: first letter lower-case,
// no trailing period, and libssh's internal prefixes removed.
std::string NormalizeErrorText(std::string text);

}  // namespace ssh

#endif  // ORGALORG_SSH_SESSION_OPTIONS_H_
