// Fewer system calls for libssh's per-packet random padding.
//
// OpenSSL 3 checks for a fork (getpid, a system call) on every RAND_bytes
// call, and libssh draws random padding for every packet it sends: a 2 GB
// upload to 10 hosts made ~70,000 getpid calls, about a fifth of the
// client's CPU on a virtual machine where system calls are dear.
//
// UseRandomPool() installs an OpenSSL RAND method that serves requests from
// a pool filled 16 KiB at a time from OpenSSL's own default generator (its
// public DRBG); bytes are wiped from the pool once handed out, so each is
// used once. A child created by fork() starts with an empty pool
// (pthread_atfork), so parent and child never share bytes. Seeding and
// status go to the default method. Thread-safe. Call once at start, before
// any SSH session exists; later calls do nothing.
#ifndef ORGALORG_SSH_RANDOM_POOL_H_
#define ORGALORG_SSH_RANDOM_POOL_H_

#include "util/status.h"

namespace ssh {

util::Status UseRandomPool();

// For tests: how many times the pool was refilled from OpenSSL.
unsigned long RandomPoolRefills();

}  // namespace ssh

#endif  // ORGALORG_SSH_RANDOM_POOL_H_
