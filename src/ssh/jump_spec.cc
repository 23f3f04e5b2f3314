#include "ssh/jump_spec.h"

#include <algorithm>
#include <sstream>
#include <vector>

namespace ssh {
namespace {

bool ParsePort(const std::string& text, int* port) {
  bool digits = !text.empty() && text.size() <= 5 &&
                std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) return false;
  *port = std::stoi(text);
  return *port >= 1 && *port <= 65535;
}

std::vector<std::string> SplitWords(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  std::string word;
  while (in >> word) words.push_back(word);
  return words;
}

}  // namespace

util::StatusOr<JumpSpec> ParseJumpSpec(const std::string& spec) {
  if (spec.empty()) return util::Status::Error("empty jump host");
  JumpSpec hop;
  std::string rest = spec;
  size_t at = rest.rfind('@');
  if (at != std::string::npos) {
    if (at == 0) return util::Status::Error("jump host " + spec + ": empty user");
    hop.user = rest.substr(0, at);
    rest = rest.substr(at + 1);
  }
  std::optional<std::string> port;
  if (!rest.empty() && rest.front() == '[') {  // [address] or [address]:port
    size_t close = rest.find(']');
    if (close == std::string::npos) return util::Status::Error("jump host " + spec + ": missing ']'");
    std::string after = rest.substr(close + 1);
    if (!after.empty() && after[0] != ':') return util::Status::Error("jump host " + spec + ": bad address");
    if (!after.empty()) port = after.substr(1);
    rest = rest.substr(1, close - 1);
  } else if (size_t colon = rest.rfind(':'); colon != std::string::npos && rest.find(':') == colon) {
    port = rest.substr(colon + 1);  // A bare IPv6 address (several colons) has none.
    rest = rest.substr(0, colon);
  }
  if (port) {
    int value = 0;
    if (!ParsePort(*port, &value)) {
      return util::Status::Error("jump host " + spec + ": bad port '" + *port + "'");
    }
    hop.port = value;
  }
  if (rest.empty()) return util::Status::Error("jump host " + spec + ": empty host");
  hop.host = rest;
  return hop;
}

util::StatusOr<JumpChain> ParseJumpChain(const std::string& chain) {
  if (chain.empty()) return util::Status::Error("empty jump host");
  JumpChain hops;
  size_t start = 0;
  while (true) {
    size_t comma = chain.find(',', start);
    std::string one = chain.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    util::StatusOr<JumpSpec> hop = ParseJumpSpec(one);
    if (!hop.ok()) {
      if (one.empty()) return util::Status::Error("jump host chain " + chain + ": empty hop");
      return hop.status();
    }
    hops.push_back(std::move(*hop));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return hops;
}

std::string JumpSpecText(const JumpSpec& spec) {
  std::string host = spec.host.find(':') != std::string::npos && spec.port ? "[" + spec.host + "]" : spec.host;
  std::string text = spec.user ? *spec.user + "@" + host : host;
  if (spec.port) text += ":" + std::to_string(*spec.port);
  return text;
}

std::string JumpChainText(const JumpChain& chain) {
  std::string text;
  for (const JumpSpec& hop : chain) text += (text.empty() ? "" : ",") + JumpSpecText(hop);
  return text;
}

std::optional<std::string> ProxyJumpFromCommand(const std::string& command) {
  // libssh 0.10.6, config.c, ssh_config_parse_proxy_jump():
  //   "ssh%s%s%s%s%s%s -W '[%%h]:%%p' %s" with " -l U", " -p P", " -J REST".
  std::vector<std::string> words = SplitWords(command);
  if (words.size() < 4 || words[0] != "ssh") return std::nullopt;
  size_t n = words.size();
  if (words[n - 3] != "-W" || words[n - 2] != "'[%h]:%p'") return std::nullopt;
  std::optional<std::string> user, port, rest;
  for (size_t i = 1; i + 3 < n; i += 2) {
    std::optional<std::string>* slot = words[i] == "-l" ? &user : words[i] == "-p" ? &port
                                     : words[i] == "-J" ? &rest : nullptr;
    if (slot == nullptr || slot->has_value()) return std::nullopt;
    *slot = words[i + 1];
  }
  if ((n - 4) % 2 != 0) return std::nullopt;
  std::string host = words[n - 1];
  if (port && host.find(':') != std::string::npos) host = "[" + host + "]";
  std::string first = (user ? *user + "@" : "") + host + (port ? ":" + *port : "");
  return rest ? first + "," + *rest : first;
}

}  // namespace ssh
