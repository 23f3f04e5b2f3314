// RAND_METHOD is deprecated in OpenSSL 3 but still the one hook that sees
// every RAND_bytes call; see random_pool.h for why it is used.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "ssh/random_pool.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <algorithm>
#include <cstring>
#include <mutex>

namespace ssh {
namespace {

constexpr size_t kPoolBytes = 16 * 1024;

std::mutex pool_mutex;
unsigned char pool[kPoolBytes];
size_t pool_left = 0;  // Unused bytes at the end of `pool`.
unsigned long refills = 0;
const RAND_METHOD* fallback = nullptr;  // OpenSSL's default method.

void ForgetPoolInChild() {
  OPENSSL_cleanse(pool, sizeof pool);
  pool_left = 0;
}

int PoolBytes(unsigned char* out, int num) {
  if (num < 0) return 0;
  size_t wanted = static_cast<size_t>(num);
  // Large requests (keys) straight from the generator.
  if (wanted > kPoolBytes / 4) return fallback->bytes(out, num);
  std::lock_guard<std::mutex> lock(pool_mutex);
  while (wanted > 0) {
    if (pool_left == 0) {
      if (fallback->bytes(pool, static_cast<int>(kPoolBytes)) != 1) return 0;
      pool_left = kPoolBytes;
      ++refills;
    }
    size_t take = std::min(wanted, pool_left);
    unsigned char* from = pool + (kPoolBytes - pool_left);
    std::memcpy(out, from, take);
    OPENSSL_cleanse(from, take);
    pool_left -= take;
    out += take;
    wanted -= take;
  }
  return 1;
}

int PoolSeed(const void* buf, int num) { return fallback->seed ? fallback->seed(buf, num) : 1; }
int PoolAdd(const void* buf, int num, double entropy) {
  return fallback->add ? fallback->add(buf, num, entropy) : 1;
}
int PoolStatus() { return fallback->status ? fallback->status() : 1; }

RAND_METHOD pool_method = {PoolSeed, PoolBytes, nullptr, PoolAdd, PoolBytes, PoolStatus};

}  // namespace

util::Status UseRandomPool() {
  static util::Status installed = [] {
    fallback = RAND_OpenSSL();
    if (fallback == nullptr || fallback->bytes == nullptr) {
      return util::Status::Error("OpenSSL has no default random method");
    }
    if (pthread_atfork(nullptr, nullptr, ForgetPoolInChild) != 0) {
      return util::Status::Error("can't register the random pool's fork handler");
    }
    if (RAND_set_rand_method(&pool_method) != 1) {
      return util::Status::Error("can't install the random pool");
    }
    return util::Status::Ok();
  }();
  return installed;
}

unsigned long RandomPoolRefills() {
  std::lock_guard<std::mutex> lock(pool_mutex);
  return refills;
}

}  // namespace ssh
