#include "ssh/key_ring.h"

#include <libssh/libssh.h>
#include <sys/stat.h>

#include <cstring>

namespace ssh {
namespace {

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

struct ImportContext {
  KeyRing* ring;
  bool prompted = false;     // libssh asked for a passphrase.
  bool had_answer = false;   // ... and we had one to give.
};

}  // namespace

KeyRing::KeyRing(PassphraseProvider provider) : provider_(std::move(provider)) {}

KeyRing::~KeyRing() {
  for (auto& [path, result] : cache_) ssh_key_free(result.key);
}

// libssh calls this when a key is encrypted and no passphrase was passed.
int KeyRing::AuthCallback(const char* /*prompt*/, char* buf, size_t len,
                          int /*echo*/, int /*verify*/, void* userdata) {
  auto* ctx = static_cast<ImportContext*>(userdata);
  KeyRing* ring = ctx->ring;
  ctx->prompted = true;
  if (!ring->asked_ && ring->provider_) {
    ring->asked_ = true;
    ring->passphrase_ = ring->provider_();
    ring->last_prompt_end_ = Clock::now();
  }
  if (!ring->passphrase_ || ring->passphrase_->size() + 1 > len) return -1;
  ctx->had_answer = true;
  std::memcpy(buf, ring->passphrase_->c_str(), ring->passphrase_->size() + 1);
  return 0;
}

KeyRing::LoadResult KeyRing::Load(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto cached = cache_.find(path);
  if (cached != cache_.end()) return cached->second;

  LoadResult result;
  if (!FileExists(path)) {
    result.missing = true;
    return cache_[path] = result;
  }
  ImportContext ctx{this};
  // A passphrase already obtained is offered first; libssh ignores it for
  // unencrypted keys and only calls AuthCallback when it has none.
  const char* known = passphrase_ ? passphrase_->c_str() : nullptr;
  ssh_key key = nullptr;
  int rc = ssh_pki_import_privkey_file(path.c_str(), known, &KeyRing::AuthCallback,
                                       &ctx, &key);
  if (rc == SSH_OK) {
    result.key = key;
  } else if (known != nullptr || ctx.had_answer) {
    result.status =
        util::Status::Error("invalid passphrase for private key specified");
  } else if (ctx.prompted) {
    result.status = util::Status::Error(
        "private key " + path + " is encrypted and no passphrase was given");
  } else {
    result.status = util::Status::Error("can't read private key " + path);
  }
  return cache_[path] = result;
}

}  // namespace ssh
