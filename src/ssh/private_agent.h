// A private ssh-agent for one relayed upload, when the operator has none
// (orgalorg(1), --relay).
//
// Start() runs `ssh-agent -D -a <private dir>/agent.sock` as a child
// process (the directory is new, mode 0700, under $TMPDIR or /tmp) and
// hands it every key `ring` has loaded from `key_files` (the keys the run
// logs in with), from memory: each key, unencrypted, goes to `ssh-add -`
// through a pipe, never into a file. The destructor kills the agent, waits
// for it and removes the directory, so the relay's access to the keys ends
// with the object. Blocking (a few ms); call outside the event loop's work.
#ifndef ORGALORG_SSH_PRIVATE_AGENT_H_
#define ORGALORG_SSH_PRIVATE_AGENT_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "ssh/key_ring.h"
#include "util/status.h"

namespace ssh {

class PrivateAgent {
 public:
  static util::StatusOr<std::unique_ptr<PrivateAgent>> Start(KeyRing* ring,
                                                             const std::vector<std::string>& key_files);
  ~PrivateAgent();
  PrivateAgent(const PrivateAgent&) = delete;
  PrivateAgent& operator=(const PrivateAgent&) = delete;

  const std::string& socket() const { return socket_; }
  size_t keys() const { return keys_; }

 private:
  PrivateAgent() = default;
  util::Status Spawn();
  util::Status Add(const std::string& key_text);

  std::string dir_;
  std::string socket_;
  pid_t pid_ = -1;
  size_t keys_ = 0;
};

}  // namespace ssh

#endif  // ORGALORG_SSH_PRIVATE_AGENT_H_
