// The simulated hosts' addresses and keys (tests/fleet/README.md).
//
// Host i (0-based) lives at 127.B.C.D with D = i % 250 + 1,
// C = (i / 250) % 256 and B = 1 + i / 64000: 127.1.0.1, ..., 127.1.0.250,
// 127.1.1.1, ... Every host has its own ed25519 host key, generated at start
// (fresh each start: the known_hosts file is rewritten with them). The key
// directory holds the known_hosts file (`[addr]:port ssh-ed25519 ...`, not
// hashed), and the client key pair `id_ed25519` / `id_ed25519.pub` (made
// once, kept), which is the one key the hosts authorize.
#ifndef ORGALORG_TESTS_FLEET_HOST_KEYS_H_
#define ORGALORG_TESTS_FLEET_HOST_KEYS_H_

#include <libssh/libssh.h>
#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <vector>

namespace fleet {

// The address of host `index`, in host byte order, and as text.
uint32_t HostAddress(size_t index);
std::string AddressText(uint32_t address);
// The index of the host at `address`, or -1 when no host has it.
long HostIndex(uint32_t address, size_t hosts);

struct Keys {
  std::vector<ssh_key> host;  // One private key per host, owned.
  ssh_key client = nullptr;   // The authorized public key, owned.
  ~Keys();
};

// Makes `dir` (mode 0700) if missing, the client key pair if missing, `hosts`
// host keys, and writes `dir`/known_hosts for `port`. On error returns false
// and sets `error`.
// Host keys are for hosts first .. first + hosts - 1 (keys->host[0] is host `first`).
bool PrepareKeys(const std::string& dir, size_t first, size_t hosts, int port, Keys* keys, std::string* error);

}  // namespace fleet

#endif  // ORGALORG_TESTS_FLEET_HOST_KEYS_H_
