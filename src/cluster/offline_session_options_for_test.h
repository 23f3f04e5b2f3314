// cluster/offline_session_options_for_test.h — for unit tests only: session
// options that touch nothing of the machine's SSH setup (no ssh config, no
// agent, no key files, known_hosts /dev/null) and give up after 300 ms, for
// handshakes against local listeners that refuse or never speak.
#ifndef ORGALORG_CLUSTER_OFFLINE_SESSION_OPTIONS_FOR_TEST_H_
#define ORGALORG_CLUSTER_OFFLINE_SESSION_OPTIONS_FOR_TEST_H_

#include <chrono>
#include <memory>

#include "loop/event_loop.h"
#include "ssh/key_ring.h"
#include "ssh/resolver.h"
#include "ssh/session_options.h"

namespace cluster {

inline ssh::SessionOptions OfflineSessionOptions(loop::EventLoop* loop) {
  ssh::SessionOptions options;
  options.user = "nobody";
  options.read_ssh_config = false;
  options.use_agent = false;
  options.identity_files = {};
  options.identity_from_config = false;
  options.key_ring = std::make_shared<ssh::KeyRing>();
  options.resolver = std::make_shared<ssh::Resolver>(loop);
  options.known_hosts_path = "/dev/null";
  options.connect_timeout = std::chrono::milliseconds(300);
  return options;
}

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_OFFLINE_SESSION_OPTIONS_FOR_TEST_H_
