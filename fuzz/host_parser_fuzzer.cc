// libFuzzer target for the host parser: hosts::ParseAddress and
// hosts::BuildHostList (SPEC section 3).
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
// The last two are skipped for lists above 5,000 hosts (node ranges allow
// 1,000,000), to keep the fuzzer fast; those still get the other checks.
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

// Big host lists (node ranges allow up to 1,000,000 hosts) are checked in
// full once; the comparisons with other runs use a fingerprint, so that only
// one list is in memory at a time, and are skipped above kCompareLimit.
constexpr size_t kCompareLimit = 5000;

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

  Result list = Build(args, stdin_text, /*check=*/true);
  if (list.count > kCompareLimit) return 0;
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
