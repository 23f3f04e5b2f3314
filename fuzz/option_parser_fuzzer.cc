// libFuzzer target for the option parser: cli::ParseOptions (orgalorg(1), OPTIONS).
//
// Input: the command-line words without the program name, separated by NUL
// bytes (`-o\0web1\0-C\0uptime`); empty words are kept.
//
// Properties checked, beyond "no crash, no leak, no undefined behaviour":
//   * parsing the same words twice gives the same result (getopt's global
//     state is reset by ParseOptions);
//   * options come before the operands: the positional words are the last
//     words of the input, in order;
//   * an error has a message; a success passes the whole-line checks (a mode
//     unless --help/--version, hosts, positive numbers, a command with -C);
//   * a success written back in one canonical form (long options with
//     `=value`, then `--` and the positional words) parses to equal Options.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cli/options.h"
#include "fuzz_check.h"

namespace {

// Every field of Options.
bool Same(const cli::Options& a, const cli::Options& b) {
  return a.mode == b.mode && a.help == b.help && a.version == b.version &&
         a.hosts == b.hosts && a.read_stdin == b.read_stdin &&
         a.key == b.key && a.password == b.password && a.user == b.user &&
         a.no_lock == b.no_lock && a.no_lock_fail == b.no_lock_fail &&
         a.lock_file == b.lock_file && a.no_conn_fail == b.no_conn_fail &&
         a.root == b.root && a.relative == b.relative &&
         a.no_preserve_uid == b.no_preserve_uid &&
         a.no_preserve_gid == b.no_preserve_gid &&
         a.no_upload == b.no_upload && a.sudo == b.sudo &&
         a.stdin_file == b.stdin_file && a.serial == b.serial &&
         a.shell == b.shell && a.sync_cmd == b.sync_cmd &&
         a.sync_cmd_given == b.sync_cmd_given && a.args == b.args &&
         a.simple == b.simple && a.threads == b.threads &&
         a.quiet == b.quiet && a.verbose == b.verbose && a.json == b.json &&
         a.color == b.color && a.colors_dark == b.colors_dark &&
         a.colors_light == b.colors_light && a.bar_format == b.bar_format &&
         a.log_format == b.log_format &&
         a.conn_timeout_ms == b.conn_timeout_ms &&
         a.send_timeout_ms == b.send_timeout_ms &&
         a.recv_timeout_ms == b.recv_timeout_ms &&
         a.keep_alive_ms == b.keep_alive_ms && a.positional == b.positional;
}

// `o` as words that must parse back to it.
std::vector<std::string> Canonical(const cli::Options& o) {
  std::vector<std::string> w;
  auto flag = [&w](bool on, const char* name) {
    if (on) w.push_back(name);
  };
  auto value = [&w](const char* name, const std::string& v) {
    w.push_back(std::string(name) + "=" + v);
  };
  switch (o.mode) {
    case cli::Mode::kCommand: w.push_back("--command"); break;
    case cli::Mode::kSync: w.push_back("--sync"); break;
    case cli::Mode::kUpload: w.push_back("--upload"); break;
    case cli::Mode::kLock: w.push_back("--lock"); break;
    case cli::Mode::kNone: break;
  }
  flag(o.help, "--help");
  flag(o.version, "--version");
  for (const std::string& h : o.hosts) value("--host", h);
  flag(o.read_stdin, "--read-stdin");
  if (!o.key.empty()) value("--key", o.key);
  flag(o.password, "--password");
  if (!o.user.empty()) value("--user", o.user);
  flag(o.no_lock, "--no-lock");
  flag(o.no_lock_fail, "--no-lock-fail");
  if (!o.lock_file.empty()) value("--lock-file", o.lock_file);
  flag(o.no_conn_fail, "--no-conn-fail");
  if (!o.root.empty()) value("--root", o.root);
  flag(o.relative, "--relative");
  flag(o.no_preserve_uid, "--no-preserve-uid");
  flag(o.no_preserve_gid, "--no-preserve-gid");
  flag(o.no_upload, "--no-upload");
  flag(o.sudo, "--sudo");
  if (!o.stdin_file.empty()) value("--stdin", o.stdin_file);
  flag(o.serial, "--serial");
  value("--shell", o.shell);
  if (o.sync_cmd_given) value("--sync-cmd", o.sync_cmd);
  for (const std::string& a : o.args) value("--arg", a);
  flag(o.simple, "--simple");
  value("--threads", std::to_string(o.threads));
  flag(o.quiet, "--quiet");
  for (int i = 0; i < o.verbose; ++i) w.push_back("--verbose");
  flag(o.json, "--json");
  switch (o.color) {
    case cli::Color::kAuto: value("--color", "auto"); break;
    case cli::Color::kAlways: value("--color", "always"); break;
    case cli::Color::kNever: value("--color", "never"); break;
  }
  flag(o.colors_dark, "--colors-dark");
  flag(o.colors_light, "--colors-light");
  if (!o.bar_format.empty()) value("--bar-format", o.bar_format);
  if (!o.log_format.empty()) value("--log-format", o.log_format);
  value("--conn-timeout", std::to_string(o.conn_timeout_ms));
  value("--send-timeout", std::to_string(o.send_timeout_ms));
  value("--recv-timeout", std::to_string(o.recv_timeout_ms));
  value("--keep-alive", std::to_string(o.keep_alive_ms));
  w.push_back("--");
  w.insert(w.end(), o.positional.begin(), o.positional.end());
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> words;
  if (!input.empty()) {
    size_t start = 0;
    for (;;) {
      size_t nul = input.find('\0', start);
      words.emplace_back(input.substr(start, nul - start));
      if (nul == std::string_view::npos) break;
      start = nul + 1;
    }
  }

  util::StatusOr<cli::Options> first = cli::ParseOptions(words);
  util::StatusOr<cli::Options> second = cli::ParseOptions(words);
  FUZZ_CHECK(first.ok() == second.ok());
  if (!first.ok()) {
    FUZZ_CHECK(!first.status().message().empty());
    FUZZ_CHECK(first.status().message() == second.status().message());
    return 0;
  }
  FUZZ_CHECK(Same(*first, *second));

  const cli::Options& o = *first;
  FUZZ_CHECK(o.threads > 0 && o.conn_timeout_ms > 0 && o.send_timeout_ms > 0 &&
             o.recv_timeout_ms > 0 && o.keep_alive_ms > 0);
  FUZZ_CHECK(o.verbose >= 0);
  FUZZ_CHECK(o.positional.size() <= words.size());
  FUZZ_CHECK(std::equal(o.positional.rbegin(), o.positional.rend(), words.rbegin()));
  if (!o.help && !o.version) {
    FUZZ_CHECK(o.mode != cli::Mode::kNone);
    FUZZ_CHECK(!o.hosts.empty() || o.read_stdin);
    if (o.mode == cli::Mode::kCommand) FUZZ_CHECK(!o.positional.empty());
    if (o.mode == cli::Mode::kUpload) FUZZ_CHECK(!o.root.empty());
    if (o.mode == cli::Mode::kLock) FUZZ_CHECK(o.positional.empty());
  }

  util::StatusOr<cli::Options> again = cli::ParseOptions(Canonical(o));
  if (!again.ok()) {
    std::fprintf(stderr, "canonical form rejected: %s\n",
                 again.status().ToString().c_str());
  }
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(Same(o, *again));
  return 0;
}
