#include "protocol/sync_protocol.h"

namespace protocol {
namespace {

std::string Message(std::string_view prefix, std::string_view body) {
  std::string line;
  line.reserve(prefix.size() + body.size() + 2);
  line += prefix;
  line += ' ';
  for (char c : body) line += (c == '\n' || c == '\r') ? ' ' : c;
  line += '\n';
  return line;
}

}  // namespace

std::string MakePrefix(uint64_t run_number) {
  return std::string(kPrefixStem) + std::to_string(run_number);
}

std::string EncodeHello(std::string_view prefix) {
  return Message(prefix, "HELLO");
}

std::string EncodeNode(std::string_view prefix, std::string_view identity,
                       bool current) {
  std::string body = "NODE " + std::string(identity);
  if (current) body += " CURRENT";
  return Message(prefix, body);
}

std::string EncodeStart(std::string_view prefix) {
  return Message(prefix, "START");
}

std::string EncodeSync(std::string_view prefix,
                       std::string_view sender_identity,
                       std::string_view description) {
  std::string body = "SYNC " + std::string(sender_identity);
  if (!description.empty()) {
    body += ' ';
    body += description;
  }
  return Message(prefix, body);
}

ToolLine ParseToolLine(std::string_view line, std::string_view prefix) {
  if (line.ends_with('\n')) line.remove_suffix(1);
  if (line.ends_with('\r')) line.remove_suffix(1);
  ToolLine result;
  if (prefix.empty() || line.size() <= prefix.size() ||
      !line.starts_with(prefix) || line[prefix.size()] != ' ') {
    return result;  // User output.
  }
  std::string_view rest = line.substr(prefix.size() + 1);
  size_t space = rest.find(' ');
  std::string_view verb = rest.substr(0, space);
  if (verb == "SYNC") {
    result.kind = ToolLine::Kind::kSync;
    if (space != std::string_view::npos) result.text = rest.substr(space + 1);
    return result;
  }
  result.kind = ToolLine::Kind::kUnknownProtocol;
  result.text = verb;
  return result;
}

}  // namespace protocol
