// Non-blocking user authentication of one connected session (orgalorg(1), AUTHENTICATION):
// ssh-agent (when allowed and SSH_AUTH_SOCK is set), then each key file,
// then the password. Internal to src/ssh/.
//
// Contract: construct after the host key was verified; call Step() every
// time the session's socket is ready until it returns true; then `result`
// is OK or the error to report (the caller adds the host). The session and
// key ring must outlive the authenticator.
#ifndef ORGALORG_SSH_AUTHENTICATOR_H_
#define ORGALORG_SSH_AUTHENTICATOR_H_

#include <string>
#include <vector>

#include "ssh/key_ring.h"
#include "ssh/session_options.h"
#include "util/status.h"

struct ssh_session_struct;

namespace ssh {

class Authenticator {
 public:
  Authenticator(ssh_session_struct* session, const SessionOptions& options,
                KeyRing* key_ring);
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // Makes progress; returns true when finished (then `*result` is set).
  bool Step(util::Status* result);
  // After a successful Step: "ssh-agent", "key <path>" or "password".
  std::string Method() const;

 private:
  enum class Kind { kAgent, kKey, kPassword };
  struct Attempt {
    Kind kind;
    std::string key_path;  // kKey only.
  };

  // Runs (or continues) one attempt: SSH_AUTH_* code.
  int Try(const Attempt& attempt, util::Status* skip_or_fatal);
  util::Status Failure() const;

  ssh_session_struct* session_;
  const SessionOptions& options_;
  KeyRing* key_ring_;
  std::vector<Attempt> attempts_;
  size_t next_ = 0;
  std::vector<util::Status> failures_;  // One per refused attempt.
  std::vector<std::string> missing_keys_;
};

}  // namespace ssh

#endif  // ORGALORG_SSH_AUTHENTICATOR_H_
