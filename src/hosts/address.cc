#include "hosts/address.h"

#include <cstdio>

namespace hosts {
namespace {

constexpr int kMaxPort = 65535;

bool IsSpaceOrControl(unsigned char c) { return c <= 0x20 || c == 0x7f; }

util::Status Invalid(std::string_view what, std::string_view text) {
  return util::Status::Error(std::string(what) + " in address " +
                             QuoteForMessage(text));
}

// Parses the decimal port in `digits` (the text after ':').
util::StatusOr<int> ParsePort(std::string_view digits, std::string_view text) {
  if (digits.empty()) return Invalid("empty port", text);
  int port = 0;
  for (char c : digits) {
    if (c < '0' || c > '9' || port > kMaxPort) {
      return Invalid("invalid port " + QuoteForMessage(digits), text);
    }
    port = port * 10 + (c - '0');
  }
  if (port < 1 || port > kMaxPort) {
    return Invalid(
        "invalid port " + QuoteForMessage(digits) + " (must be 1-65535)", text);
  }
  return port;
}

// Splits `hostport` (everything after the user) into host and optional port
// text. `*has_port` tells whether a ':' introduced a port.
util::Status SplitHostPort(std::string_view hostport, std::string_view text,
                           std::string_view* host, std::string_view* port,
                           bool* has_port) {
  *has_port = false;
  if (!hostport.empty() && hostport.front() == '[') {
    size_t close = hostport.find(']');
    if (close == std::string_view::npos) {
      return Invalid("unbalanced '['", text);
    }
    *host = hostport.substr(1, close - 1);
    if (host->find('[') != std::string_view::npos) {
      return Invalid("unbalanced '['", text);
    }
    std::string_view rest = hostport.substr(close + 1);
    if (rest.empty()) return util::Status::Ok();
    if (rest.front() != ':') {
      return Invalid("unexpected " + QuoteForMessage(rest) + " after ']'",
                     text);
    }
    *has_port = true;
    *port = rest.substr(1);
    return util::Status::Ok();
  }
  if (hostport.find_first_of("[]") != std::string_view::npos) {
    return Invalid("unbalanced ']'", text);
  }
  size_t first_colon = hostport.find(':');
  if (first_colon == std::string_view::npos ||
      hostport.find(':', first_colon + 1) != std::string_view::npos) {
    *host = hostport;  // No port, or a bare IPv6 literal.
    return util::Status::Ok();
  }
  *host = hostport.substr(0, first_colon);
  *has_port = true;
  *port = hostport.substr(first_colon + 1);
  return util::Status::Ok();
}

}  // namespace

std::string QuoteForMessage(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out += ch;  // Printable ASCII and UTF-8 bytes pass through.
    }
  }
  out += '"';
  return out;
}

util::StatusOr<Address> ParseAddress(std::string_view text,
                                     const std::string& default_user,
                                     int default_port) {
  if (text.empty()) return util::Status::Error("empty host address");
  for (char c : text) {
    if (IsSpaceOrControl(static_cast<unsigned char>(c))) {
      return Invalid("whitespace or control character", text);
    }
  }
  Address address;
  address.given = std::string(text);
  address.user = default_user;
  address.port = default_port;

  std::string_view hostport = text;
  size_t at = text.rfind('@');
  if (at != std::string_view::npos) {
    if (at == 0) return Invalid("empty user", text);
    if (text.substr(0, at).find_first_of("[]") != std::string_view::npos) {
      return Invalid("unbalanced '[' or ']'", text);
    }
    address.user = std::string(text.substr(0, at));
    address.user_given = true;
    hostport = text.substr(at + 1);
  }

  std::string_view host, port_text;
  bool has_port = false;
  util::Status split =
      SplitHostPort(hostport, text, &host, &port_text, &has_port);
  if (!split.ok()) return split;
  if (host.empty()) return Invalid("empty host", text);
  address.host = std::string(host);
  if (has_port) {
    util::StatusOr<int> port = ParsePort(port_text, text);
    if (!port.ok()) return port.status();
    address.port = *port;
    address.port_given = true;
  }
  return address;
}

std::string Identity(const Address& address) {
  return "[" + address.user + "@" + address.host + ":" +
         std::to_string(address.port) + "]";
}

}  // namespace hosts
