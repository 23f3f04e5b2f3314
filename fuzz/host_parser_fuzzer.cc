// libFuzzer target for the host parser: hosts::ParseAddress and
// hosts::BuildHostList (orgalorg(1), HOSTS).
//
// Input: NUL-separated segments. Every segment but the last is one `-o`
// value; the last is the text read with `-s` (stdin: one host per line,
// comments, blank lines, any later syntax such as node ranges). The whole
// input is also given to ParseAddress as one address.
//
// `-o` values containing '/' are skipped: they could name a hosts file, and a
// fuzzer must not open /dev/zero or /proc files.
//
// Properties checked, beyond "no crash, no leak, no undefined behaviour":
//   * a parsed address has a non-empty host without brackets, '@', spaces or
//     control bytes, a port in 1..65535, the defaults where nothing was
//     given, and `user@[host]:port` parses back to the same target;
//   * ParseAddress keeps the text as given;
//   * BuildHostList returns no two addresses with the same target;
//   * stdin with "\r\n" line ends gives the same hosts as with "\n";
//   * parsing is deterministic (same input, same result).
//   * node ranges: NodeRange::Parse's count matches ExpandNodeRange, at
//     most 100,000, and text without ranges expands to itself.
//   * folding (--fold headers): FoldAddresses of the hosts as given splits
//     into pieces that expand back to exactly those hosts, each once.
// Inputs whose ranges stand for more than 2,000 hosts in all only get the
// range checks, not BuildHostList (see kMaxHostsPerInput).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fuzz_check.h"
#include "hosts/address.h"
#include "hosts/host_list.h"
#include "hosts/node_fold.h"
#include "hosts/node_range.h"

namespace {

const std::string kDefaultUser = "root";
constexpr int kDefaultPort = 22;

bool HasSpaceOrControl(std::string_view text) {
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f) return true;
  }
  return false;
}

void CheckAddress(const hosts::Address& a) {
  FUZZ_CHECK(!a.host.empty());
  FUZZ_CHECK(a.port >= 1 && a.port <= 65535);
  FUZZ_CHECK(!a.user.empty());
  FUZZ_CHECK(!HasSpaceOrControl(a.user));
  FUZZ_CHECK(!HasSpaceOrControl(a.host));
  FUZZ_CHECK(a.host.find_first_of("[]@") == std::string::npos);
  FUZZ_CHECK(a.user.find_first_of("[]") == std::string::npos);
  if (!a.user_given) FUZZ_CHECK(a.user == kDefaultUser);
  if (!a.port_given) FUZZ_CHECK(a.port == kDefaultPort);

  std::string identity = hosts::Identity(a);
  FUZZ_CHECK(identity.front() == '[' && identity.back() == ']');
  FUZZ_CHECK(!HasSpaceOrControl(identity));

  // The canonical written form parses back to the same target.
  std::string canonical =
      a.user + "@[" + a.host + "]:" + std::to_string(a.port);
  util::StatusOr<hosts::Address> again =
      hosts::ParseAddress(canonical, "nobody", 1);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->SameTarget(a));
  FUZZ_CHECK(again->user_given && again->port_given);
}

// Inputs whose node ranges stand for more hosts than this skip
// BuildHostList: expanding 100,000 hosts takes seconds under ASan and finds
// nothing that a few thousand would not. The range syntax itself is still
// parsed (NodeRange::Parse counts from the bounds without expanding), so the
// per-expression cap is fuzzed; the run-wide 1,000,000 cap is left to the
// unit tests.
constexpr size_t kMaxHostsPerInput = 2000;

// Hosts that one expression stands for (1 when it is not a valid range),
// checking NodeRange against ExpandNodeRange on the way.
size_t RangeSize(std::string_view text) {
  util::StatusOr<hosts::NodeRange> range = hosts::NodeRange::Parse(text);
  if (!range.ok()) {
    FUZZ_CHECK(!range.status().message().empty());
    return 1;
  }
  FUZZ_CHECK(range->size() >= 1 && range->size() <= hosts::kMaxRangeHosts);
  FUZZ_CHECK(range->has_ranges() || range->size() == 1);
  if (range->size() <= 64) {
    util::StatusOr<std::vector<std::string>> all = hosts::ExpandNodeRange(text);
    FUZZ_CHECK(all.ok());
    FUZZ_CHECK(all->size() == range->size());
    if (!range->has_ranges()) FUZZ_CHECK((*all)[0] == text);
  }
  return range->size();
}

