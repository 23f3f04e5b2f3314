// Private keys shared by all sessions of a run.
//
// Contract:
//  * Each key file is read (and decrypted) at most once per ring; the result,
//    success or failure, is cached, so 1,000 sessions cost one KDF run.
//  * The passphrase provider is called at most once per ring, the first time
//    an encrypted key is met; its answer is reused for every later encrypted
//    key. It may block (a TTY prompt); the ring records when it returned so
//    that handshake deadlines can exclude the time spent prompting.
//  * Keys stay owned by the ring and valid until it is destroyed; sessions
//    hold the ring by shared_ptr. Thread-safe: sessions on several loops
//    (handshake shards) share one ring; a thread that meets an encrypted key
//    while another is prompting waits for that prompt's answer.
//  * Only src/ssh/ code calls Load(); the type it returns is libssh's opaque
//    key handle, forward-declared here so that no libssh header leaks.
#ifndef ORGALORG_SSH_KEY_RING_H_
#define ORGALORG_SSH_KEY_RING_H_

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "ssh/loop_names.h"
#include "util/status.h"

struct ssh_key_struct;

namespace ssh {

class KeyRing {
 public:
  // Returns the passphrase, or nullopt when none can be obtained (no TTY).
  using PassphraseProvider = std::function<std::optional<std::string>()>;

  explicit KeyRing(PassphraseProvider provider = nullptr);
  ~KeyRing();
  KeyRing(const KeyRing&) = delete;
  KeyRing& operator=(const KeyRing&) = delete;

  struct LoadResult {
    ssh_key_struct* key = nullptr;  // Owned by the ring; null on failure.
    bool missing = false;           // The file does not exist.
    util::Status status;            // Why key is null (OK when missing).
  };
  // Loads `path` (cached). Errors: "invalid passphrase for private key
  // specified", "private key <path> is encrypted and no passphrase was
  // given", "can't read private key <path>".
  LoadResult Load(const std::string& path);

  // When the passphrase provider last returned (epoch if never).
  TimePoint last_prompt_end() const { return last_prompt_end_.load(); }

 private:
  struct Entry;
  static int AuthCallback(const char* prompt, char* buf, size_t len,
                          int echo, int verify, void* userdata);

  std::mutex mutex_;  // Guards everything below but last_prompt_end_.
  PassphraseProvider provider_;
  bool asked_ = false;
  std::optional<std::string> passphrase_;
  std::atomic<TimePoint> last_prompt_end_{TimePoint{}};
  std::map<std::string, LoadResult> cache_;
};

}  // namespace ssh

#endif  // ORGALORG_SSH_KEY_RING_H_
