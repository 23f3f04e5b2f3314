// orgalorg-fleet: serves N simulated SSH hosts from one process, for
// measuring orgalorg at thousands of hosts (tests/fleet/README.md).
//
//   orgalorg-fleet --hosts N --port P --key-dir D [--first-host F] [--root-dir R]
//                  [--isolation mount|cwd] [--no-lock-standin]
//                  [--listen ADDR] [--ready-file F] [--ciphers LIST]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "host_keys.h"
#include "server.h"

namespace {

int Usage(const char* why) {
  fprintf(stderr,
          "orgalorg-fleet: %s\n"
          "usage: orgalorg-fleet --hosts N --port P --key-dir D [--first-host F] [--root-dir R (default /tmp/fleet)]\n"
          "                      [--isolation mount|cwd] [--no-lock-standin] [--listen ADDR]\n"
          "                      [--ready-file F] [--ciphers LIST]\n",
          why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  fleet::ServerOptions options;
  options.root_dir = "/tmp/fleet";
  std::string key_dir;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (arg == "--no-lock-standin") {
      options.lock_standin = false;
      continue;
    }
    if ((v = value()) == nullptr) return Usage(("missing value for " + arg).c_str());
    if (arg == "--hosts") options.hosts = strtoul(v, nullptr, 10);
    else if (arg == "--first-host") options.first_host = strtoul(v, nullptr, 10);
    else if (arg == "--port") options.port = atoi(v);
    else if (arg == "--key-dir") key_dir = v;
    else if (arg == "--root-dir") options.root_dir = v;
    else if (arg == "--listen") options.listen = v;
    else if (arg == "--ready-file") options.ready_file = v;
    else if (arg == "--ciphers") options.ciphers = v;
    else if (arg == "--isolation" && strcmp(v, "mount") == 0) options.isolation = fleet::Isolation::kMount;
    else if (arg == "--isolation" && strcmp(v, "cwd") == 0) options.isolation = fleet::Isolation::kCwd;
    else return Usage(("unknown option or value: " + arg).c_str());
  }
  if (options.hosts == 0 || options.hosts > 64000 * 254 || options.port <= 0 || key_dir.empty()) {
    return Usage("--hosts, --port and --key-dir are required");
  }
  if (options.root_dir.empty() || options.root_dir[0] != '/') return Usage("--root-dir must be absolute");
  fleet::Keys keys;
  std::string error;
  if (!fleet::PrepareKeys(key_dir, options.first_host, options.hosts, options.port, &keys, &error)) {
    fprintf(stderr, "orgalorg-fleet: %s\n", error.c_str());
    return 1;
  }
  return fleet::Serve(options, &keys);
}
