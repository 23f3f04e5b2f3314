// The fleet simulator's SSH server: one thread, one epoll set over the
// listening socket, every session's socket, every child's pipes and a
// signalfd (SIGCHLD, SIGTERM, SIGINT, SIGUSR1).
//
// Each accepted connection is a host, told by the local address it was
// accepted on (host_keys.h). The session gets that host's key, runs the
// key exchange non-blocking (ssh_handle_key_exchange called again on each
// readable event), accepts public-key authentication with the one
// authorized key only (any user name), then is driven by an ssh_event of its
// own holding only it (ssh_event_dopoll(event, 0) when its socket is ready),
// so that no call polls other sessions' sockets. Session channels take exec
// requests (spawn.h; the lock holder: lock_standin.h), signal requests
// (sent to the command's process group) and window-bounded data both ways.
// A shell, pty, subsystem or env request is refused.
#ifndef ORGALORG_TESTS_FLEET_SERVER_H_
#define ORGALORG_TESTS_FLEET_SERVER_H_

#include <cstdint>
#include <string>

#include "host_keys.h"
#include "spawn.h"

namespace fleet {

struct ServerOptions {
  size_t first_host = 0;  // Serves hosts first_host .. first_host + hosts - 1.
  size_t hosts = 0;
  int port = 0;
  std::string listen = "0.0.0.0";
  std::string root_dir;
  Isolation isolation = Isolation::kMount;
  bool lock_standin = true;
  std::string ready_file;  // Written (with the pid) once listening.
  std::string ciphers;     // Empty: libssh's defaults.
};

// Serves until SIGTERM or SIGINT; prints its statistics on stderr then
// (and on SIGUSR1). Returns the process exit status.
int Serve(const ServerOptions& options, Keys* keys);

}  // namespace fleet

#endif  // ORGALORG_TESTS_FLEET_SERVER_H_