// FoldAddresses' promise on the hosts of one list (node_fold.h).
void CheckFold(const std::vector<hosts::Address>& list) {
  std::vector<std::string> given;
  for (const hosts::Address& a : list) {
    if (a.given.find(',') != std::string::npos) return;  // Outside the promise.
    given.push_back(a.given);
  }
  if (given.empty()) return;
  std::string folded = hosts::FoldAddresses(given);
  std::unordered_map<std::string, int> left;
  for (const std::string& g : given) ++left[g];
  for (const std::string& piece : hosts::SplitFoldedPieces(folded)) {
    util::StatusOr<std::vector<std::string>> names = hosts::ExpandNodeRange(piece);
    FUZZ_CHECK(names.ok());
    for (const std::string& name : *names) FUZZ_CHECK(--left[name] == 0);
  }
  for (const auto& entry : left) FUZZ_CHECK(entry.second == 0);
}

struct Result {
  bool ok = false;
  std::string message;
  size_t count = 0;
  uint64_t fingerprint = 0;  // Of user, host, port and given, in order.
};

uint64_t Mix(uint64_t h, std::string_view text) {
  h ^= std::hash<std::string_view>()(text) + 0x9e3779b97f4a7c15ULL + (h << 6) +
       (h >> 2);
  return h;
}

Result Build(const std::vector<std::string>& args,
             const std::string& stdin_text, bool check) {
  std::istringstream in(stdin_text);
  util::StatusOr<std::vector<hosts::Address>> list =
      hosts::BuildHostList(args, &in, kDefaultUser, kDefaultPort);
  Result result;
  result.ok = list.ok();
  if (!list.ok()) {
    result.message = list.status().ToString();
    FUZZ_CHECK(!list.status().message().empty());
    return result;
  }
  result.count = list->size();
  if (check) CheckFold(*list);
  // Exact duplicate check: hash buckets, then compare the colliding ones.
  std::unordered_multimap<uint64_t, size_t> seen;
  for (size_t i = 0; i < list->size(); ++i) {
    const hosts::Address& a = (*list)[i];
    if (check) {
      CheckAddress(a);
      uint64_t key =
          Mix(Mix(Mix(0, a.user), a.host), std::to_string(a.port));
      auto [begin, end] = seen.equal_range(key);
      for (auto it = begin; it != end; ++it) {
        FUZZ_CHECK(!(*list)[it->second].SameTarget(a));
      }
      seen.emplace(key, i);
    }
    result.fingerprint = Mix(result.fingerprint, a.user);
    result.fingerprint = Mix(result.fingerprint, a.host);
    result.fingerprint = Mix(result.fingerprint, std::to_string(a.port));
    result.fingerprint = Mix(result.fingerprint, a.given);
  }
  return result;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  // One address.
  util::StatusOr<hosts::Address> address =
      hosts::ParseAddress(input, kDefaultUser, kDefaultPort);
  if (address.ok()) {
    CheckAddress(*address);
    FUZZ_CHECK(address->given == input);
  } else {
    FUZZ_CHECK(!address.status().message().empty());
  }

  // -o values and stdin.
  std::vector<std::string> args;
  size_t start = 0;
  for (size_t nul; (nul = input.find('\0', start)) != std::string_view::npos;
       start = nul + 1) {
    std::string arg(input.substr(start, nul - start));
    if (arg.find('/') == std::string::npos) args.push_back(std::move(arg));
  }
  std::string stdin_text(input.substr(start));

  size_t hosts = 0;
  for (const std::string& arg : args) hosts += RangeSize(hosts::TrimSpace(arg));
  for (size_t begin = 0; begin <= stdin_text.size();) {
    size_t end = stdin_text.find('\n', begin);
    if (end == std::string::npos) end = stdin_text.size();
    std::string_view line(stdin_text.data() + begin, end - begin);
    line = hosts::TrimSpace(line.substr(0, line.find('#')));
    if (!line.empty()) hosts += RangeSize(line);
    begin = end + 1;
  }
  if (hosts > kMaxHostsPerInput) return 0;

  Result list = Build(args, stdin_text, /*check=*/true);
  Result repeat = Build(args, stdin_text, /*check=*/false);
  FUZZ_CHECK(list.ok == repeat.ok && list.message == repeat.message &&
             list.count == repeat.count &&
             list.fingerprint == repeat.fingerprint);

  // "\r\n" line ends read like "\n" (lines well under the length cap).
  if (stdin_text.size() < 16384) {
    std::string crlf;
    for (char c : stdin_text) {
      if (c == '\n') crlf += '\r';
      crlf += c;
    }
    Result dos = Build(args, crlf, /*check=*/false);
    FUZZ_CHECK(dos.ok == list.ok && dos.count == list.count &&
               dos.fingerprint == list.fingerprint);
  }
  return 0;
}
